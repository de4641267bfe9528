package app_test

import (
	"errors"
	"fmt"
	"testing"

	"licensedesk/app"
)

// The license history pages from its counters: the exact total (all of
// it for the operator, the owner's own time for a partner), newest first,
// each entry on one page, the same entries LicenseHistory reads.
func TestLicenseHistoryPagesWithTheExactTotal(t *testing.T) {
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
	for i := range 9 {
		if _, err := e.svc.SetNotes(ua, id, fmt.Sprintf("harbor note %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.AssignLicense(op, id, app.AssignInput{PartnerID: &b.ID}); err != nil {
		t.Fatal(err)
	}
	ub := e.partnerUser(b, "sam@summit.example")
	for i := range 12 {
		if _, err := e.svc.SetNotes(ub, id, fmt.Sprintf("summit note %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, who := range []struct {
		name string
		a    app.Actor
	}{{"operator", op}, {"owner", ub}} {
		all, err := e.svc.LicenseHistory(who.a, id)
		if err != nil {
			t.Fatal(err)
		}
		if who.name == "owner" && len(all) < 12 || who.name == "operator" && len(all) < 21 {
			t.Fatalf("%s: only %d entries in the history", who.name, len(all))
		}
		var paged []app.HistoryEntry
		for pg := 1; pg <= (len(all)+6)/7+1; pg++ {
			page, err := e.svc.LicenseHistoryPage(who.a, id, app.ListParams{Page: pg, PerPage: 7})
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != len(all) || page.Page != pg || page.PerPage != 7 {
				t.Fatalf("%s page %d: total %d (want %d), page %d per_page %d", who.name, pg, page.Total, len(all), page.Page, page.PerPage)
			}
			if want := min(7, max(0, len(all)-(pg-1)*7)); len(page.Items) != want {
				t.Fatalf("%s page %d: %d items, want %d", who.name, pg, len(page.Items), want)
			}
			paged = append(paged, page.Items...)
		}
		for i := range all {
			if paged[i].ID != all[i].ID || paged[i].New != all[i].New {
				t.Fatalf("%s: entry %d paged %+v, want %+v", who.name, i, paged[i], all[i])
			}
			if i > 0 && paged[i].ID >= paged[i-1].ID {
				t.Fatalf("%s: entry %d (id %d) not older than the one before (id %d)", who.name, i, paged[i].ID, paged[i-1].ID)
			}
		}
		if who.name == "owner" && paged[0].New != "summit note 11" {
			t.Errorf("the owner's newest entry is %+v", paged[0])
		}
	}
	if _, err := e.svc.LicenseHistoryPage(ua, id, app.ListParams{}); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("the previous owner pages the history: %v", err)
	}
}
