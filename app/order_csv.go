package app

import (
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/gocarina/gocsv"

	"licensedesk/storage"
)

// orderRow is one line of the orders CSV (F40).
type orderRow struct {
	Number     string `csv:"number"`
	Created    string `csv:"created"`
	Partner    string `csv:"partner"`
	User       string `csv:"user"`
	Products   string `csv:"products"`
	Licenses   int    `csv:"licenses"`
	Total      string `csv:"total"`
	Refunded   string `csv:"refunded"`
	Currency   string `csv:"currency"`
	Payment    string `csv:"payment"`
	State      string `csv:"state"`
	Paid       string `csv:"paid"`
	Special    string `csv:"special_price"`
	TotalMinor int64  `csv:"total_minor"`
}

// codeRow is one license of an order's codes CSV: the key and the link
// the customer activates it with.
type codeRow struct {
	Order          string `csv:"order"`
	LicenseID      uint64 `csv:"license_id"`
	Key            string `csv:"key"`
	Product        string `csv:"product"`
	Edition        string `csv:"edition"`
	Seats          int    `csv:"seats"`
	PeriodMonths   int    `csv:"period_months"`
	Status         string `csv:"status"`
	PaymentStatus  string `csv:"payment_status"`
	ActivationLink string `csv:"activation_link"`
}

// writeCSV streams rows from fill to w through gocsv, with the header
// even when there are no rows.
func writeCSV[T any](w io.Writer, fill func(emit func(T)) error) (int, error) {
	rows := make(chan any, 256)
	done := make(chan error, 1)
	go func() { done <- gocsv.MarshalChan(rows, gocsv.DefaultCSVWriter(w)) }()
	n := 0
	err := fill(func(r T) { rows <- r; n++ })
	close(rows)
	werr := <-done
	if n == 0 && errors.Is(werr, gocsv.ErrChannelIsClosed) {
		werr = gocsv.Marshal([]T{}, w)
	}
	if err == nil {
		err = werr
	}
	return n, err
}

// ExportOrdersCSV streams the orders matching the list filter, newest
// first (or as sorted), reading in chunks of short transactions.
func (s *Service) ExportOrdersCSV(a Actor, p ListParams, w io.Writer) (int, error) {
	f, err := parseOrderFilter(a, p)
	if err != nil {
		return 0, err
	}
	var ids []uint64
	if err := s.db.View(func(tx *storage.Tx) error {
		if f.number != "" {
			if id, ok := orderByNumber(tx, f.number); ok {
				ids = append(ids, id)
			}
			return nil
		}
		eachOrderKey(tx, orderPrefix(f.mask(), f.partner, f.state, f.product), f.from, f.to, f.desc, func(id uint64) bool {
			ids = append(ids, id)
			return true
		})
		return nil
	}); err != nil {
		return 0, err
	}
	return writeCSV(w, func(emit func(orderRow)) error {
		for start := 0; start < len(ids); start += csvChunk {
			chunk := ids[start:min(start+csvChunk, len(ids))]
			if err := s.db.View(func(tx *storage.Tx) error {
				for _, id := range chunk {
					o, err := getOrder(tx, id)
					if err != nil || !f.match(&o) {
						continue
					}
					var names []string
					for _, l := range o.Lines {
						if !slices.Contains(names, l.ProductName) {
							names = append(names, l.ProductName)
						}
					}
					emit(orderRow{
						Number: o.Number, Created: isoTime(&o.Created), Partner: SafeCell(o.PartnerName), User: SafeCell(o.User),
						Products: SafeCell(strings.Join(names, "; ")), Licenses: len(o.Items),
						Total: FormatAmount(o.Total.Amount, o.Total.Currency), Refunded: FormatAmount(o.Refunded.Amount, o.Total.Currency),
						Currency: o.Total.Currency, Payment: o.Payment, State: string(o.State), Paid: isoTime(o.PaidAt),
						Special: o.SpecialPrice, TotalMinor: o.Total.Amount,
					})
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

// ExportOrderCodesCSV streams one order's keys with their activation
// links; base is the public URL the links start with.
func (s *Service) ExportOrderCodesCSV(a Actor, orderID uint64, base string, w io.Writer) (int, error) {
	ls, err := s.OrderLicenses(a, orderID)
	if err != nil {
		return 0, err
	}
	var number string
	if o, err := s.GetOrder(a, orderID); err == nil {
		number = o.Number
	}
	base = strings.TrimRight(base, "/")
	return writeCSV(w, func(emit func(codeRow)) error {
		for _, l := range ls {
			if l.Withheld() { // what a partner sees of a license another partner has now, or deleted
				emit(codeRow{Order: number, LicenseID: l.ID, Product: SafeCell(l.ProductName), Edition: SafeCell(l.Edition),
					Seats: l.Seats, PeriodMonths: l.PeriodMonths, Status: l.Note()})
				continue
			}
			status := string(l.Status)
			if l.Deleted != nil { // the operator's row of a deleted license: its key, marked deleted
				status = DeletedNote
			}
			emit(codeRow{Order: number, LicenseID: l.ID, Key: l.Key, Product: SafeCell(l.ProductName), Edition: SafeCell(l.Edition),
				Seats: l.Seats, PeriodMonths: l.PeriodMonths, Status: status, PaymentStatus: string(l.Payment),
				ActivationLink: joinLink(base, l.ActivationPath)})
		}
		return nil
	})
}

// joinLink is base+path, or "" for a key with no live link.
func joinLink(base, path string) string {
	if path == "" {
		return ""
	}
	return base + path
}
