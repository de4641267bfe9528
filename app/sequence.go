package app

import (
	"fmt"
	"math"

	"licensedesk/storage"
)

// Gap-free number sequences for documents that must be numbered without
// holes (orders, invoices, credit notes): one counter per name and year,
// starting at 1 each year.
//
// The number is taken inside the caller's write transaction, so it
// commits or rolls back with the document that carries it: a failed or
// rolled-back action never burns a number, and a committed number is
// never handed out again (bbolt has one writer at a time, so two actions
// cannot take the same number). Numbers survive restarts with the data.
//
// Use:
//
//	err := s.update(func(tx *storage.Tx) error {
//		n, err := nextNumber(tx, "invoice", now.Year())
//		if err != nil {
//			return err
//		}
//		inv.Number = FormatNumber("", now.Year(), n) // "2026-000123"
//		return putInvoice(tx, &inv)
//	})
//
// The caller decides the format and the year (an invoice takes the year
// of its issue date, in the desk's time zone if it has one).

// Sequence names used by the features; one name per kind of document.
const (
	SeqOrder   = "order"
	SeqInvoice = "invoice"
	SeqCredit  = "credit"
)

// nextNumber takes the next number of sequence name for year inside tx.
func nextNumber(tx *storage.Tx, name string, year int) (uint64, error) {
	if err := checkSequence(name, year); err != nil {
		return 0, err
	}
	last, err := getSequence(tx, name, year)
	if err != nil {
		return 0, err
	}
	if last == math.MaxUint64 {
		return 0, fmt.Errorf("sequence %s/%d is exhausted", name, year)
	}
	if err := putSequence(tx, name, year, last+1); err != nil {
		return 0, err
	}
	return last + 1, nil
}

// lastNumber is the last number sequence name handed out for year (0 for
// none), as tx sees it.
func lastNumber(tx *storage.Tx, name string, year int) (uint64, error) {
	if err := checkSequence(name, year); err != nil {
		return 0, err
	}
	return getSequence(tx, name, year)
}

// LastNumber is lastNumber in a read transaction of its own, for display
// and for checks from outside the domain.
func (s *Service) LastNumber(name string, year int) (uint64, error) {
	var n uint64
	err := s.db.View(func(tx *storage.Tx) (err error) { n, err = lastNumber(tx, name, year); return err })
	return n, err
}

func checkSequence(name string, year int) error {
	if name == "" || len(name) > 40 {
		return fmt.Errorf("sequence name %q: 1 to 40 characters", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("sequence name %q: only a-z, 0-9, - and _", name)
		}
	}
	if year < 1 || year > 9999 {
		return fmt.Errorf("sequence %s: year %d is out of range", name, year)
	}
	return nil
}

// FormatNumber formats a document number as prefix, year, a dash and the
// number padded to six digits: FormatNumber("O-", 2026, 123) is
// "O-2026-000123" and FormatNumber("", 2026, 123) is "2026-000123".
// Numbers past 999999 get more digits, never a wrap.
func FormatNumber(prefix string, year int, n uint64) string {
	return fmt.Sprintf("%s%04d-%06d", prefix, year, n)
}
