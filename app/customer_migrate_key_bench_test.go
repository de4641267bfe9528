package app_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"licensedesk/app"
	"licensedesk/storage"
)

// BenchmarkMigration10 opens a schema 9 file of 100,000 licenses naming
// 20,000 customers, half of them linked by migration 9 and half typed
// afterwards (no link): migration 10 indexes the records, finds or makes
// the records of the unlinked half and links them, in one transaction.
func BenchmarkMigration10(b *testing.B) {
	const n, customers = 100000, 20000
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.CreateProduct(app.System, productInput("av")); err != nil {
			b.Fatal(err)
		}
		pa, _ := svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Alpha")})
		now := time.Now().UTC()
		for start := 0; start < n; start += 10000 {
			batch := make([]app.License, 10000)
			for i := range batch {
				c := (start + i) % customers
				batch[i] = app.License{Name: "Office", ProductID: 1, ProductName: "Product av", Edition: "business", Seats: 5, PeriodMonths: 12,
					Status: app.StatusOrdered, Payment: app.PaymentPaid, Purchased: now, ActivateBy: now, PartnerID: pa.ID, Updated: now,
					Customer: fmt.Sprintf("Customer %d AG", c), CustomerEmail: fmt.Sprintf("it@c%d.example", c)}
			}
			if err := svc.ImportLicenses(app.System, batch); err != nil {
				b.Fatal(err)
			}
		}
		svc.Close()
		// Back to schema 9: no grouping index, and the licenses of the
		// second half of the customers unlinked, their records gone.
		db, err := bolt.Open(filepath.Join(dir, storage.FileName), 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		err = db.Update(func(tx *bolt.Tx) error {
			if err := tx.DeleteBucket([]byte(storage.CustomersByKey)); err != nil {
				return err
			}
			for _, name := range []string{storage.LicenseCustomer, storage.CustomerLicenses, storage.Customers, storage.CustomersByPartner, storage.CustomersByEmail} {
				bk := tx.Bucket([]byte(name))
				var dels [][]byte
				c := bk.Cursor()
				for k, v := c.First(); k != nil; k, v = c.Next() {
					id := k[:8]
					switch name {
					case storage.LicenseCustomer:
						id = v
					case storage.CustomersByPartner:
						id = k[8:16]
					case storage.CustomersByEmail:
						id = v
					}
					if storage.DecodeID(id) > customers/2 {
						dels = append(dels, append([]byte(nil), k...))
					}
				}
				for _, k := range dels {
					if err := bk.Delete(k); err != nil {
						return err
					}
				}
			}
			return tx.Bucket([]byte(storage.Meta)).Put([]byte("schema_version"), []byte(strconv.Itoa(9)))
		})
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		svc, err = app.Open(app.Options{DataDir: dir, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		pg, err := svc.ListCustomers(app.System, app.ListParams{PerPage: 1})
		if err != nil || pg.Total != customers {
			b.Fatalf("after migration 10: %d customers, %v; want %d", pg.Total, err, customers)
		}
		svc.Close()
		os.RemoveAll(dir)
		b.StartTimer()
	}
}
