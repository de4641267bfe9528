package app_test

import (
	"errors"
	"testing"

	"licensedesk/app"
)

// linked is the customer record license id links to, as actor a sees it
// (nil: none).
func linked(t *testing.T, f *licFix, a app.Actor, id uint64) *app.Customer {
	t.Helper()
	c, err := f.svc.LicenseCustomer(a, id)
	if err != nil {
		t.Fatalf("license %d's customer as %s: %v", id, a.Email, err)
	}
	return c
}

// customersOf lists a partner's customer records with their license counts.
func customersOf(t *testing.T, f *licFix, a app.Actor) map[string]app.CustomerRow {
	t.Helper()
	pg, err := f.svc.ListCustomers(a, app.ListParams{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]app.CustomerRow{}
	for _, c := range pg.Items {
		k := c.Name + " <" + c.Email + ">"
		if _, dup := out[k]; dup {
			t.Errorf("%s has two records of %s", a.Email, k)
		}
		out[k] = c
	}
	return out
}

// Customers typed on licenses after migration 9 become records and links:
// created one or many at once, by the operator or the partner, grouped by
// partner, name and email as the migration grouped them.
func TestTypedCustomerLinksOnCreate(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.PartnerID, in.Count, in.Customer, in.CustomerEmail = f.pa.ID, 3, "Contoso Ltd", "Buyer@Contoso.example"
	three := f.create(f.op, in)
	first := linked(t, f, f.ua, three[0].ID)
	if first == nil || first.PartnerID != f.pa.ID || first.Name != "Contoso Ltd" || first.Email != "buyer@contoso.example" {
		t.Fatalf("the first license links to %+v", first)
	}
	for _, l := range three[1:] {
		if c := linked(t, f, f.ua, l.ID); c == nil || c.ID != first.ID {
			t.Errorf("license %d of the same create links to %+v, want customer %d", l.ID, c, first.ID)
		}
	}
	// Typed again by the partner, in other case and spacing: the same customer.
	in2 := f.lic()
	in2.Customer, in2.CustomerEmail = "  contoso   LTD ", "buyer@contoso.example "
	again := f.one(f.ua, in2)
	if c := linked(t, f, f.ua, again.ID); c == nil || c.ID != first.ID {
		t.Errorf("the same name and email typed again links to %+v, want customer %d", c, first.ID)
	}
	// Another contact of the same company is another customer; so is a name without email.
	in3 := f.lic()
	in3.Customer, in3.CustomerEmail = "Contoso Ltd", "other@contoso.example"
	other := f.one(f.ua, in3)
	in4 := f.lic()
	in4.Customer = "Fabrikam"
	noMail := f.one(f.ua, in4)
	in5 := f.lic()
	in5.CustomerEmail = "solo@example.com"
	onlyMail := f.one(f.ua, in5)
	got := customersOf(t, f, f.ua)
	want := map[string]int{"Contoso Ltd <buyer@contoso.example>": 4, "Contoso Ltd <other@contoso.example>": 1,
		"Fabrikam <>": 1, "solo@example.com <solo@example.com>": 1}
	if len(got) != len(want) {
		t.Errorf("partner A's customers: %+v", got)
	}
	for k, n := range want {
		if got[k].Licenses != n {
			t.Errorf("customer %s has %d licenses, want %d", k, got[k].Licenses, n)
		}
	}
	for _, id := range []uint64{other.ID, noMail.ID, onlyMail.ID} {
		if c := linked(t, f, f.ua, id); c == nil || c.ID == first.ID {
			t.Errorf("license %d links to %+v", id, c)
		}
	}
	// A license with no customer links to none.
	if l := f.one(f.ua, f.lic()); linked(t, f, f.ua, l.ID) != nil {
		t.Error("a license without a customer has a customer record")
	}
	// The same customer under partner B is B's own record; neither sees the other's.
	inB := f.lic()
	inB.Customer, inB.CustomerEmail = "Contoso Ltd", "buyer@contoso.example"
	lb := f.one(f.ub, inB)
	cb := linked(t, f, f.ub, lb.ID)
	if cb == nil || cb.ID == first.ID || cb.PartnerID != f.pb.ID {
		t.Fatalf("partner B's license links to %+v (A's record is %d)", cb, first.ID)
	}
	if _, err := f.svc.GetCustomer(f.ub, first.ID); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("B reads A's customer: %v", err)
	}
	if _, err := f.svc.CustomerLicenses(f.ua, cb.ID); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("A lists B's customer's licenses: %v", err)
	}
	if got := customersOf(t, f, f.ub); len(got) != 1 {
		t.Errorf("partner B's customers: %+v", got)
	}
	// Records are made once: a restart and a note leave the count alone.
	f.reopen()
	note := "called about the renewal"
	if _, err := f.svc.EditLicense(f.ua, again.ID, app.LicenseEdit{Notes: &note}); err != nil {
		t.Fatal(err)
	}
	if c := linked(t, f, f.ua, again.ID); c == nil || c.ID != first.ID {
		t.Errorf("after a note the license links to %+v", c)
	}
	if got := customersOf(t, f, f.ua); len(got) != len(want) {
		t.Errorf("after a restart and a note partner A has %d customers, want %d", len(got), len(want))
	}
}

