package app

import (
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"licensedesk/storage"
)

// encodeLicenseV1 is the first binary license format, as the desk wrote it
// before schema 3: times as UnixNano. It is the migration's fixture.
func encodeLicenseV1(l *License) []byte {
	e := storage.Enc{}
	tm := func(t time.Time) {
		if t.IsZero() {
			e.Int(0)
			return
		}
		e.Int(t.UnixNano())
	}
	opt := func(t *time.Time) {
		e.Bool(t != nil)
		if t != nil {
			tm(*t)
		}
	}
	e.B = append(e.B, 1)
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
	tm(l.Purchased)
	opt(l.ValidFrom)
	opt(l.ValidTo)
	tm(l.ActivateBy)
	e.Bool(l.AutoRenew)
	e.Int(int64(l.AutoRenewMonths))
	e.String(l.IP)
	e.Bytes(l.AdminPassword)
	e.String(l.RegistrationKey)
	e.Uint(uint64(len(l.Registrations)))
	for _, r := range l.Registrations {
		e.String(r.Machine)
		e.String(r.Hostname)
		tm(r.At)
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
	tm(l.Updated)
	opt(l.Deleted)
	return e.B
}

// Issue 7, item 8: times were stored as UnixNano, so a license valid to
// 2300 came back as 1715. They are stored as seconds and nanoseconds.
func TestLicenseTimesAfter2262(t *testing.T) {
	l := fullLicense()
	far := time.Date(2300, 1, 31, 10, 0, 0, 5, time.UTC)
	farther := time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	l.ValidTo, l.ActivateBy, l.Updated = &far, farther, far
	l.Registrations[1].At = farther
	got, err := decodeLicense(encodeLicense(&l))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, l) {
		t.Errorf("far times changed:\n got %v %v %v\nwant %v %v %v", got.ValidTo, got.ActivateBy, got.Registrations[1].At, l.ValidTo, l.ActivateBy, l.Registrations[1].At)
	}
	var zero License
	zero.Registrations = []Registration{{}}
	if got, err := decodeLicense(encodeLicense(&zero)); err != nil || !got.Purchased.IsZero() || !got.Registrations[0].At.IsZero() || got.Deleted != nil {
		t.Errorf("zero times: %+v, %v", got, err)
	}
}

// Migration 3 rewrites every format-1 record (the fixture: a schema-2
// file whose licenses were written by the old encoder) into format 2,
// with every field, registration and config value kept.
func TestMigration3RewritesLicenseTimes(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	want := map[uint64]License{}
	for i := range uint64(25003) { // more than one chunk of the migration
		l := fullLicense()
		l.ID = i + 1
		l.Seats = int(i)
		if i%3 == 0 {
			l.Deleted, l.ValidFrom, l.Registrations, l.Config = nil, nil, []Registration{}, nil
		}
		want[l.ID] = l
	}
	b, err := bolt.Open(filepath.Join(dir, storage.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(storage.Licenses))
		bk.FillPercent = 1
		for id := uint64(1); id <= uint64(len(want)); id++ {
			l := want[id]
			if err := bk.Put(storage.EncodeID(id), encodeLicenseV1(&l)); err != nil {
				return err
			}
		}
		// A record that does not decode is left for `licensedesk check`.
		if err := bk.Put(storage.EncodeID(99999), []byte{1, 5, 0xff}); err != nil {
			return err
		}
		return tx.Bucket([]byte(storage.Meta)).Put([]byte("schema_version"), []byte("2"))
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}

	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer db.Close()
	if v, _ := db.Version(); v < 3 {
		t.Fatalf("schema %d after migration", v)
	}
	n := 0
	err = db.View(func(tx *storage.Tx) error {
		tx.Each(storage.Licenses, nil, func(k, v []byte) bool {
			id := storage.DecodeID(k)
			if id == 99999 {
				if v[0] != 1 {
					t.Errorf("the undecodable record was changed")
				}
				return true
			}
			n++
			if v[0] != licenseFormat {
				t.Errorf("license %d still in format %d", id, v[0])
				return false
			}
			got, err := decodeLicense(v)
			if err != nil {
				t.Errorf("license %d: %v", id, err)
				return false
			}
			w := want[id]
			if w.Config == nil {
				got.Config = nil
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("license %d changed:\n got %+v\nwant %+v", id, got, w)
				return false
			}
			return true
		})
		return nil
	})
	if err != nil || n != len(want) {
		t.Fatalf("%d licenses after migration, want %d (%v)", n, len(want), err)
	}
}
