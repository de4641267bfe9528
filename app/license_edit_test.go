package app_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

func TestEditNameAndIP(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	l := f.one(f.ua, f.lic())
	f.clk.Add(time.Hour)
	e, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{Name: licP("  Front office  "), IP: licP(" 203.0.113.7 ")})
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "Front office" || e.IP != "203.0.113.7" {
		t.Errorf("edited name %q ip %q", e.Name, e.IP)
	}
	if e, _ = f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{IP: licP("2001:DB8:0:0::1")}); e.IP != "2001:db8::1" {
		t.Errorf("IPv6 stored as %q; want the canonical 2001:db8::1", e.IP)
	}
	for _, bad := range []string{"203.0.113", "203.0.113.7.1", "256.1.1.1", "example.org", "10.0.0.1/24"} {
		_, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{IP: licP(bad)})
		if ve := licWantField(t, err, "ip"); !strings.Contains(ve.Message, bad) {
			t.Errorf("bad ip %q: message %q does not quote it", bad, ve.Message)
		}
	}
	_, err = f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{Name: licP("   ")})
	licWantField(t, err, "name")
	_, err = f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{Name: licP(strings.Repeat("n", 201))})
	licWantField(t, err, "name")
	if got := f.get(l.ID); got.Name != "Front office" || got.IP != "2001:db8::1" {
		t.Errorf("refused edits changed the license: %q %q", got.Name, got.IP)
	}
	// Clearing the IP is allowed.
	if e, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{IP: licP("")}); err != nil || e.IP != "" {
		t.Errorf("clear ip: %q %v", e.IP, err)
	}
	// Another partner's edit is a 404 and changes nothing.
	_, err = f.svc.EditLicense(f.ub, l.ID, app.LicenseEdit{Name: licP("stolen")})
	licWantIs(t, err, app.ErrNotFound)
	if got := f.get(l.ID).Name; got != "Front office" {
		t.Errorf("another partner renamed it to %q", got)
	}
}

// TestAdminPasswordSealed: the administrator password is stored
// encrypted: its plaintext is in no file of the data directory, in no
// view, list, CSV or history; the view says only that one is set.
func TestAdminPasswordSealed(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	const secret = "Tr0ub4dor&3-kX9q-admin"
	const secret2 = "second-Zq7w-password"
	in := f.lic()
	in.Customer = "Secretive GmbH"
	l := f.one(f.ua, in)
	e, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{AdminPassword: licP(secret)})
	if err != nil {
		t.Fatal(err)
	}
	if !e.AdminPasswordSet || e.AdminPassword != nil {
		t.Errorf("view after setting: set=%v sealed bytes %v", e.AdminPasswordSet, e.AdminPassword)
	}
	check := func(what string, b []byte) {
		t.Helper()
		for _, s := range []string{secret, secret2} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains the plaintext password %q", what, s)
			}
		}
		if bytes.Contains(b, []byte("admin_password_enc")) {
			t.Errorf("%s contains the sealed password field", what)
		}
	}
	view := func() {
		t.Helper()
		g, err := f.svc.GetLicense(f.ua, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(g)
		check("GetLicense JSON", raw)
		if !bytes.Contains(raw, []byte(`"admin_password_set":true`)) {
			t.Errorf("GetLicense JSON does not say a password is set: %s", raw)
		}
		raw, _ = json.Marshal(f.list(f.ua, nil, ""))
		check("list JSON", raw)
		raw, _ = json.Marshal(f.list(f.ua, map[string]string{"q": "Secretive"}, ""))
		check("search JSON", raw)
		var csv bytes.Buffer
		if _, err := f.svc.ExportLicensesCSV(f.op, app.ListParams{}, nil, &csv); err != nil {
			t.Fatal(err)
		}
		check("CSV", csv.Bytes())
		raw, _ = json.Marshal(f.history(l.ID))
		check("history", raw)
	}
	view()
	h := f.history(l.ID)
	if h[0].Field != "admin_password" || h[0].Old != "" || h[0].New == "" || h[0].Actor != f.ua.Email {
		t.Errorf("history of setting the password: %+v", h[0])
	}
	// Changing it is recorded as a change, still without the value.
	if _, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{AdminPassword: licP(secret2)}); err != nil {
		t.Fatal(err)
	}
	if h := f.history(l.ID); h[0].Field != "admin_password" || h[0].Old == "" || h[0].New == "" {
		t.Errorf("history of changing the password: %+v", h[0])
	}
	view()
	// Over 200 characters is refused.
	_, err = f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{AdminPassword: licP(strings.Repeat("p", 201))})
	licWantField(t, err, "admin_password")

	// Every file of the data directory, after a clean close.
	f.reopen()
	view()
	if err := f.svc.Close(); err != nil {
		t.Fatal(err)
	}
	f.svc = nil
	files := 0
	err = filepath.WalkDir(f.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		check(path, b)
		return nil
	})
	if err != nil || files < 2 {
		t.Fatalf("walked %d files: %v", files, err)
	}
	f.open()
	// Clearing it: the view says none is set.
	if e, err := f.svc.EditLicense(f.op, l.ID, app.LicenseEdit{AdminPassword: licP("")}); err != nil || e.AdminPasswordSet {
		t.Errorf("cleared password: set=%v %v", e.AdminPasswordSet, err)
	}
}