// Assigning another customer re-links, clearing it unlinks, and the
// record stays in the partner's list; moving a license to another
// partner moves its link to that partner's record of the customer.
func TestTypedCustomerLinksOnAssignAndReassign(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.Customer, in.CustomerEmail = "Contoso Ltd", "buyer@contoso.example"
	l := f.one(f.ua, in)
	contoso := linked(t, f, f.ua, l.ID)
	if contoso == nil {
		t.Fatal("the new license has no customer record")
	}
	assign := func(a app.Actor, in app.AssignInput) {
		t.Helper()
		if _, err := f.svc.AssignLicense(a, l.ID, in); err != nil {
			t.Fatalf("assign %+v: %v", in, err)
		}
	}
	assign(f.ua, app.AssignInput{Customer: licP("Fabrikam"), CustomerEmail: licP("it@fabrikam.example")})
	fab := linked(t, f, f.ua, l.ID)
	if fab == nil || fab.ID == contoso.ID || fab.Name != "Fabrikam" || fab.Email != "it@fabrikam.example" || fab.PartnerID != f.pa.ID {
		t.Fatalf("after assigning Fabrikam the license links to %+v", fab)
	}
	if ls, err := f.svc.CustomerLicenses(f.ua, contoso.ID); err != nil || len(ls) != 0 {
		t.Errorf("Contoso's licenses after the re-link: %d, %v", len(ls), err)
	}
	// Only the email changes: another customer.
	assign(f.ua, app.AssignInput{CustomerEmail: licP("ops@fabrikam.example")})
	fab2 := linked(t, f, f.ua, l.ID)
	if fab2 == nil || fab2.ID == fab.ID || fab2.Email != "ops@fabrikam.example" {
		t.Fatalf("after changing the email the license links to %+v", fab2)
	}
	// Back to Contoso, typed loosely: the old record again.
	assign(f.ua, app.AssignInput{Customer: licP("CONTOSO ltd"), CustomerEmail: licP("Buyer@contoso.example")})
	if c := linked(t, f, f.ua, l.ID); c == nil || c.ID != contoso.ID {
		t.Fatalf("back to Contoso the license links to %+v, want %d", c, contoso.ID)
	}
	// Cleared: no link, and the records stay.
	assign(f.ua, app.AssignInput{Customer: licP(""), CustomerEmail: licP("")})
	if c := linked(t, f, f.ua, l.ID); c != nil {
		t.Errorf("a license whose customer was cleared links to %+v", c)
	}
	if ls, _ := f.svc.CustomerLicenses(f.ua, contoso.ID); len(ls) != 0 {
		t.Errorf("Contoso still lists %d licenses", len(ls))
	}
	if got := customersOf(t, f, f.ua); len(got) != 3 {
		t.Errorf("partner A's customer list: %+v", got)
	}
	// The operator moves it, with a customer, to partner B, which has that customer already.
	inB := f.lic()
	inB.Customer, inB.CustomerEmail = "Contoso Ltd", "buyer@contoso.example"
	bContoso := linked(t, f, f.ub, f.one(f.ub, inB).ID)
	assign(f.ua, app.AssignInput{Customer: licP("Contoso Ltd"), CustomerEmail: licP("buyer@contoso.example")})
	assign(f.op, app.AssignInput{PartnerID: licP(f.pb.ID)})
	if c := linked(t, f, f.ub, l.ID); c == nil || c.ID != bContoso.ID || c.PartnerID != f.pb.ID {
		t.Fatalf("moved to B the license links to %+v, want B's record %d", c, bContoso.ID)
	}
	if ls, _ := f.svc.CustomerLicenses(f.ua, contoso.ID); len(ls) != 0 {
		t.Errorf("A's Contoso still lists the license B has now: %+v", ls)
	}
	// To the desk's stock and on to partner C, which has no such customer: made there.
	assign(f.op, app.AssignInput{PartnerID: licP(uint64(0))})
	if c := linked(t, f, app.System, l.ID); c == nil || c.PartnerID != 0 || c.ID == bContoso.ID {
		t.Fatalf("in the desk's stock the license links to %+v", c)
	}
	assign(f.op, app.AssignInput{PartnerID: licP(f.pc.ID)})
	cc := linked(t, f, f.uc, l.ID)
	if cc == nil || cc.PartnerID != f.pc.ID || cc.Name != "Contoso Ltd" || cc.ID == contoso.ID || cc.ID == bContoso.ID {
		t.Fatalf("moved to C the license links to %+v", cc)
	}
	if _, err := f.svc.GetCustomer(f.ub, cc.ID); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("B reads C's customer: %v", err)
	}
}

