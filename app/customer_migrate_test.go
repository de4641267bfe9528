package app_test

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"licensedesk/app"
	"licensedesk/storage"
)

// schema2Licenses writes a data file as schema 2 stored it: licenses with
// free-text customers (as JSON records and one in the binary format),
// partners, no customer buckets, schema_version "2".
func schema2Licenses(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := bolt.Open(filepath.Join(dir, storage.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	key := func(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }
	day := func(d int) time.Time { return time.Date(2026, 1, d, 10, 0, 0, 0, time.UTC) }
	lic := func(id, partner uint64, customer, email string, purchased int, deleted bool) map[string]any {
		m := map[string]any{"id": id, "key": "FIXTR-KEY00-0000" + string(rune('A'+id)), "name": "Site", "product_id": 1,
			"product_name": "Office Shield", "edition": "business", "seats": 2, "period_months": 12, "status": "ordered",
			"payment_status": "paid", "purchased": day(purchased), "activate_by": day(purchased).AddDate(1, 0, 0),
			"registrations": []any{}, "customer": customer, "customer_email": email, "partner_id": partner, "updated": day(purchased)}
		if deleted {
			m["deleted"] = day(28)
		}
		return m
	}
	licenses := []map[string]any{
		lic(1, 1, "Contoso Ltd", "buyer@contoso.example", 3, false),
		lic(2, 1, " Contoso  Ltd ", "Buyer@Contoso.example ", 2, false), // same customer, typed differently
		lic(3, 1, "Contoso Ltd", "other@contoso.example", 4, false),     // another contact: another customer
		lic(4, 1, "Fabrikam", "", 5, false),                             // no email
		lic(5, 1, "Gone Inc", "gone@example.com", 6, true),              // deleted: no record
		lic(6, 1, "", "", 7, false),                                     // no customer
		lic(7, 2, "Contoso Ltd", "buyer@contoso.example", 8, false),     // another partner's
		lic(8, 1, "Contoso Limited", "buyer@contoso.example", 9, false), // same address, another name
	}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"meta", "users", "partners", "products", "licenses", "idx_license_key", "license_history", "idx_license_list", "changes", "secrets"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		if err := tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte("2")); err != nil {
			return err
		}
		for _, p := range []map[string]any{{"id": 1, "name": "Alpha", "public_id": "PA-AAAA"}, {"id": 2, "name": "Beta", "public_id": "PB-BBBB"}} {
			raw, _ := json.Marshal(p)
			if err := tx.Bucket([]byte("partners")).Put(key(uint64(p["id"].(int))), raw); err != nil {
				return err
			}
		}
		for _, l := range licenses {
			raw, _ := json.Marshal(l)
			id := l["id"].(uint64)
			if err := tx.Bucket([]byte("licenses")).Put(key(id), raw); err != nil {
				return err
			}
			if err := tx.Bucket([]byte("idx_license_key")).Put([]byte(app.NormaliseKey(l["key"].(string))), key(id)); err != nil {
				return err
			}
		}
		// License 9 in the binary record format (format 1).
		e := storage.Enc{}
		e.B = append(e.B, 1)
		e.Uint(9)
		e.String("FIXTR-KEY00-0000J")
		e.String("Binary site")
		e.Uint(1)
		e.String("Office Shield")
		e.String("business")
		e.Int(1)
		e.Int(12)
		e.String("ordered")
		e.String("paid")
		e.Int(day(10).UnixNano()) // format 1 kept times as UnixNano
		e.OptTime(nil)
		e.OptTime(nil)
		e.Int(day(10).AddDate(1, 0, 0).UnixNano()) // format 1 kept times as UnixNano
		e.Bool(false)
		e.Int(0)
		e.String("")
		e.Bytes(nil)
		e.String("")
		e.Uint(0)
		e.String("Fabrikam")
		e.String("")
		e.Uint(1)
		e.Uint(0)
		e.String("")
		e.Uint(0)
		e.String("")
		e.Int(day(10).UnixNano()) // format 1 kept times as UnixNano
		e.OptTime(nil)
		if err := tx.Bucket([]byte("licenses")).Put(key(9), e.B); err != nil {
			return err
		}
		return tx.Bucket([]byte("idx_license_key")).Put([]byte("FIXTRKEY000000J"), key(9))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrationCustomersFromFreeText(t *testing.T) {
	dir := t.TempDir()
	schema2Licenses(t, dir)
	clk := newClock()
	open := func() *app.Service {
		svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet, Now: clk.Now})
		if err != nil {
			t.Fatalf("open the schema 2 file: %v", err)
		}
		return svc
	}
	svc := open()
	defer func() { svc.Close() }()
	if v, err := svc.DB().Version(); err != nil || v != app.SchemaVersion() || v < 9 {
		t.Fatalf("schema version %d %v, want %d", v, err, app.SchemaVersion())
	}
	alpha := app.Actor{Email: "anna@alpha.example", Role: app.RolePartner, PartnerID: 1}
	page, err := svc.ListCustomers(alpha, app.ListParams{PerPage: 50, Sort: "created"})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name, email string
		licenses    int
	}
	var got []row
	for _, c := range page.Items {
		got = append(got, row{c.Name, c.Email, c.Licenses})
	}
	want := []row{ // by the earliest purchase of each
		{"Contoso Ltd", "buyer@contoso.example", 2}, // licenses 1 and 2
		{"Contoso Ltd", "other@contoso.example", 1},
		{"Fabrikam", "", 2}, // license 4 and the binary license 9
		{"Contoso Limited", "buyer@contoso.example", 1},
	}
	if len(got) != len(want) {
		t.Fatalf("partner 1's customers: %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("customer %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	c1, _ := svc.LicenseCustomer(alpha, 1)
	c2, _ := svc.LicenseCustomer(alpha, 2)
	if c1 == nil || c2 == nil || c1.ID != c2.ID || !c1.Created.Equal(time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("licenses 1 and 2 link to %+v and %+v", c1, c2)
	}
	if c, _ := svc.LicenseCustomer(alpha, 6); c != nil {
		t.Errorf("license without a customer links to %+v", c)
	}
	// The deleted license made no record; the other partner has its own.
	beta := app.Actor{Email: "bob@beta.example", Role: app.RolePartner, PartnerID: 2}
	if p, _ := svc.ListCustomers(beta, app.ListParams{}); p.Total != 1 || p.Items[0].Email != "buyer@contoso.example" {
		t.Fatalf("partner 2's customers: %+v", p.Items)
	}
	if p, _ := svc.ListCustomers(app.System, app.ListParams{Filters: map[string]string{"q": "gone"}}); p.Total != 0 {
		t.Fatalf("a deleted license's customer was migrated: %+v", p.Items)
	}
	// The licenses' own fields are untouched.
	if l, _ := svc.GetLicense(app.System, 2); l.Customer != " Contoso  Ltd " || l.CustomerEmail != "Buyer@Contoso.example " {
		t.Fatalf("license 2 rewritten: %q %q", l.Customer, l.CustomerEmail)
	}
	// The first record of an address answers activation by email.
	svc.Close()
	svc = open()
	if p, _ := svc.ListCustomers(alpha, app.ListParams{}); p.Total != 4 {
		t.Fatalf("after a restart partner 1 has %d customers: the migration ran twice?", p.Total)
	}
	link, err := svc.GetActivationLink(alpha, 3)
	if err != nil || link.Path == "" {
		t.Fatalf("link %+v %v", link, err)
	}
	tok := link.Path[len("/activate/"):]
	if err := svc.SendActivationCode(tok, "203.0.113.8", "buyer@contoso.example"); err != nil {
		t.Fatal(err)
	}
	mails, _ := svc.ListOutbox(app.System, app.ListParams{})
	if mails.Total != 1 || mails.Items[0].Kind != "activation_code" || mails.Items[0].To[0] != "buyer@contoso.example" {
		t.Fatalf("outbox %+v", mails.Items)
	}
}
