package app_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"licensedesk/app"
)

var publicIDFormat = regexp.MustCompile(`^P-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}$`)

func TestPartnerPublicIDs(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	var first app.Partner
	for i := 0; i < 40; i++ {
		p := e.partner("Reseller " + uid(uint64(i)))
		if i == 0 {
			first = p
		}
		if !publicIDFormat.MatchString(p.PublicID) {
			t.Fatalf("public ID %q is not P-XXXX-XXXX from the unambiguous alphabet", p.PublicID)
		}
		if p.PublicID == uid(p.ID) {
			t.Fatalf("public ID %q exposes the internal id %d", p.PublicID, p.ID)
		}
		if seen[p.PublicID] {
			t.Fatalf("public ID %q given twice", p.PublicID)
		}
		seen[p.PublicID] = true
	}
	// A typed public ID is found in any case and spacing.
	typed := " " + strings.ToLower(first.PublicID[:6]) + " " + first.PublicID[6:]
	got, err := e.svc.PartnerByPublicID(app.System, typed)
	if err != nil || got.ID != first.ID {
		t.Fatalf("lookup of %q: %+v %v", typed, got, err)
	}
	// An update keeps the public ID.
	up, err := e.svc.UpdatePartner(app.System, first.ID, app.PartnerInput{Name: ptr("Renamed")})
	if err != nil || up.PublicID != first.PublicID {
		t.Fatalf("update changed the public ID: %q → %q (%v)", first.PublicID, up.PublicID, err)
	}
}

func TestPartnerSearchByPublicID(t *testing.T) {
	// An operator pastes a partner's public ID into the search box.
	e := newEnv(t)
	p := e.partner("Northwind Traders")
	e.partner("Contoso")
	for _, q := range []string{p.PublicID, strings.ToLower(p.PublicID), p.PublicID[:6] + "*", "*" + p.PublicID[7:] + "*"} {
		if got := e.searchPartners(q); !slices.Equal(got, []string{"Northwind Traders"}) {
			t.Errorf("search %q finds %v", q, got)
		}
	}
}

func TestPartnerValidation(t *testing.T) {
	e := newEnv(t)
	dist := e.partner("Distributor")
	cases := []struct {
		name  string
		in    app.PartnerInput
		field string
	}{
		{"no name", app.PartnerInput{Name: ptr(" ")}, "name"},
		{"negative discount", app.PartnerInput{Name: ptr("x"), DiscountBP: ptr(-1)}, "discount_bp"},
		{"discount over 100%", app.PartnerInput{Name: ptr("x"), DiscountBP: ptr(10001)}, "discount_bp"},
		{"unknown program", app.PartnerInput{Name: ptr("x"), Program: ptr("gold")}, "program"},
		{"bad currency", app.PartnerInput{Name: ptr("x"), Currency: ptr("euro")}, "currency"},
		{"bad email", app.PartnerInput{Name: ptr("x"), Email: ptr("not-an-email")}, "email"},
		{"missing distributor", app.PartnerInput{Name: ptr("x"), DistributorID: ptr(uint64(999))}, "distributor_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.CreatePartner(app.System, c.in)
			wantField(t, err, c.field)
		})
	}
	for _, bp := range []int{0, 3000, 10000} {
		if _, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("ok"), DiscountBP: ptr(bp)}); err != nil {
			t.Errorf("discount %d bp refused: %v", bp, err)
		}
	}
	p, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("MSP"), Program: ptr(app.ProgramManual), DistributorID: ptr(dist.ID), Email: ptr("Billing@MSP.example")})
	if err != nil {
		t.Fatal(err)
	}
	if p.DistributorID != dist.ID || p.Program != app.ProgramManual || p.Email != "billing@msp.example" || p.Currency != "EUR" {
		t.Fatalf("created %+v", p)
	}
}