func TestEditRegistrationKeyAndClearRegistrations(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	now := licT0
	to := now.AddDate(1, 0, 0)
	batch := []app.License{{
		Name: "Imported", ProductID: f.av.ID, ProductName: f.av.Name, Edition: "business", Seats: 3, PeriodMonths: 12,
		Status: app.StatusActive, Payment: app.PaymentPaid, Purchased: now, ValidFrom: &now, ValidTo: &to,
		ActivateBy: now.AddDate(1, 0, 0), PartnerID: f.pa.ID, Updated: now,
		Registrations: []app.Registration{{Machine: "m-1", Hostname: "pc-1", At: now}, {Machine: "m-2", At: now}, {Machine: "m-3", At: now}},
	}}
	if err := f.svc.ImportLicenses(app.System, batch); err != nil {
		t.Fatal(err)
	}
	id := batch[0].ID
	if got := f.get(id); len(got.Registrations) != 3 {
		t.Fatalf("imported %d registrations", len(got.Registrations))
	}
	e, err := f.svc.EditLicense(f.ua, id, app.LicenseEdit{RegistrationKey: licP(" REG-4431-XY "), ClearRegistrations: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.RegistrationKey != "REG-4431-XY" || len(e.Registrations) != 0 || e.Registrations == nil {
		t.Errorf("registration key %q, registrations %v", e.RegistrationKey, e.Registrations)
	}
	h := f.history(id)
	if !historyHas(h, "edit", "registrations", "3 machines", "0 machines", f.ua.Email) {
		t.Errorf("history lacks registrations 3 → 0: %+v", h)
	}
	if !historyHas(h, "edit", "registration_key", "", "REG-4431-XY", f.ua.Email) {
		t.Errorf("history lacks the registration key: %+v", h)
	}
	_, err = f.svc.EditLicense(f.ua, id, app.LicenseEdit{RegistrationKey: licP(strings.Repeat("r", 201))})
	licWantField(t, err, "registration_key")
	// The JSON shows an empty list, never null.
	raw, _ := json.Marshal(f.get(id))
	if !bytes.Contains(raw, []byte(`"registrations":[]`)) {
		t.Errorf("registrations JSON: %s", raw)
	}
}

// TestAutoRenewRules (F14, F32): auto-renew is set on active licenses
// only, with a period the product offers; leaving active switches it off.
func TestAutoRenewRules(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	unused := f.one(f.ua, f.lic())
	_, err := f.svc.EditLicense(f.ua, unused.ID, app.LicenseEdit{AutoRenew: licP(true)})
	licWantField(t, err, "auto_renew")
	_, err = f.svc.EditLicense(f.ua, unused.ID, app.LicenseEdit{AutoRenewMonths: licP(12)})
	licWantField(t, err, "auto_renew")

	in := f.lic()
	in.Customer = "Renew AG"
	l := f.one(f.ua, in)
	e, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{AutoRenew: licP(true)})
	if err != nil || !e.AutoRenew || e.AutoRenewMonths != 12 {
		t.Fatalf("auto-renew on: %v months %d, %v; want on for the license's 12 months", e.AutoRenew, e.AutoRenewMonths, err)
	}
	if e, err = f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{AutoRenewMonths: licP(24)}); err != nil || e.AutoRenewMonths != 24 {
		t.Fatalf("auto-renew 24 months: %d %v", e.AutoRenewMonths, err)
	}
	for _, m := range []int{6, 36, -12} {
		_, err = f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{AutoRenewMonths: licP(m)})
		licWantField(t, err, "auto_renew_months")
	}
	if got := f.get(l.ID); !got.AutoRenew || got.AutoRenewMonths != 24 {
		t.Errorf("refused periods changed it: %v %d", got.AutoRenew, got.AutoRenewMonths)
	}
	// Switched off, a period the product does not offer is still refused.
	if _, err = f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{AutoRenew: licP(false)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{AutoRenewMonths: licP(7)})
	licWantField(t, err, "auto_renew_months")
	if _, err = f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{AutoRenew: licP(true), AutoRenewMonths: licP(1)}); err != nil {
		t.Fatal(err)
	}
	if !historyHas(f.history(l.ID), "edit", "auto_renew", "false", "true", f.ua.Email) {
		t.Error("history lacks auto_renew false → true")
	}
	// Suspending switches it off; while suspended it cannot be set.
	s, err := f.svc.SuspendLicense(f.ua, l.ID)
	if err != nil || s.AutoRenew {
		t.Fatalf("suspended: auto-renew %v %v", s.AutoRenew, err)
	}
	_, err = f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{AutoRenew: licP(true)})
	licWantField(t, err, "auto_renew")
}

