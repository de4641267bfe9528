package app

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"licensedesk/storage"
)

// licenseFormat tags the binary license record. Records written as JSON
// (before the binary format) start with '{' and still decode. Format 1
// stored times as UnixNano, which wraps after 2262 (a license valid to
// 2300 came back as 1715); format 2 stores seconds and nanoseconds, and
// migration 3 rewrites every format-1 record (storage/migrate_times.go).
const (
	licenseFormat   = 2
	licenseFormatV1 = 1
)

// encodeLicense writes l in the compact binary record format. Fields are
// only ever appended, behind a new format number.
func encodeLicense(l *License) []byte {
	e := storage.Enc{B: make([]byte, 0, 384)}
	e.B = append(e.B, licenseFormat)
	e.Uint(l.ID)
	e.String(l.Key)
	e.String(l.Name)
	e.Uint(l.ProductID)
	e.String(l.ProductName)
	e.String(l.Edition)
	e.Int(int64(l.Seats))
	e.Int(int64(l.PeriodMonths))
	e.String(string(l.Status))
	e.String(string(l.Payment))
	e.Time(l.Purchased)
	e.OptTime(l.ValidFrom)
	e.OptTime(l.ValidTo)
	e.Time(l.ActivateBy)
	e.Bool(l.AutoRenew)
	e.Int(int64(l.AutoRenewMonths))
	e.String(l.IP)
	e.Bytes(l.AdminPassword)
	e.String(l.RegistrationKey)
	e.Uint(uint64(len(l.Registrations)))
	for _, r := range l.Registrations {
		e.String(r.Machine)
		e.String(r.Hostname)
		e.Time(r.At)
	}
	e.String(l.Customer)
	e.String(l.CustomerEmail)
	e.Uint(l.PartnerID)
	e.Uint(l.DistributorID)
	e.String(l.Notes)
	keys := slices.Sorted(maps.Keys(l.Config))
	e.Uint(uint64(len(keys)))
	for _, k := range keys {
		e.String(k)
		e.String(l.Config[k])
	}
	e.String(l.OrderNumber)
	e.Time(l.Updated)
	e.OptTime(l.Deleted)
	return e.B
}

// decodeLicense reads a license record in either format.
func decodeLicense(raw []byte) (License, error) {
	var l License
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &l); err != nil {
			return License{}, fmt.Errorf("%w: %v", storage.ErrCorrupt, err)
		}
		return l, nil
	}
	if len(raw) == 0 || raw[0] != licenseFormat && raw[0] != licenseFormatV1 {
		return l, storage.ErrCorrupt
	}
	d := &storage.Dec{B: raw[1:]}
	tm, opt := d.Time, d.OptTime
	if raw[0] == licenseFormatV1 {
		tm, opt = d.TimeNanos, d.OptTimeNanos
	}
	l.ID = d.Uint()
	l.Key = d.String()
	l.Name = d.String()
	l.ProductID = d.Uint()
	l.ProductName = d.String()
	l.Edition = d.String()
	l.Seats = int(d.Int())
	l.PeriodMonths = int(d.Int())
	l.Status = Status(d.String())
	l.Payment = Payment(d.String())
	l.Purchased = tm()
	l.ValidFrom = opt()
	l.ValidTo = opt()
	l.ActivateBy = tm()
	l.AutoRenew = d.Bool()
	l.AutoRenewMonths = int(d.Int())
	l.IP = d.String()
	l.AdminPassword = d.Bytes()
	l.RegistrationKey = d.String()
	n := d.Len()
	l.Registrations = make([]Registration, 0, n)
	for range n {
		l.Registrations = append(l.Registrations, Registration{Machine: d.String(), Hostname: d.String(), At: tm()})
	}
	l.Customer = d.String()
	l.CustomerEmail = d.String()
	l.PartnerID = d.Uint()
	l.DistributorID = d.Uint()
	l.Notes = d.String()
	if n := d.Len(); n > 0 {
		l.Config = make(map[string]string, n)
		for range n {
			k := d.String()
			l.Config[k] = d.String()
		}
	}
	l.OrderNumber = d.String()
	l.Updated = tm()
	l.Deleted = opt()
	if d.Err != nil {
		return License{}, d.Err
	}
	return l, nil
}
