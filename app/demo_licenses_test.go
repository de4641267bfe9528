package app_test

import (
	"testing"

	"licensedesk/app"
)

// The demo shows a living desk: licenses in every status, some expiring
// soon (the list's default view), unused coupons, and payment pending
// from the manual-program partner.
func TestFillDemoHasLicensesInEveryStatus(t *testing.T) {
	e := newEnv(t)
	res, err := e.svc.FillDemo(app.System)
	if err != nil {
		t.Fatal(err)
	}
	all, err := e.svc.ListLicenses(app.System, app.ListParams{PerPage: app.MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	if res.Licenses == 0 || all.Total != res.Licenses {
		t.Fatalf("FillDemo says %d licenses, the list has %d", res.Licenses, all.Total)
	}
	for _, st := range app.Statuses {
		p, err := e.svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"status": string(st)}})
		if err != nil || p.Total == 0 {
			t.Errorf("no demo license is %s (%v)", st, err)
		}
	}
	for view, what := range map[string]string{app.ViewExpiring: "expiring soon", app.ViewUnused: "unused"} {
		p, err := e.svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"view": view}})
		if err != nil || p.Total == 0 {
			t.Errorf("the %s view is empty in the demo (%v)", what, err)
		}
	}
	p, err := e.svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"payment_status": "pending"}})
	if err != nil || p.Total == 0 {
		t.Errorf("no demo license waits for payment (%v)", err)
	}
	// Search finds demo licenses by customer word and by key fragment.
	if p, _ := e.svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"q": "Söhne"}}); p.Total == 0 {
		t.Error("searching the demo for a customer word finds nothing")
	}
	frag := "*" + app.NormaliseKey(all.Items[0].Key)[3:8] + "*"
	if p, _ := e.svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"q": frag}}); p.Total == 0 {
		t.Errorf("searching the demo for %s finds nothing", frag)
	}
}
