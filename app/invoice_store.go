package app

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"licensedesk/storage"
)

// Invoice buckets and key layouts, read and written only here:
//
//	invoices            id -> invoice header (JSON, without lines)
//	invoice_lines       id | chunk -> up to invoiceChunk lines (JSON array)
//	idx_invoices_number number -> id
//	idx_invoice_list    'l' mask [partner] [state] created id -> nil
//	invoice_claims      license id -> the open invoice holding it
//	invoice_settings    "terms" -> Terms; "billing" 0x00 partner id -> PartnerBilling
//
// A license is claimed by at most one open invoice: the claim is written
// in the checkout's transaction and removed when the invoice is paid or
// voided, so a second checkout sees it and refuses.

const (
	famInvoiceList = 'l'

	invoiceMaskPartner = 1
	invoiceMaskState   = 2

	invoiceChunk = 1000
)

func invoicePrefix(mask byte, partner uint64, state InvoiceState) []byte {
	k := []byte{famInvoiceList, mask}
	if mask&invoiceMaskPartner != 0 {
		k = binary.BigEndian.AppendUint64(k, partner)
	}
	if mask&invoiceMaskState != 0 {
		k = append(k, state...)
		k = append(k, 0)
	}
	return k
}

func invoiceIndexKeys(inv *Invoice) [][]byte {
	if inv == nil {
		return nil
	}
	keys := make([][]byte, 0, 4)
	for mask := byte(0); mask < 4; mask++ {
		keys = append(keys, appendSortID(invoicePrefix(mask, inv.PartnerID, inv.State), inv.Created.Unix(), inv.ID))
	}
	return keys
}

func nextInvoiceID(tx *storage.Tx) (uint64, error) { return tx.NextID(storage.Invoices) }