// TestValidToOperatorOnly (F14): only the operator moves the end date,
// and not before the start nor on a key with no period yet.
func TestValidToOperatorOnly(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.Customer = "Datum GmbH"
	l := f.one(f.ua, in)
	later := time.Date(2027, 6, 30, 23, 0, 0, 0, time.UTC)
	_, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{ValidTo: &later})
	licWantField(t, err, "valid_to")
	if got := f.get(l.ID); !got.ValidTo.Equal(*l.ValidTo) {
		t.Fatalf("partner moved the end date to %v", got.ValidTo)
	}
	e, err := f.svc.EditLicense(f.op, l.ID, app.LicenseEdit{ValidTo: &later})
	if err != nil || !e.ValidTo.Equal(later) {
		t.Fatalf("operator set valid_to: %v %v", e.ValidTo, err)
	}
	if !historyHas(f.history(l.ID), "edit", "valid_to", l.ValidTo.Format(time.RFC3339), later.Format(time.RFC3339), f.op.Email) {
		t.Errorf("history lacks valid_to old → new: %+v", f.history(l.ID)[0])
	}
	before := licT0.AddDate(0, 0, -1)
	_, err = f.svc.EditLicense(f.op, l.ID, app.LicenseEdit{ValidTo: &before})
	licWantField(t, err, "valid_to")
	unused := f.one(f.ua, f.lic())
	_, err = f.svc.EditLicense(f.op, unused.ID, app.LicenseEdit{ValidTo: &later})
	licWantField(t, err, "valid_to")
	// The sweep follows the new end date.
	f.clk.Set(l.ValidTo.Add(time.Hour))
	if _, err := f.svc.SweepExpired(); err != nil {
		t.Fatal(err)
	}
	if got := f.get(l.ID).Status; got != app.StatusActive {
		t.Errorf("the sweep moved the license to %s at its old end date", got)
	}
	f.clk.Set(later)
	if n, _ := f.svc.SweepExpired(); n != 1 || f.get(l.ID).Status != app.StatusExpired {
		t.Errorf("at the new end date the sweep moved %d", n)
	}
}

func TestEditConfig(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	l := f.one(f.ua, f.lic())
	e, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{Config: map[string]string{"nodes": "4"}})
	if err != nil || e.Config["nodes"] != "4" || e.Config["mode"] != "standard" {
		t.Fatalf("config %v %v", e.Config, err)
	}
	_, err = f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{Config: map[string]string{"mode": "loud"}})
	licWantField(t, err, "config.mode")
	_, err = f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{Config: map[string]string{"colour": "red"}})
	licWantField(t, err, "config.colour")
	if got := f.get(l.ID).Config; got["mode"] != "standard" || got["nodes"] != "4" || len(got) != 2 {
		t.Errorf("config after refused edits %v", got)
	}
}

// TestSetNotes (F11): the pencil in the list changes only the notes, and
// the change is in the history and the search at once.
func TestSetNotes(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.Name = "Reception"
	in.Notes = "first contact"
	l := f.one(f.ua, in)
	f.clk.Add(2 * time.Hour)
	e, err := f.svc.SetNotes(f.ua, l.ID, "  called back about the upgrade  ")
	if err != nil {
		t.Fatal(err)
	}
	if e.Notes != "called back about the upgrade" || e.Name != "Reception" || e.Status != app.StatusOrdered {
		t.Errorf("after SetNotes: %+v", e)
	}
	h := f.history(l.ID)
	if h[0].Field != "notes" || h[0].Old != "first contact" || h[0].New != "called back about the upgrade" ||
		h[0].Actor != f.ua.Email || !h[0].At.Equal(licT0.Add(2*time.Hour)) || h[0].Action != "edit" {
		t.Errorf("notes history %+v", h[0])
	}
	if len(h) < 2 || h[1].Action != "create" {
		t.Errorf("notes change wrote more than one entry: %+v", h)
	}
	if pg := f.list(f.ua, map[string]string{"q": "upgrade"}, ""); !sameIDs(licIDs(pg), []uint64{l.ID}) {
		t.Errorf("new notes not searchable: %v", licIDs(pg))
	}
	if pg := f.list(f.ua, map[string]string{"q": "contact"}, ""); pg.Total != 0 {
		t.Errorf("old notes still found: %v", licIDs(pg))
	}
	_, err = f.svc.SetNotes(f.ub, l.ID, "mine now")
	licWantIs(t, err, app.ErrNotFound)
	_, err = f.svc.SetNotes(f.ua, l.ID, strings.Repeat("n", 5001))
	licWantField(t, err, "notes")
	if e, err := f.svc.SetNotes(f.op, l.ID, ""); err != nil || e.Notes != "" {
		t.Errorf("operator clears notes: %q %v", e.Notes, err)
	}
}