func TestPartnerDistributorLoops(t *testing.T) {
	e := newEnv(t)
	a := e.partner("A")
	b := e.partner("B")
	c := e.partner("C")
	if _, err := e.svc.UpdatePartner(app.System, a.ID, app.PartnerInput{DistributorID: ptr(b.ID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdatePartner(app.System, b.ID, app.PartnerInput{DistributorID: ptr(c.ID)}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.UpdatePartner(app.System, c.ID, app.PartnerInput{DistributorID: ptr(a.ID)})
	wantField(t, err, "distributor_id")
	_, err = e.svc.UpdatePartner(app.System, c.ID, app.PartnerInput{DistributorID: ptr(c.ID)})
	wantField(t, err, "distributor_id")
	if got, _ := e.svc.GetPartner(app.System, c.ID); got.DistributorID != 0 {
		t.Fatalf("a refused loop was stored: C's distributor is %d", got.DistributorID)
	}
	// Removing the distributor is allowed.
	if _, err := e.svc.UpdatePartner(app.System, a.ID, app.PartnerInput{DistributorID: ptr(uint64(0))}); err != nil {
		t.Fatal(err)
	}
}

func TestPartnerDeleteRefusals(t *testing.T) {
	e := newEnv(t)
	withUser := e.partner("Has users")
	u := e.partnerUser(withUser, "x@has.example")
	err := e.svc.DeletePartner(app.System, withUser.ID)
	wantField(t, err, "id")
	wantErr(t, err, app.ErrConflict)
	if !strings.Contains(err.Error(), "user") {
		t.Errorf("refusal does not say what to remove first: %v", err)
	}

	dist := e.partner("Distributor")
	if _, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Child"), DistributorID: ptr(dist.ID)}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.svc.DeletePartner(app.System, dist.ID), app.ErrConflict)

	paid := e.partner("Has balance")
	if _, err := e.svc.RecordBalance(app.System, paid.ID, app.BalanceInput{Amount: 100, Kind: app.LedgerTopUp, Reason: "wire 42"}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.svc.DeletePartner(app.System, paid.ID), app.ErrConflict)

	// With its user gone the partner can be deleted, and its public ID
	// no longer resolves.
	if err := e.svc.DeleteUser(app.System, u.UserID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeletePartner(app.System, withUser.ID); err != nil {
		t.Fatalf("delete after removing its users: %v", err)
	}
	_, err = e.svc.PartnerByPublicID(app.System, withUser.PublicID)
	wantErr(t, err, app.ErrNotFound)
	if got := e.searchPartners("users"); len(got) != 0 {
		t.Errorf("a deleted partner is still found: %v", got)
	}
}

func TestPartnerIsolation(t *testing.T) {
	e := newEnv(t)
	a := e.partner("Alpha Reseller")
	b := e.partner("Beta Reseller")
	alice := e.partnerUser(a, "alice@alpha.example")

	// Its own account is visible; another partner's is simply not there.
	if p, err := e.svc.GetPartner(alice, a.ID); err != nil || p.ID != a.ID {
		t.Fatalf("own partner: %+v %v", p, err)
	}
	_, err := e.svc.GetPartner(alice, b.ID)
	wantErr(t, err, app.ErrNotFound)
	_, err = e.svc.PartnerByPublicID(alice, b.PublicID)
	wantErr(t, err, app.ErrNotFound)
	_, err = e.svc.GetAccount(alice, b.ID)
	wantErr(t, err, app.ErrNotFound)
	page, err := e.svc.ListPartners(alice, app.ListParams{})
	if err != nil || page.Total != 1 || page.Items[0].ID != a.ID {
		t.Fatalf("partner's list: %+v %v", page, err)
	}

	// Operator actions are forbidden, even on its own record.
	_, err = e.svc.CreatePartner(alice, app.PartnerInput{Name: ptr("Mine")})
	wantErr(t, err, app.ErrForbidden)
	_, err = e.svc.UpdatePartner(alice, a.ID, app.PartnerInput{DiscountBP: ptr(9000)})
	wantErr(t, err, app.ErrForbidden)
	wantErr(t, e.svc.DeletePartner(alice, b.ID), app.ErrForbidden)
	if got, _ := e.svc.GetPartner(app.System, a.ID); got.DiscountBP != 3000 {
		t.Fatalf("a forbidden update changed the discount to %d", got.DiscountBP)
	}
}

func TestPartnerListing(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"Delta", "alpha", "Charlie", "bravo"} {
		e.partner(n)
	}
	if _, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Echo MSP"), Program: ptr(app.ProgramManual)}); err != nil {
		t.Fatal(err)
	}
	page, err := e.svc.ListPartners(app.System, app.ListParams{PerPage: 3})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range page.Items {
		names = append(names, p.Name)
	}
	if page.Total != 5 || !slices.Equal(names, []string{"alpha", "bravo", "Charlie"}) {
		t.Fatalf("first page by name: %d %v", page.Total, names)
	}
	page, _ = e.svc.ListPartners(app.System, app.ListParams{Filters: map[string]string{"program": "manual"}})
	if page.Total != 1 || page.Items[0].Name != "Echo MSP" {
		t.Fatalf("filter program=manual: %+v", page)
	}
	_, err = e.svc.ListPartners(app.System, app.ListParams{Sort: "balance"})
	wantField(t, err, "sort")
}
