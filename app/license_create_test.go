package app_test

import (
	"strings"
	"testing"

	"licensedesk/app"
)

// TestOperatorIssuesToPartner: the operator issues keys to a partner,
// paid by default; they are unused until activated, with the activation
// deadline 12 months after purchase, and carry the partner's distributor.
func TestOperatorIssuesToPartner(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.PartnerID = f.pa.ID
	in.Count = 3
	in.Name = "  Kanzlei Weber  "
	in.OrderNumber = "O-7001"
	in.Notes = "issued for the spring campaign"
	ls := f.create(f.op, in)
	if len(ls) != 3 {
		t.Fatalf("issued %d; want 3", len(ls))
	}
	for _, l := range ls {
		switch {
		case l.Payment != app.PaymentPaid:
			t.Errorf("operator-issued license is %s; want paid by default", l.Payment)
		case l.Status != app.StatusOrdered:
			t.Errorf("status %s; want ordered", l.Status)
		case l.PartnerID != f.pa.ID || l.DistributorID != f.dist.ID:
			t.Errorf("partner %d distributor %d; want %d and %d", l.PartnerID, l.DistributorID, f.pa.ID, f.dist.ID)
		case !l.Purchased.Equal(licT0):
			t.Errorf("purchased %v; want %v", l.Purchased, licT0)
		case !l.ActivateBy.Equal(licT0.AddDate(1, 0, 0)):
			t.Errorf("activate by %v; want 12 months after purchase", l.ActivateBy)
		case l.ValidFrom != nil || l.ValidTo != nil:
			t.Errorf("unused key has a period %v–%v", l.ValidFrom, l.ValidTo)
		case l.Name != "Kanzlei Weber" || l.OrderNumber != "O-7001" || l.ProductName != "Sentinel Antivirus":
			t.Errorf("name %q order %q product %q", l.Name, l.OrderNumber, l.ProductName)
		case l.Config["mode"] != "standard":
			t.Errorf("config %v; want the product default mode=standard", l.Config)
		case l.PartnerPublicID != f.pa.PublicID:
			t.Errorf("partner public id %q; want %q", l.PartnerPublicID, f.pa.PublicID)
		}
	}
	// The partner sees them; the other does not.
	if got := f.list(f.ua, nil, "id"); !sameIDs(licIDs(got), []uint64{ls[0].ID, ls[1].ID, ls[2].ID}) {
		t.Errorf("partner A lists %v", licIDs(got))
	}
	if got := f.list(f.ub, nil, ""); got.Total != 0 {
		t.Errorf("partner B lists %d licenses of A", got.Total)
	}
	// The operator may record them as pending instead; unassigned stock is allowed.
	in = f.lic()
	in.Payment = app.PaymentPending
	if l := f.one(f.op, in); l.Payment != app.PaymentPending || l.PartnerID != 0 {
		t.Errorf("operator stock: payment %s partner %d", l.Payment, l.PartnerID)
	}
	// A license without a name is named after its product.
	if l := f.one(f.op, f.lic()); l.Name != "Sentinel Antivirus" {
		t.Errorf("default name %q", l.Name)
	}
}