// TestAssign (F16): the operator moves a key to another partner; giving
// an unused key a customer starts its period; a partner cannot move a
// license to another partner.
func TestAssign(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	l := f.one(f.op, app.LicenseCreate{ProductID: f.av.ID, Edition: "business", Seats: 5, PeriodMonths: 12, PartnerID: f.pa.ID})

	_, err := f.svc.AssignLicense(f.ua, l.ID, app.AssignInput{PartnerID: licP(f.pb.ID)})
	licWantField(t, err, "partner_id")
	_, err = f.svc.AssignLicense(f.ub, l.ID, app.AssignInput{Customer: licP("Thief Ltd")})
	licWantIs(t, err, app.ErrNotFound)
	if got := f.get(l.ID); got.PartnerID != f.pa.ID || got.Customer != "" {
		t.Fatalf("refused assigns changed it: partner %d customer %q", got.PartnerID, got.Customer)
	}

	e, err := f.svc.AssignLicense(f.op, l.ID, app.AssignInput{PartnerID: licP(f.pb.ID)})
	if err != nil || e.PartnerID != f.pb.ID || e.DistributorID != 0 || e.PartnerPublicID != f.pb.PublicID {
		t.Fatalf("operator assign to B: partner %d distributor %d %v", e.PartnerID, e.DistributorID, err)
	}
	if e.Status != app.StatusOrdered {
		t.Errorf("moving to a partner started the period: %s", e.Status)
	}
	_, err = f.svc.GetLicense(f.ua, l.ID)
	licWantIs(t, err, app.ErrNotFound)
	if _, err := f.svc.GetLicense(f.ub, l.ID); err != nil {
		t.Fatalf("B cannot see its assigned license: %v", err)
	}
	if pg := f.list(f.ua, map[string]string{"q": l.Key}, ""); pg.Total != 0 {
		t.Errorf("A still finds the moved key")
	}
	if pg := f.list(f.ub, map[string]string{"q": l.Key}, ""); pg.Total != 1 {
		t.Errorf("B does not find its new key")
	}
	if !historyHas(f.history(l.ID), "assign", "partner_id", uidStr(f.pa.ID), uidStr(f.pb.ID), f.op.Email) {
		t.Errorf("history lacks partner_id A → B: %+v", f.history(l.ID))
	}
	_, err = f.svc.AssignLicense(f.op, l.ID, app.AssignInput{PartnerID: licP(uint64(999))})
	licWantField(t, err, "partner_id")

	// B gives it to a customer: the period starts now (F7).
	f.clk.AddDate(0, 2, 0)
	now := licT0.AddDate(0, 2, 0)
	e, err = f.svc.AssignLicense(f.ub, l.ID, app.AssignInput{Customer: licP("Nordwind AG"), CustomerEmail: licP("IT@Nordwind.example")})
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != app.StatusActive || !e.ValidFrom.Equal(now) || !e.ValidTo.Equal(now.AddDate(1, 0, 0)) || e.CustomerEmail != "it@nordwind.example" {
		t.Errorf("assigned to a customer: %s %v–%v %q", e.Status, e.ValidFrom, e.ValidTo, e.CustomerEmail)
	}
	h := f.history(l.ID)
	if !historyHas(h, "assign", "status", "ordered", "active", f.ub.Email) || !historyHas(h, "assign", "customer", "", "Nordwind AG", f.ub.Email) {
		t.Errorf("history of the customer assignment: %+v", h[:4])
	}
	// Another customer later does not restart the period.
	f.clk.AddDate(0, 1, 0)
	e, err = f.svc.AssignLicense(f.ub, l.ID, app.AssignInput{Customer: licP("Südwind AG")})
	if err != nil || !e.ValidFrom.Equal(now) {
		t.Errorf("reassigning the customer moved the period to %v (%v)", e.ValidFrom, err)
	}
	_, err = f.svc.AssignLicense(f.ub, l.ID, app.AssignInput{CustomerEmail: licP("nobody")})
	licWantField(t, err, "customer_email")
	// The operator takes it back into stock.
	if e, err = f.svc.AssignLicense(f.op, l.ID, app.AssignInput{PartnerID: licP(uint64(0))}); err != nil || e.PartnerID != 0 {
		t.Errorf("back to stock: %d %v", e.PartnerID, err)
	}
	_, err = f.svc.GetLicense(f.ub, l.ID)
	licWantIs(t, err, app.ErrNotFound)
}

func uidStr(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
