package app_test

import (
	"testing"

	"licensedesk/app"
)

// Names and other one-line fields refuse control characters, naming the
// field, and nothing is written; notes keep line breaks and tabs only.
func TestLicenseTextRefusesControlCharacters(t *testing.T) {
	f := newLicFix(t)
	l := f.one(f.ua, f.lic())
	before := f.get(l.ID)

	bad := map[string]string{
		"CR LF and ESC":  "line1\r\nline2\u001b[31m",
		"NUL":            "a\x00b",
		"ESC":            "\x1b[2Jcleared",
		"tab":            "a\tb",
		"LF":             "a\nb",
		"DEL":            "a\x7fb",
		"C1 CSI":         "a\u009bb",
		"line separator": "a\u2028b",
	}
	for name, v := range bad {
		t.Run("name "+name, func(t *testing.T) {
			_, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{Name: licP(v)})
			wantField(t, err, "name")
			_, err = f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{RegistrationKey: licP("REG-" + v)})
			wantField(t, err, "registration_key")
			_, err = f.svc.AssignLicense(f.ua, l.ID, app.AssignInput{Customer: licP("Acme " + v)})
			wantField(t, err, "customer")
			in := f.lic()
			in.Name = "x" + v + "y"
			_, err = f.svc.CreateLicenses(f.ua, in)
			wantField(t, err, "name")
			in = f.lic()
			in.Customer = "x" + v + "y"
			_, err = f.svc.CreateLicenses(f.ua, in)
			wantField(t, err, "customer")
			in = f.lic()
			in.OrderNumber = "ORD" + v + "1"
			_, err = f.svc.CreateLicenses(f.op, in)
			wantField(t, err, "order_number")
		})
	}
	for name, v := range map[string]string{"NUL": "a\x00b", "ESC": "red \x1b[31m", "lone CR": "over\rwrite", "BEL": "a\x07", "C1": "a\u0085b"} {
		t.Run("notes "+name, func(t *testing.T) {
			_, err := f.svc.SetNotes(f.ua, l.ID, v)
			wantField(t, err, "notes")
			in := f.lic()
			in.Notes = "x" + v + "y"
			_, err = f.svc.CreateLicenses(f.ua, in)
			wantField(t, err, "notes")
		})
	}
	after := f.get(l.ID)
	if after.Name != before.Name || after.Notes != before.Notes || after.Customer != before.Customer ||
		after.RegistrationKey != before.RegistrationKey || !after.Updated.Equal(before.Updated) {
		t.Fatalf("refused edits changed the license: %+v -> %+v", before.License, after.License)
	}

	// Notes keep line breaks and tabs; a textarea's CRLF is stored as LF.
	got, err := f.svc.SetNotes(f.ua, l.ID, "first line\r\nsecond\tcolumn\nthird")
	if err != nil {
		t.Fatalf("notes with line breaks and a tab: %v", err)
	}
	if got.Notes != "first line\nsecond\tcolumn\nthird" {
		t.Errorf("notes stored as %q", got.Notes)
	}
	// Ordinary text, accents and all, is fine.
	if _, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{Name: licP("Büro Köln – Empfang"), RegistrationKey: licP("REG-7")}); err != nil {
		t.Fatalf("plain name: %v", err)
	}
}

// Partner names, user names and text configuration values are one-line
// fields too.
func TestOtherOneLineFieldsRefuseControlCharacters(t *testing.T) {
	f := newLicFix(t)
	_, err := f.svc.CreatePartner(app.System, app.PartnerInput{Name: licP("Evil\r\nPartner"), DiscountBP: licP(0), Program: licP(app.ProgramStandard)})
	wantField(t, err, "name")
	_, err = f.svc.UpdatePartner(app.System, f.pa.ID, app.PartnerInput{Notes: licP("ok\nbut \x1b[31mred")})
	wantField(t, err, "notes")
	if p, err := f.svc.UpdatePartner(app.System, f.pa.ID, app.PartnerInput{Notes: licP("two\r\nlines")}); err != nil || p.Notes != "two\nlines" {
		t.Fatalf("partner notes with a line break: %q %v", p.Notes, err)
	}
	_, err = f.svc.CreateUser(app.System, app.UserInput{Email: licP("x@desk.example"), Name: licP("X\x00Y"), Role: licP(app.RoleOperator), Password: licP("long enough password")})
	wantField(t, err, "name")

	p := f.product("lb", "Labelled", []int{12}, 0, []app.ConfigField{{Name: "label", Type: "text"}})
	in := app.LicenseCreate{ProductID: p.ID, Edition: "business", Seats: 5, PeriodMonths: 12, Config: map[string]string{"label": "a\nb"}}
	_, err = f.svc.CreateLicenses(f.ua, in)
	wantField(t, err, "config.label")
}