// TestManualPartnerCreatesForClients (F25): many at once, payment
// pending, keys usable at once; with a customer the period starts.
func TestManualPartnerCreatesForClients(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.Count = 25
	in.Seats = 10
	ls := f.create(f.ua, in)
	if len(ls) != 25 {
		t.Fatalf("created %d; want 25", len(ls))
	}
	for _, l := range ls {
		if l.Payment != app.PaymentPending || l.PartnerID != f.pa.ID || l.Status != app.StatusOrdered || l.Seats != 10 {
			t.Fatalf("created %+v; want pending, ordered, partner A, 10 seats", l)
		}
		got, err := f.svc.LicenseByKey(f.ua, l.Key)
		if err != nil || got.ID != l.ID {
			t.Fatalf("key %s not found right after create: %v", l.Key, err)
		}
	}
	if pg := f.list(f.ua, map[string]string{"payment_status": "pending"}, ""); pg.Total != 25 {
		t.Errorf("pending filter shows %d; want 25", pg.Total)
	}
	// The key is searchable at once too.
	if pg := f.list(f.ua, map[string]string{"q": ls[7].Key}, ""); !sameIDs(licIDs(pg), []uint64{ls[7].ID}) {
		t.Errorf("search for the new key %s gives %v", ls[7].Key, licIDs(pg))
	}

	in = f.lic()
	in.Customer = "Müller Bau GmbH"
	in.CustomerEmail = " IT@Mueller.Example "
	f.clk.AddDate(0, 0, 3)
	l := f.one(f.ua, in)
	now := licT0.AddDate(0, 0, 3)
	if l.Status != app.StatusActive || l.ValidFrom == nil || !l.ValidFrom.Equal(now) || !l.ValidTo.Equal(now.AddDate(1, 0, 0)) {
		t.Errorf("created for a customer: %s %v–%v; want active from now for 12 months", l.Status, l.ValidFrom, l.ValidTo)
	}
	if l.CustomerEmail != "it@mueller.example" {
		t.Errorf("customer email stored as %q", l.CustomerEmail)
	}

	// A partner cannot create for someone else, nor set what the operator sets.
	in = f.lic()
	in.PartnerID = f.pb.ID
	_, err := f.svc.CreateLicenses(f.ua, in)
	licWantField(t, err, "partner_id")
	in = f.lic()
	in.Payment = app.PaymentPaid
	_, err = f.svc.CreateLicenses(f.ua, in)
	licWantField(t, err, "payment_status")
	in = f.lic()
	in.OrderNumber = "O-1"
	_, err = f.svc.CreateLicenses(f.ua, in)
	licWantField(t, err, "payment_status")
	if pg := f.list(f.ub, nil, ""); pg.Total != 0 {
		t.Errorf("partner B got %d licenses from A's attempts", pg.Total)
	}
}

