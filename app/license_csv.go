package app

import (
	"errors"
	"io"
	"math"
	"slices"
	"time"

	"github.com/gocarina/gocsv"

	"licensedesk/storage"
)

// licenseRow is one CSV line (F40). The administrator password is never exported.
type licenseRow struct {
	ID              uint64 `csv:"id"`
	Key             string `csv:"key"`
	Name            string `csv:"name"`
	Product         string `csv:"product"`
	Edition         string `csv:"edition"`
	Seats           int    `csv:"seats"`
	PeriodMonths    int    `csv:"period_months"`
	Status          string `csv:"status"`
	PaymentStatus   string `csv:"payment_status"`
	Purchased       string `csv:"purchased"`
	ValidFrom       string `csv:"valid_from"`
	ValidTo         string `csv:"valid_to"`
	ActivateBy      string `csv:"activate_by"`
	AutoRenew       bool   `csv:"auto_renew"`
	AutoRenewMonths int    `csv:"auto_renew_months"`
	IP              string `csv:"ip"`
	Customer        string `csv:"customer"`
	CustomerEmail   string `csv:"customer_email"`
	Partner         string `csv:"partner"`
	Distributor     string `csv:"distributor"`
	OrderNumber     string `csv:"order_number"`
	RegistrationKey string `csv:"registration_key"`
	Registrations   int    `csv:"registrations"`
	Notes           string `csv:"notes"`
}

// SafeCell neutralises a cell a spreadsheet would run as a formula
// (leading =, +, -, @, tab or carriage return) by prefixing a quote.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

func isoTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// CheckLicenseFilter validates list parameters without running the list,
// so an export can refuse a bad filter before it starts streaming.
func (s *Service) CheckLicenseFilter(a Actor, p ListParams) error {
	_, err := s.parseLicenseFilter(a, p)
	return err
}

// errExportStopped is an export whose writer ended before the rows did.
var errExportStopped = errors.New("the export's writer stopped")

// csvChunk bounds the records read per transaction while exporting.
const csvChunk = 5000

// ExportLicensesCSV streams the licenses matching the list filter (or
// only ids, when given: the ticked rows) to w as UTF-8 CSV with a header,
// in purchase order. Memory stays flat however many rows there are.
func (s *Service) ExportLicensesCSV(a Actor, p ListParams, only []uint64, w io.Writer) (int, error) {
	f, err := s.parseLicenseFilter(a, p)
	if err != nil {
		return 0, err
	}
	partners := map[uint64]string{}
	pub := func(tx *storage.Tx, id uint64) string {
		if id == 0 {
			return ""
		}
		v, ok := partners[id]
		if !ok {
			if pt, err := getPartner(tx, id); err == nil {
				v = pt.PublicID
			}
			partners[id] = v
		}
		return v
	}
	rows := make(chan any, 256)
	done := make(chan error, 1)
	go func() { done <- gocsv.MarshalChan(rows, gocsv.DefaultCSVWriter(w)) }()
	n := 0
	// The writer stops at its first error (the client hung up): emit
	// must then stop too, or it would block on a full channel for good,
	// inside a read transaction that stalls bbolt's remapping.
	var werr error
	stopped := false
	emit := func(tx *storage.Tx, l *License) error {
		row := licenseRow{
			ID: l.ID, Key: l.Key, Name: SafeCell(l.Name), Product: SafeCell(l.ProductName), Edition: SafeCell(l.Edition),
			Seats: l.Seats, PeriodMonths: l.PeriodMonths, Status: string(l.Status), PaymentStatus: string(l.Payment),
			Purchased: isoTime(&l.Purchased), ValidFrom: isoTime(l.ValidFrom), ValidTo: isoTime(l.ValidTo),
			ActivateBy: isoTime(&l.ActivateBy), AutoRenew: l.AutoRenew, AutoRenewMonths: l.AutoRenewMonths,
			IP: SafeCell(l.IP), Customer: SafeCell(l.Customer), CustomerEmail: SafeCell(l.CustomerEmail),
			Partner: pub(tx, l.PartnerID), Distributor: pub(tx, l.DistributorID), OrderNumber: SafeCell(l.OrderNumber),
			RegistrationKey: SafeCell(l.RegistrationKey), Registrations: len(l.Registrations), Notes: SafeCell(l.Notes),
		}
		select {
		case rows <- row:
			n++
			return nil
		case werr = <-done:
			stopped = true
			if werr == nil {
				werr = errExportStopped
			}
			return werr
		}
	}
	err = s.exportScan(f, only, emit)
	close(rows)
	if !stopped {
		werr = <-done
	}
	if n == 0 && errors.Is(werr, gocsv.ErrChannelIsClosed) {
		// MarshalChan writes nothing, not even the header, for no rows.
		werr = gocsv.Marshal([]licenseRow{}, w)
	}
	if err == nil {
		err = werr
	}
	return n, err
}

// exportScan calls emit for every matching license in id order, reading
// in chunks of short transactions.
func (s *Service) exportScan(f *licenseFilter, only []uint64, emit func(*storage.Tx, *License) error) error {
	if only == nil && f.q != "" {
		// A search: every match, read in chunks like ticked rows.
		hits, err := s.searchHits(f)
		if err != nil {
			return err
		}
		only = make([]uint64, len(hits))
		for i, h := range hits {
			only[i] = h.id
		}
	}
	var ids []uint64
	all := only == nil && f.mask() == 0 && f.lo == math.MinInt64 && f.hi == noDate
	if only != nil {
		ids = slices.Clone(only)
	} else if !all {
		if err := s.db.View(func(tx *storage.Tx) error {
			f.scan(tx, false, func(_ int64, id uint64) bool { ids = append(ids, id); return true })
			return nil
		}); err != nil {
			return err
		}
	}
	if all {
		// Everything the filter allows: walk the records in key order.
		after := uint64(0)
		for {
			last := uint64(0)
			count := 0
			err := s.db.View(func(tx *storage.Tx) error {
				var err error
				tx.EachFrom(storage.Licenses, storage.EncodeID(after+1), func(k, v []byte) bool {
					var l License
					if l, err = decodeLicense(v); err != nil {
						if errors.Is(err, storage.ErrCorrupt) {
							s.corruptRecord("license", storage.DecodeID(k), err)
							err = nil
							return true
						}
						return false
					}
					last = l.ID
					count++
					if f.match(&l) {
						if err = emit(tx, &l); err != nil {
							return false
						}
					}
					return count < csvChunk
				})
				// Drop the file pages this chunk touched from the
				// process (a hint: failing is harmless).
				_ = tx.ReleaseMapped()
				return err
			})
			if err != nil {
				return err
			}
			if count < csvChunk {
				return nil
			}
			after = last
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for start := 0; start < len(ids); start += csvChunk {
		chunk := ids[start:min(start+csvChunk, len(ids))]
		if err := s.db.View(func(tx *storage.Tx) error {
			for _, id := range chunk {
				l, err := getLicense(tx, id)
				if err != nil {
					continue
				}
				if f.match(&l) {
					if err := emit(tx, &l); err != nil {
						_ = tx.ReleaseMapped()
						return err
					}
				}
			}
			_ = tx.ReleaseMapped() // as above
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