// putInvoice writes an invoice header and moves its index entries from
// old (nil for a new invoice) in the caller's transaction.
func putInvoice(tx *storage.Tx, old, inv *Invoice) error {
	if err := moveIndexKeys(tx, storage.InvoiceIndex, invoiceIndexKeys(old), invoiceIndexKeys(inv)); err != nil {
		return err
	}
	if old == nil {
		if err := tx.Unique(storage.InvoicesByNumber, inv.Number, inv.ID); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(inv)
	if err != nil {
		return err
	}
	return tx.PutRaw(storage.Invoices, storage.EncodeID(inv.ID), raw)
}

func getInvoice(tx *storage.Tx, id uint64) (Invoice, error) {
	var inv Invoice
	err := tx.Get(storage.Invoices, storage.EncodeID(id), &inv)
	return inv, err
}

// visibleInvoice loads an invoice the actor may see; another partner's
// is simply not found.
func visibleInvoice(tx *storage.Tx, a Actor, id uint64) (Invoice, error) {
	inv, err := getInvoice(tx, id)
	if err != nil {
		return Invoice{}, err
	}
	if !a.canSeePartner(inv.PartnerID) {
		return Invoice{}, ErrNotFound
	}
	return inv, nil
}

// invoiceByNumber finds an invoice by its number.
func invoiceByNumber(tx *storage.Tx, number string) (uint64, bool) {
	id, err := tx.Lookup(storage.InvoicesByNumber, number)
	return id, err == nil
}

// putInvoiceLines stores a new invoice's lines in chunks, in a compact
// binary form (a 10,000-line invoice decodes in milliseconds).
func putInvoiceLines(tx *storage.Tx, id uint64, lines []InvoiceLine) error {
	for n := 0; n*invoiceChunk < len(lines); n++ {
		chunk := lines[n*invoiceChunk : min((n+1)*invoiceChunk, len(lines))]
		if err := tx.PutRaw(storage.InvoiceLines, storage.Key(id, uint64(n)), encodeInvoiceLines(chunk)); err != nil {
			return err
		}
	}
	return nil
}

const invoiceLinesV1 = 1

func encodeInvoiceLines(lines []InvoiceLine) []byte {
	e := storage.Enc{B: make([]byte, 0, len(lines)*96)}
	e.Uint(invoiceLinesV1)
	e.Uint(uint64(len(lines)))
	for i := range lines {
		l := &lines[i]
		e.Uint(l.LicenseID)
		e.String(l.Key)
		e.Uint(l.ProductID)
		e.String(l.ProductName)
		e.String(l.Edition)
		e.String(l.EditionName)
		e.Int(int64(l.Seats))
		e.Int(int64(l.PeriodMonths))
		e.String(l.Customer)
		e.Int(l.List)
		e.Int(int64(l.BulkBP))
		e.Int(l.Bulk)
		e.Int(int64(l.PartnerBP))
		e.Int(l.Partner)
		e.Int(l.Total)
	}
	return e.B
}

func decodeInvoiceLines(raw []byte, fn func(InvoiceLine) bool) (bool, error) {
	d := storage.Dec{B: raw}
	if v := d.Uint(); v != invoiceLinesV1 {
		return false, storage.ErrCorrupt
	}
	n := d.Len()
	for range n {
		l := InvoiceLine{LicenseID: d.Uint(), Key: d.String(), ProductID: d.Uint(), ProductName: d.String(), Edition: d.String(),
			EditionName: d.String(), Seats: int(d.Int()), PeriodMonths: int(d.Int()), Customer: d.String(), List: d.Int(),
			BulkBP: int(d.Int()), Bulk: d.Int(), PartnerBP: int(d.Int()), Partner: d.Int(), Total: d.Int()}
		if d.Err != nil {
			return false, d.Err
		}
		if !fn(l) {
			return false, nil
		}
	}
	return true, d.Err
}

// eachInvoiceLine calls fn with each line of an invoice in order, one
// chunk decoded at a time, until fn returns false.
func eachInvoiceLine(tx *storage.Tx, id uint64, fn func(InvoiceLine) bool) error {
	var err error
	tx.Each(storage.InvoiceLines, storage.EncodeID(id), func(k, v []byte) bool {
		var more bool
		if more, err = decodeInvoiceLines(v, fn); err != nil {
			err = fmt.Errorf("invoice %d lines: %w", id, err)
		}
		return more && err == nil
	})
	return err
}

func invoiceLines(tx *storage.Tx, id uint64) ([]InvoiceLine, error) {
	var out []InvoiceLine
	if inv, err := getInvoice(tx, id); err == nil {
		out = make([]InvoiceLine, 0, inv.LineCount)
	}
	err := eachInvoiceLine(tx, id, func(l InvoiceLine) bool { out = append(out, l); return true })
	return out, err
}

// invoiceClaim reports the open invoice holding a license, if any.
func invoiceClaim(tx *storage.Tx, licenseID uint64) (uint64, bool) {
	raw := tx.GetRaw(storage.InvoiceClaims, storage.EncodeID(licenseID))
	if len(raw) != 8 {
		return 0, false
	}
	return storage.DecodeID(raw), true
}

func claimInvoiceLicense(tx *storage.Tx, licenseID, invoiceID uint64) error {
	return tx.PutRaw(storage.InvoiceClaims, storage.EncodeID(licenseID), storage.EncodeID(invoiceID))
}

func releaseInvoiceLicense(tx *storage.Tx, licenseID uint64) error {
	return tx.Delete(storage.InvoiceClaims, storage.EncodeID(licenseID))
}

// eachInvoiceKey walks the list index under prefix between created
// bounds [from, to) in unix seconds, newest first when desc.
func eachInvoiceKey(tx *storage.Tx, prefix []byte, from, to int64, desc bool, fn func(id uint64) bool) {
	lo := appendSortID(append([]byte(nil), prefix...), from, 0)
	hi := appendSortID(append([]byte(nil), prefix...), to, 0)
	c := tx.Bucket([]byte(storage.InvoiceIndex)).Cursor()
	ok := func(k []byte) bool {
		return len(k) == len(prefix)+16 && string(k[:len(prefix)]) == string(prefix)
	}
	if !desc {
		for k, _ := c.Seek(lo); k != nil && string(k) < string(hi) && ok(k); k, _ = c.Next() {
			if _, id := decodeSortID(k); !fn(id) {
				return
			}
		}
		return
	}
	k, _ := c.Seek(hi)
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && string(k) >= string(lo) && ok(k); k, _ = c.Prev() {
		if _, id := decodeSortID(k); !fn(id) {
			return
		}
	}
}

// countInvoices counts the invoices under a list prefix.
func countInvoices(tx *storage.Tx, prefix []byte) int {
	n := 0
	tx.Each(storage.InvoiceIndex, prefix, func(k, v []byte) bool { n++; return true })
	return n
}

var termsKey = []byte("terms")

func getTerms(tx *storage.Tx) (Terms, bool, error) {
	raw := tx.GetRaw(storage.InvoiceSettings, termsKey)
	if raw == nil {
		return Terms{}, false, nil
	}
	var t Terms
	err := json.Unmarshal(raw, &t)
	return t, err == nil, err
}

func putTerms(tx *storage.Tx, t Terms) error { return tx.Put(storage.InvoiceSettings, termsKey, t) }

func billingKey(partnerID uint64) []byte { return storage.Key("billing", partnerID) }

func getBilling(tx *storage.Tx, partnerID uint64) (PartnerBilling, error) {
	var b PartnerBilling
	raw := tx.GetRaw(storage.InvoiceSettings, billingKey(partnerID))
	if raw == nil {
		return b, nil
	}
	err := json.Unmarshal(raw, &b)
	return b, err
}

func putBilling(tx *storage.Tx, partnerID uint64, b PartnerBilling) error {
	return tx.Put(storage.InvoiceSettings, billingKey(partnerID), b)
}

// Invoices whose mail is still to be queued: 'm' id -> nil in the list
// index bucket, written with the invoice and removed with the mail.
const famInvoiceMail = 'm'

func invoiceMailKey(id uint64) []byte { return storage.Key([]byte{famInvoiceMail}, id) }

func markInvoiceMail(tx *storage.Tx, id uint64) error {
	return tx.PutRaw(storage.InvoiceIndex, invoiceMailKey(id), []byte{1})
}

func invoiceMailPending(tx *storage.Tx, id uint64) bool {
	return tx.Bucket([]byte(storage.InvoiceIndex)).Get(invoiceMailKey(id)) != nil
}

func unmarkInvoiceMail(tx *storage.Tx, id uint64) error {
	return tx.Delete(storage.InvoiceIndex, invoiceMailKey(id))
}

// pendingInvoiceMails lists the invoices whose mail is still to be queued.
func pendingInvoiceMails(tx *storage.Tx) []uint64 {
	var ids []uint64
	tx.Each(storage.InvoiceIndex, []byte{famInvoiceMail}, func(k, v []byte) bool {
		ids = append(ids, storage.DecodeID(k[1:]))
		return true
	})
	return ids
}