// An approved in-desk transfer takes the customer link to the receiver's
// record of the customer; the giver keeps its record, without the license.
func TestTypedCustomerLinksFollowTransfer(t *testing.T) {
	t.Parallel()
	f, l := transferFix(t)
	giver := linked(t, f, f.ua, l.ID)
	if giver == nil || giver.Name != "Dr. Wu Clinic" {
		t.Fatalf("before the transfer the license links to %+v", giver)
	}
	tr, err := f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pb.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ApproveTransfer(f.ub, tr.ID, tr.Secret); err != nil {
		t.Fatal(err)
	}
	c := linked(t, f, f.ub, l.ID)
	if c == nil || c.PartnerID != f.pb.ID || c.Name != "Dr. Wu Clinic" || c.ID == giver.ID {
		t.Fatalf("after the transfer the license links to %+v (the giver's record is %d)", c, giver.ID)
	}
	if ls, err := f.svc.CustomerLicenses(f.ub, c.ID); err != nil || len(ls) != 1 || ls[0].ID != l.ID {
		t.Errorf("B's record lists %+v, %v", ls, err)
	}
	if ls, err := f.svc.CustomerLicenses(f.ua, giver.ID); err != nil || len(ls) != 0 {
		t.Errorf("A's record still lists %d licenses, %v", len(ls), err)
	}
	if _, ok := customersOf(t, f, f.ua)["Dr. Wu Clinic <>"]; !ok {
		t.Error("the giver's customer record is gone from its list")
	}
}

