package app_test

import (
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"licensedesk/app"
	"licensedesk/storage"
)

// schema9TypedAfter writes a data file as schema 9 left it: the schema 2
// fixture migrated by migration 9 (customer records, licenses linked), no
// grouping index, then licenses whose customers were typed after the
// migration (no record, no link) and a customer record made by hand.
func schema9TypedAfter(t *testing.T, dir string) {
	t.Helper()
	schema2Licenses(t, dir)
	db, err := storage.Open(dir, storage.Options{Migrations: app.Migrations()[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := db.Version(); err != nil || v != 9 {
		t.Fatalf("fixture at version %d, %v; want 9", v, err)
	}
	db.Close()
	b, err := bolt.Open(filepath.Join(dir, storage.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	key := func(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }
	day := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	err = b.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte(storage.CustomersByKey)); err != nil { // schema 9 had none
			return err
		}
		lics := tx.Bucket([]byte("licenses"))
		addLicense := func(id, partner uint64, customer, email string, deleted bool) error {
			m := map[string]any{"id": id, "key": "FIXTR-KEY10-0000" + string(rune('A'+id-20)), "name": "Later", "product_id": 1,
				"product_name": "Office Shield", "edition": "business", "seats": 2, "period_months": 12, "status": "ordered",
				"payment_status": "paid", "purchased": day, "activate_by": day.AddDate(1, 0, 0), "registrations": []any{},
				"customer": customer, "customer_email": email, "partner_id": partner, "updated": day}
			if deleted {
				m["deleted"] = day
			}
			raw, _ := json.Marshal(m)
			if err := lics.Put(key(id), raw); err != nil {
				return err
			}
			return tx.Bucket([]byte(storage.LicensesByKey)).Put([]byte(app.NormaliseKey(m["key"].(string))), key(id))
		}
		for _, l := range []struct {
			id, partner     uint64
			customer, email string
			deleted         bool
		}{
			{20, 1, "contoso LTD", "buyer@contoso.example", false}, // migration 9's record exists
			{21, 1, "Northwind", "nw@example.com", false},          // no record yet
			{22, 1, " northwind ", "NW@example.com", false},        // the same customer
			{23, 2, "Northwind", "nw@example.com", false},          // another partner's
			{24, 1, "Tailspin", "t@tailspin.example", false},       // the hand-made record
			{25, 1, "Gone Again", "gone@example.com", true},        // deleted: nothing
		} {
			if err := addLicense(l.id, l.partner, l.customer, l.email, l.deleted); err != nil {
				return err
			}
		}
		// License 26 is partner 1's now but links to partner 2's record of
		// its customer (license 7's): the operator moved it under schema 9.
		if err := addLicense(26, 1, "Contoso Ltd", "buyer@contoso.example", false); err != nil {
			return err
		}
		beta := tx.Bucket([]byte(storage.LicenseCustomer)).Get(key(7))
		if beta == nil {
			t.Fatal("fixture: license 7 not linked by migration 9")
		}
		if err := tx.Bucket([]byte(storage.LicenseCustomer)).Put(key(26), beta); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(storage.CustomerLicenses)).Put(append(append([]byte(nil), beta...), key(26)...), nil); err != nil {
			return err
		}
		cs := tx.Bucket([]byte(storage.Customers))
		id, _ := cs.NextSequence()
		raw, _ := json.Marshal(app.Customer{ID: id, PartnerID: 1, Name: "Tailspin", Email: "t@tailspin.example", Created: day, Updated: day})
		if err := cs.Put(key(id), raw); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(storage.CustomersByPartner)).Put(append(key(1), key(id)...), nil); err != nil {
			return err
		}
		return tx.Bucket([]byte(storage.CustomersByEmail)).Put(append(key(1), "t@tailspin.example"...), key(id))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrationCustomerKeysAndLaterTypedCustomers(t *testing.T) {
	dir := t.TempDir()
	schema9TypedAfter(t, dir)
	clk := newClock()
	svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet, Now: clk.Now})
	if err != nil {
		t.Fatalf("open the schema 9 file: %v", err)
	}
	defer func() { svc.Close() }()
	if v, err := svc.DB().Version(); err != nil || v != app.SchemaVersion() || v < 10 {
		t.Fatalf("schema version %d %v, want %d", v, err, app.SchemaVersion())
	}
	alpha := app.Actor{Email: "anna@alpha.example", Role: app.RolePartner, PartnerID: 1}
	beta := app.Actor{Email: "bob@beta.example", Role: app.RolePartner, PartnerID: 2}
	cust := func(a app.Actor, id uint64) *app.Customer {
		t.Helper()
		c, err := svc.LicenseCustomer(a, id)
		if err != nil {
			t.Fatalf("license %d: %v", id, err)
		}
		return c
	}
	// Typed after migration 9, the same as a migrated customer: its record.
	c1, c20 := cust(alpha, 1), cust(alpha, 20)
	if c1 == nil || c20 == nil || c1.ID != c20.ID {
		t.Fatalf("license 20 links to %+v, want license 1's %+v", c20, c1)
	}
	// A new customer gets one record for both its licenses, dated by their purchase.
	c21, c22 := cust(alpha, 21), cust(alpha, 22)
	if c21 == nil || c22 == nil || c21.ID != c22.ID || c21.Name != "Northwind" || c21.Email != "nw@example.com" ||
		!c21.Created.Equal(time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("licenses 21 and 22 link to %+v and %+v", c21, c22)
	}
	c23 := cust(beta, 23)
	if c23 == nil || c23.ID == c21.ID || c23.PartnerID != 2 {
		t.Fatalf("partner 2's license links to %+v", c23)
	}
	if _, err := svc.GetCustomer(beta, c21.ID); err == nil {
		t.Error("partner 2 reads partner 1's customer")
	}
	if c := cust(alpha, 24); c == nil || c.Name != "Tailspin" || c.Email != "t@tailspin.example" || !c.Created.Equal(time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("license 24 links to %+v, want the hand-made Tailspin record", c)
	}
	// The moved license links to its partner's record now, and partner 2's
	// record lists only its own license.
	if c := cust(alpha, 26); c == nil || c.ID != c1.ID {
		t.Errorf("the moved license 26 links to %+v, want partner 1's %d", c, c1.ID)
	}
	c7 := cust(beta, 7)
	if c7 == nil || c7.PartnerID != 2 {
		t.Fatalf("license 7 links to %+v", c7)
	}
	if ls, err := svc.CustomerLicenses(beta, c7.ID); err != nil || len(ls) != 1 || ls[0].ID != 7 {
		t.Errorf("partner 2's record lists %+v, %v; want license 7 alone", ls, err)
	}
	page, err := svc.ListCustomers(alpha, app.ListParams{PerPage: 50})
	if err != nil || page.Total != 6 { // the four of migration 9, Tailspin, Northwind; nothing for the deleted license
		t.Fatalf("partner 1's customers: %d %v %+v", page.Total, err, page.Items)
	}
	// The index answers later writes: license 6 (no customer) assigned to
	// Northwind links to the migration's record, and a migrated customer
	// typed again finds its migration 9 record.
	if _, err := svc.AssignLicense(app.System, 6, app.AssignInput{Customer: ptr("NORTHWIND"), CustomerEmail: ptr("nw@example.com")}); err != nil {
		t.Fatal(err)
	}
	if c := cust(alpha, 6); c == nil || c.ID != c21.ID {
		t.Errorf("license 6 assigned to Northwind links to %+v, want %d", c, c21.ID)
	}
	if _, err := svc.AssignLicense(app.System, 6, app.AssignInput{Customer: ptr("Fabrikam"), CustomerEmail: ptr("")}); err != nil {
		t.Fatal(err)
	}
	if c4, c6 := cust(alpha, 4), cust(alpha, 6); c4 == nil || c6 == nil || c4.ID != c6.ID {
		t.Errorf("license 6 assigned to Fabrikam links to %+v, want license 4's %+v", c6, c4)
	}
	// A restart runs nothing again.
	svc.Close()
	if svc, err = app.Open(app.Options{DataDir: dir, Logger: quiet, Now: clk.Now}); err != nil {
		t.Fatal(err)
	}
	if p, _ := svc.ListCustomers(alpha, app.ListParams{}); p.Total != 6 {
		t.Fatalf("after a restart partner 1 has %d customers", p.Total)
	}
}
