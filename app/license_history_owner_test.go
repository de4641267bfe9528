package app_test

import (
	"testing"

	"licensedesk/app"
)

// After the operator moves a license to another partner, the new owner
// sees the history of its own time only; the operator sees all of it.
func TestHistoryOfPreviousOwnerStaysPrivate(t *testing.T) {
	e := newEnv(t)
	op := e.operator("ops@desk.example")
	a := e.partner("Harbor IT")
	b := e.partner("Summit Systems")
	prod := e.product("sentinel")
	ls, err := e.svc.CreateLicenses(op, app.LicenseCreate{ProductID: prod.ID, Edition: "business", PeriodMonths: 12, Seats: 5, PartnerID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	id := ls[0].ID
	ua := e.partnerUser(a, "anna@harbor.example")
	if _, err := e.svc.SetNotes(ua, id, "Harbor's private note about its customer"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AssignLicense(op, id, app.AssignInput{PartnerID: &b.ID}); err != nil {
		t.Fatal(err)
	}
	ub := e.partnerUser(b, "sam@summit.example")
	if _, err := e.svc.SetNotes(ub, id, "Summit's note"); err != nil {
		t.Fatal(err)
	}
	hb, err := e.svc.LicenseHistory(ub, id)
	if err != nil {
		t.Fatal(err)
	}
	// Notes travel with the license, so B's own edit may show Harbor's
	// note as the old value; what B must not see is Harbor's time.
	for _, h := range hb {
		if h.Actor == "anna@harbor.example" || h.PartnerID != b.ID {
			t.Errorf("the new owner reads an entry of the previous owner's time: %+v", h)
		}
	}
	if len(hb) == 0 || hb[0].New != "Summit's note" {
		t.Errorf("the new owner's own change is missing from its history: %+v", hb)
	}
	all, err := e.svc.LicenseHistory(op, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) <= len(hb) {
		t.Errorf("the operator sees %d entries, the new owner %d: the operator should see the whole history", len(all), len(hb))
	}
	if _, err := e.svc.LicenseHistory(ua, id); err != app.ErrNotFound {
		t.Errorf("the previous owner can still read the history: %v", err)
	}
}
