package app

import (
	"encoding/binary"
	"encoding/json"
	"time"

	"licensedesk/storage"
)

// The renewals bucket holds what the renewal jobs must do only once:
//
//	'a' partner day     the auto-renew shortfall mail of a partner on a day
//	'g' partner day     the reminder digest of a partner for a day
//	'c' license day     the customer's expiry mail of a license for an expiry day
//	'i' invoice license a renewal billed on an open invoice: the license's
//	                    period before and after it (JSON), so voiding the
//	                    invoice can put the period back; removed when the
//	                    invoice is paid or voided
//
// day is days since 1970-01-01 (UTC). A marker is written in the same
// transaction as the mail it stands for, so a mail exists if and only if
// its marker does: a job that runs again after a crash sends nothing twice.
const (
	famShortMail    = 'a'
	famDigestMail   = 'g'
	famCustomerMail = 'c'
)

func renewMarkKey(fam byte, id uint64, day time.Time) []byte {
	k := binary.BigEndian.AppendUint64([]byte{fam}, id)
	return binary.BigEndian.AppendUint64(k, uint64(day.UTC().Unix()/86400))
}

// markOnce records the marker in tx and reports whether it was new.
func markOnce(tx *storage.Tx, fam byte, id uint64, day, now time.Time) (bool, error) {
	k := renewMarkKey(fam, id, day)
	b := tx.Bucket([]byte(storage.Renewals))
	if b.Get(k) != nil {
		return false, nil
	}
	return true, tx.PutRaw(storage.Renewals, k, binary.BigEndian.AppendUint64(nil, uint64(now.Unix())))
}

// marked reports whether the marker exists.
func marked(tx *storage.Tx, fam byte, id uint64, day time.Time) bool {
	return tx.Bucket([]byte(storage.Renewals)).Get(renewMarkKey(fam, id, day)) != nil
}

// famMailsOff marks a partner that switched its customers' expiry mails off.
const famMailsOff = 'o'

func customerMailsOff(tx *storage.Tx, partnerID uint64) bool {
	return tx.Bucket([]byte(storage.Renewals)).Get(binary.BigEndian.AppendUint64([]byte{famMailsOff}, partnerID)) != nil
}

func setCustomerMailsOff(tx *storage.Tx, partnerID uint64, off bool) error {
	k := binary.BigEndian.AppendUint64([]byte{famMailsOff}, partnerID)
	if off {
		return tx.PutRaw(storage.Renewals, k, []byte{1})
	}
	return tx.Delete(storage.Renewals, k)
}

// famInvoiceRenewal keys the renewals waiting on an open invoice.
const famInvoiceRenewal = 'i'

func invoiceRenewalKey(invoiceID, licenseID uint64) []byte {
	k := binary.BigEndian.AppendUint64([]byte{famInvoiceRenewal}, invoiceID)
	return binary.BigEndian.AppendUint64(k, licenseID)
}

func putInvoiceRenewal(tx *storage.Tx, invoiceID uint64, r invoiceRenewal) error {
	return tx.Put(storage.Renewals, invoiceRenewalKey(invoiceID, r.LicenseID), r)
}

// getInvoiceRenewal reads the renewal of a license billed on an invoice.
func getInvoiceRenewal(tx *storage.Tx, invoiceID, licenseID uint64) (invoiceRenewal, bool, error) {
	raw := tx.GetRaw(storage.Renewals, invoiceRenewalKey(invoiceID, licenseID))
	if raw == nil {
		return invoiceRenewal{}, false, nil
	}
	var r invoiceRenewal
	err := json.Unmarshal(raw, &r)
	return r, err == nil, err
}

func deleteInvoiceRenewal(tx *storage.Tx, invoiceID, licenseID uint64) error {
	return tx.Delete(storage.Renewals, invoiceRenewalKey(invoiceID, licenseID))
}
