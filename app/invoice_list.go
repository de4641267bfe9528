package app

import (
	"io"
	"strings"
	"time"

	"licensedesk/storage"
)

// invoiceFilters lists the accepted filters of the invoice list (F28).
var invoiceFilters = []string{"state", "partner_id", "from", "to", "number"}

type invoiceFilter struct {
	partner    uint64
	hasPartner bool
	state      InvoiceState
	from, to   int64 // created, unix seconds, [from, to)
	number     string
	desc       bool
}

func (f *invoiceFilter) prefix() []byte {
	var m byte
	if f.hasPartner {
		m |= invoiceMaskPartner
	}
	if f.state != "" {
		m |= invoiceMaskState
	}
	return invoicePrefix(m, f.partner, f.state)
}

// parseInvoiceFilter reads the list parameters; a partner is always
// limited to its own invoices. Dates are UTC days, both ends included.
func parseInvoiceFilter(a Actor, p ListParams) (*invoiceFilter, error) {
	if err := p.only(invoiceFilters...); err != nil {
		return nil, err
	}
	f := &invoiceFilter{}
	get := p.Filter
	var err error
	if f.partner, f.hasPartner, err = listPartner(a, p); err != nil {
		return nil, err
	}
	if v := get("state"); v != "" {
		if !InvoiceState(v).Valid() {
			return nil, Invalid("state", "must be one of open, paid, void")
		}
		f.state = InvoiceState(v)
	}
	if f.from, f.to, err = dayRange(p); err != nil {
		return nil, err
	}
	f.number = strings.TrimSpace(get("number"))
	if f.desc, err = newestFirst(p.Sort); err != nil {
		return nil, err
	}
	return f, nil
}

// ListInvoices returns one page of invoices, newest first by default.
func (s *Service) ListInvoices(a Actor, p ListParams) (Page[InvoiceSummary], error) {
	f, err := parseInvoiceFilter(a, p)
	if err != nil {
		return Page[InvoiceSummary]{}, err
	}
	p = p.norm()
	out := Page[InvoiceSummary]{Page: p.Page, PerPage: p.PerPage, Items: []InvoiceSummary{}}
	skip := (p.Page - 1) * p.PerPage
	err = s.db.View(func(tx *storage.Tx) error {
		var ids []uint64
		if f.number != "" {
			if id, ok := invoiceByNumber(tx, f.number); ok {
				ids = append(ids, id)
			}
		} else {
			n := 0
			eachInvoiceKey(tx, f.prefix(), f.from, f.to, f.desc, func(id uint64) bool {
				if n >= skip && len(ids) < p.PerPage {
					ids = append(ids, id)
				}
				n++
				return true
			})
			out.Total = n
		}
		for _, id := range ids {
			inv, err := getInvoice(tx, id)
			if err != nil {
				return err
			}
			if f.number != "" {
				at := inv.Created.Unix()
				if f.hasPartner && inv.PartnerID != f.partner || f.state != "" && inv.State != f.state || at < f.from || at >= f.to {
					continue
				}
				out.Total = 1
			}
			out.Items = append(out.Items, inv.summary())
		}
		return nil
	})
	return out, err
}

// OpenInvoiceCount is the number of open invoices the actor sees: the
// count in the menu ("Licenses payment (N)").
func (s *Service) OpenInvoiceCount(a Actor) int {
	var prefix []byte
	switch {
	case a.IsOperator():
		prefix = invoicePrefix(invoiceMaskState, 0, InvoiceOpen)
	case a.PartnerID != 0:
		prefix = invoicePrefix(invoiceMaskPartner|invoiceMaskState, a.PartnerID, InvoiceOpen)
	default:
		return 0
	}
	n := 0
	_ = s.db.View(func(tx *storage.Tx) error { n = countInvoices(tx, prefix); return nil })
	return n
}

// invoiceRow is one line of the invoices CSV.
type invoiceRow struct {
	Number     string `csv:"number"`
	Date       string `csv:"date"`
	Partner    string `csv:"partner"`
	PartnerID  uint64 `csv:"partner_id"`
	Lines      int    `csv:"lines"`
	Subtotal   string `csv:"subtotal"`
	Tax        string `csv:"tax"`
	Total      string `csv:"total"`
	Paid       string `csv:"paid"`
	Currency   string `csv:"currency"`
	State      string `csv:"state"`
	PaidAt     string `csv:"paid_at"`
	TotalMinor int64  `csv:"total_minor"`
}

// CheckInvoiceFilter validates list parameters before an export streams.
func (s *Service) CheckInvoiceFilter(a Actor, p ListParams) error {
	_, err := parseInvoiceFilter(a, p)
	return err
}

// ExportInvoicesCSV streams every invoice matching the list filter, in
// list order, reading headers in chunks of short transactions.
func (s *Service) ExportInvoicesCSV(a Actor, p ListParams, w io.Writer) (int, error) {
	p.PerPage, p.Page = MaxPerPage, 1
	return writeCSV(w, func(emit func(invoiceRow)) error {
		for {
			page, err := s.ListInvoices(a, p)
			if err != nil {
				return err
			}
			for _, inv := range page.Items {
				r := invoiceRow{Number: inv.Number, Date: inv.Created.Format(time.DateOnly), Partner: SafeCell(inv.PartnerName), PartnerID: inv.PartnerID,
					Lines: inv.LineCount, Subtotal: FormatAmount(inv.Subtotal.Amount, inv.Currency), Tax: FormatAmount(inv.Tax.Amount, inv.Currency),
					Total: FormatAmount(inv.Total.Amount, inv.Currency), Paid: FormatAmount(inv.Paid.Amount, inv.Currency),
					Currency: inv.Currency, State: string(inv.State), TotalMinor: inv.Total.Amount}
				if inv.PaidAt != nil {
					r.PaidAt = inv.PaidAt.Format(time.RFC3339)
				}
				emit(r)
			}
			if len(page.Items) < p.PerPage || page.Page*page.PerPage >= page.Total {
				return nil
			}
			p.Page++
		}
	})
}