// TestStandardPartnerCannotCreate: the standard program buys through
// orders; creating for clients is refused and writes nothing.
func TestStandardPartnerCannotCreate(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	before := f.count()
	_, err := f.svc.CreateLicenses(f.uc, f.lic())
	if ve := licWantField(t, err, "program"); !strings.Contains(ve.Message, "manual") {
		t.Errorf("refusal says %q; want it to name the manual program", ve.Message)
	}
	if after := f.count(); after != before {
		t.Errorf("refused create changed the count %d → %d", before, after)
	}
	// A partner user whose partner is disabled cannot create either.
	if _, err := f.svc.UpdatePartner(app.System, f.pb.ID, app.PartnerInput{Disabled: licP(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.CreateLicenses(f.ub, f.lic())
	if err == nil {
		t.Fatal("a disabled partner created a license")
	}
	if after := f.count(); after != before {
		t.Errorf("refused create changed the count %d → %d", before, after)
	}
}

// TestCreateValidationNamesFieldWritesNothing: every bad input names its
// field and leaves no license, history or id behind.
func TestCreateValidationNamesFieldWritesNothing(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	inactive := f.product("old", "Retired Suite", []int{12}, 0, nil)
	if _, err := f.svc.UpdateProduct(app.System, inactive.ID, app.ProductInput{Active: licP(false)}); err != nil {
		t.Fatal(err)
	}
	first := f.one(f.op, f.lic())
	long := strings.Repeat("x", 201)
	cases := []struct {
		name  string
		as    app.Actor
		field string
		mod   func(*app.LicenseCreate)
	}{
		{"no product", f.op, "product_id", func(c *app.LicenseCreate) { c.ProductID = 0 }},
		{"unknown product", f.op, "product_id", func(c *app.LicenseCreate) { c.ProductID = 999 }},
		{"inactive product", f.op, "product_id", func(c *app.LicenseCreate) { c.ProductID = inactive.ID }},
		{"edition", f.op, "edition", func(c *app.LicenseCreate) { c.Edition = "gold" }},
		{"no edition", f.ua, "edition", func(c *app.LicenseCreate) { c.Edition = "" }},
		{"period not offered", f.op, "period_months", func(c *app.LicenseCreate) { c.PeriodMonths = 6 }},
		{"no period", f.ua, "period_months", func(c *app.LicenseCreate) { c.PeriodMonths = 0 }},
		{"period of the other product", f.op, "period_months", func(c *app.LicenseCreate) { c.ProductID = f.fw.ID; c.PeriodMonths = 1 }},
		{"zero seats", f.op, "seats", func(c *app.LicenseCreate) { c.Seats = 0 }},
		{"negative seats", f.ua, "seats", func(c *app.LicenseCreate) { c.Seats = -3 }},
		{"too many seats", f.op, "seats", func(c *app.LicenseCreate) { c.Seats = 501 }},
		{"unknown config", f.op, "config.colour", func(c *app.LicenseCreate) { c.Config = map[string]string{"colour": "red"} }},
		{"config choice", f.ua, "config.mode", func(c *app.LicenseCreate) { c.Config = map[string]string{"mode": "paranoid"} }},
		{"config number", f.op, "config.nodes", func(c *app.LicenseCreate) { c.Config = map[string]string{"nodes": "many"} }},
		{"ip", f.op, "ip", func(c *app.LicenseCreate) { c.IP = "300.1.2.3" }},
		{"ip words", f.ua, "ip", func(c *app.LicenseCreate) { c.IP = "the office" }},
		{"customer email", f.op, "customer_email", func(c *app.LicenseCreate) { c.CustomerEmail = "not-an-email" }},
		{"customer email partner", f.ua, "customer_email", func(c *app.LicenseCreate) { c.CustomerEmail = "a@" }},
		{"name", f.op, "name", func(c *app.LicenseCreate) { c.Name = long }},
		{"customer", f.op, "customer", func(c *app.LicenseCreate) { c.Customer = long }},
		{"notes", f.op, "notes", func(c *app.LicenseCreate) { c.Notes = strings.Repeat("n", 5001) }},
		{"payment", f.op, "payment_status", func(c *app.LicenseCreate) { c.Payment = "free" }},
		{"partner", f.op, "partner_id", func(c *app.LicenseCreate) { c.PartnerID = 999 }},
		{"count negative", f.op, "count", func(c *app.LicenseCreate) { c.Count = -1 }},
		{"count too many", f.ua, "count", func(c *app.LicenseCreate) { c.Count = app.MaxCreate + 1 }},
		// A bad value in the middle of a big create still writes none.
		{"many with a bad ip", f.ua, "ip", func(c *app.LicenseCreate) { c.Count = 50; c.IP = "10.0.0.256" }},
		{"many with a bad seat count", f.op, "seats", func(c *app.LicenseCreate) { c.Count = 50; c.Seats = 1000 }},
	}
	for _, c := range cases {
		before := f.count()
		in := f.lic()
		in.Customer = "Some Customer"
		c.mod(&in)
		_, err := f.svc.CreateLicenses(c.as, in)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		t.Run(c.name, func(t *testing.T) { licWantField(t, err, c.field) })
		if after := f.count(); after != before {
			t.Errorf("%s: refused create changed the count %d → %d", c.name, before, after)
		}
		if pg := f.list(app.System, map[string]string{"q": "customer"}, ""); pg.Total != 0 {
			t.Errorf("%s: a refused create left %d searchable licenses", c.name, pg.Total)
		}
	}
	// Nothing was even half written: the next license takes the next id.
	next := f.one(f.op, f.lic())
	if next.ID != first.ID+1 {
		t.Errorf("the license after the refused creates has id %d; want %d", next.ID, first.ID+1)
	}
	// The bounds themselves are fine.
	in := f.lic()
	in.Seats = 500
	in.Config = map[string]string{"mode": "strict", "nodes": "12"}
	in.IP = " 2001:DB8::7 "
	l := f.one(f.op, in)
	if l.Seats != 500 || l.Config["mode"] != "strict" || l.Config["nodes"] != "12" || l.IP != "2001:db8::7" {
		t.Errorf("stored seats %d config %v ip %q", l.Seats, l.Config, l.IP)
	}
	in = f.lic()
	in.Seats = 1
	if l := f.one(f.op, in); l.Seats != 1 {
		t.Errorf("one seat: %d", l.Seats)
	}
}
