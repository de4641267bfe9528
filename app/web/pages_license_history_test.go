package web

import (
	"fmt"
	"strings"
	"testing"

	"licensedesk/app"
)

// The license page shows one page of the history, newest first, with a
// pager over the exact total, instead of every entry the license has.
func TestLicensePagePagesTheHistory(t *testing.T) {
	w, _, prod := opWithProduct(t)
	p := w.partner("Northwind")
	ls, err := w.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", PeriodMonths: 12, Seats: 1, PartnerID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	id := ls[0].ID
	for i := 1; i <= 40; i++ {
		if _, err := w.svc.SetNotes(app.System, id, fmt.Sprintf("note number %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	all, err := w.svc.LicenseHistory(app.System, id)
	if err != nil || len(all) < 41 {
		t.Fatalf("%d history entries, %v", len(all), err)
	}
	oc := w.session("ops@example.com")
	r := w.do(oc, "GET", "/licenses/"+uintString(id), "")
	wantStatus(t, "license page", r, 200)
	body := string(r.body)
	if !strings.Contains(body, fmt.Sprintf("1–25 of %d", len(all))) || !strings.Contains(body, "<ins>note number 40</ins>") || strings.Contains(body, "<ins>note number 15</ins>") {
		t.Errorf("the license page does not show the newest 25 of %d history entries with a pager", len(all))
	}
	r = w.do(oc, "GET", "/licenses/"+uintString(id)+"?page=2", "")
	wantStatus(t, "license page 2", r, 200)
	body = string(r.body)
	if !strings.Contains(body, fmt.Sprintf("26–%d of %d", min(50, len(all)), len(all))) || !strings.Contains(body, "<ins>note number 15</ins>") || strings.Contains(body, "<ins>note number 16</ins>") {
		t.Errorf("the license page's second page does not show history entries 26 on of %d", len(all))
	}
}