// A CSV import links every imported license; rows of one customer share
// its record, and a customer the partner has already keeps its record.
func TestTypedCustomerLinksOnCSVImport(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.Customer, in.CustomerEmail = "Contoso Ltd", "buyer@contoso.example"
	existing := linked(t, f, f.ub, f.one(f.ub, in).ID)
	csv := "key,product,edition,seats,period_months,customer,customer_email\n" +
		"AAAAA-BBBBB-CCCCC-DDDD1,av,business,5,12,contoso ltd,BUYER@contoso.example\n" +
		"AAAAA-BBBBB-CCCCC-DDDD2,av,business,5,12,Zoë GmbH,it@zoe.example\n" +
		"AAAAA-BBBBB-CCCCC-DDDD3,av,business,5,12,Zoë  GmbH,it@zoe.example\n" +
		"AAAAA-BBBBB-CCCCC-DDDD4,av,business,5,12,,\n"
	rep := importCSV(t, f, csv, app.CSVImportOptions{Partner: f.pb.PublicID})
	if rep.Imported != 4 {
		t.Fatalf("import: %+v", rep)
	}
	byKey := func(k string) *app.Customer {
		t.Helper()
		l, err := f.svc.LicenseByKey(f.ub, k)
		if err != nil {
			t.Fatalf("key %s: %v", k, err)
		}
		return linked(t, f, f.ub, l.ID)
	}
	if c := byKey("AAAAA-BBBBB-CCCCC-DDDD1"); c == nil || c.ID != existing.ID {
		t.Errorf("row 1 links to %+v, want B's Contoso %d", c, existing.ID)
	}
	z2, z3 := byKey("AAAAA-BBBBB-CCCCC-DDDD2"), byKey("AAAAA-BBBBB-CCCCC-DDDD3")
	if z2 == nil || z3 == nil || z2.ID != z3.ID || z2.Name != "Zoë GmbH" || z2.PartnerID != f.pb.ID {
		t.Errorf("rows 2 and 3 link to %+v and %+v", z2, z3)
	}
	if c := byKey("AAAAA-BBBBB-CCCCC-DDDD4"); c != nil {
		t.Errorf("a row without a customer links to %+v", c)
	}
	if got := customersOf(t, f, f.ub); len(got) != 2 || got["Contoso Ltd <buyer@contoso.example>"].Licenses != 2 {
		t.Errorf("B's customers after the import: %+v", got)
	}
	// The bulk loader links too.
	batch := []app.License{{Name: "Loaded", ProductID: f.av.ID, ProductName: "Sentinel Antivirus", Edition: "business", Seats: 1,
		PeriodMonths: 12, Status: app.StatusOrdered, Payment: app.PaymentPaid, Purchased: licT0, ActivateBy: licT0.AddDate(1, 0, 0),
		Customer: "Zoë GmbH", CustomerEmail: "IT@zoe.example", PartnerID: f.pb.ID, Updated: licT0}}
	if err := f.svc.ImportLicenses(f.op, batch); err != nil {
		t.Fatal(err)
	}
	if c := linked(t, f, f.ub, batch[0].ID); c == nil || c.ID != z2.ID {
		t.Errorf("the loaded license links to %+v, want %d", c, z2.ID)
	}
}

// Records made by activation or by hand take part in the grouping: a
// customer typed later with the same name and email links to them, and a
// renamed record is found by its new name.
func TestTypedCustomerFindsActivatedAndRenamedRecords(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	unused := f.one(f.ua, f.lic())
	done, err := f.svc.ActivateForCustomer(f.ua, unused.ID, app.CustomerChoice{New: &app.CustomerInput{
		Name: licP("Fabrikam Buyer"), Email: licP("buyer@fabrikam.example")}})
	if err != nil {
		t.Fatal(err)
	}
	rec := done.Customer
	typed := func(name, email string) *app.Customer {
		t.Helper()
		in := f.lic()
		in.Customer, in.CustomerEmail = name, email
		return linked(t, f, f.ua, f.one(f.ua, in).ID)
	}
	if c := typed("fabrikam  buyer", "BUYER@fabrikam.example"); c == nil || c.ID != rec.ID {
		t.Fatalf("typed like the activated customer, the license links to %+v, want %d", c, rec.ID)
	}
	if _, err := f.svc.UpdateCustomer(f.ua, rec.ID, app.CustomerInput{Name: licP("Fabrikam Purchasing")}); err != nil {
		t.Fatal(err)
	}
	if c := typed("Fabrikam Purchasing", "buyer@fabrikam.example"); c == nil || c.ID != rec.ID {
		t.Errorf("typed with the record's new name, the license links to %+v, want %d", c, rec.ID)
	}
	if c := typed("Fabrikam Buyer", "buyer@fabrikam.example"); c == nil || c.ID == rec.ID || c.Name != "Fabrikam Buyer" {
		t.Errorf("typed with the record's old name, the license links to %+v, want a record of its own", c)
	}
	if ls, err := f.svc.CustomerLicenses(f.ua, rec.ID); err != nil || len(ls) != 3 {
		t.Errorf("the activated record lists %d licenses, %v; want 3", len(ls), err)
	}
}
