package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"licensedesk/app"
)

// TestBrowserLicenseViews: in headless Chromium the operator sorts by
// customer, groups by customer and pages through the groups (the page
// in the URL), groups by partner, opens a group in place and pages its
// rows there.
func TestBrowserLicenseViews(t *testing.T) {
	w := newLicWorld(t)
	h := w.h
	for i := range 70 {
		if _, err := h.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: w.prod.ID, Edition: "business", Seats: 5,
			PeriodMonths: 12, Name: fmt.Sprintf("Site %02d", i), PartnerID: w.pa.ID, Customer: fmt.Sprintf("Client %02d", 69-i)}); err != nil {
			t.Fatal(err)
		}
	}
	b := newLicBrowser(t, h)
	t.Logf("screenshots: %s", b.dir)
	b.signIn(w.operator)

	// Sorted by customer: "Client 00" first (the empty customer sorts
	// before every name).
	b.open("/licenses?view=all&sort=customer", `table.lic-table`)
	rows := b.text("#results tbody")
	if i, j := strings.Index(rows, "Client 00"), strings.Index(rows, "Client 01"); i < 0 || j < 0 || i > j {
		t.Errorf("sorted by customer the first page shows:\n%.600s", rows)
	}
	licShot(b, "sorted-customer")

	// Grouped by customer, by name: 74 groups, 50 on the first page.
	b.open("/licenses?view=all&group=customer&gsort=name", `.lic-group`)
	if n := b.eval(`String(document.querySelectorAll(".lic-group").length)`); n != "50" {
		t.Errorf("the first page of groups holds %s groups", n)
	}
	if got := b.text(".lic-group-head"); !strings.Contains(got, "in 74 groups") {
		t.Errorf("the groups count %q", got)
	}
	b.do("go to the next page of groups",
		chromedp.Click(chromedp.CSS(`nav[aria-label="Pages of groups"] a[rel=next]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav[aria-label="Pages of groups"] a[rel=prev]`)),
	)
	if loc := b.eval(`location.search`); !strings.Contains(loc, "page=2") || !strings.Contains(loc, "group=customer") {
		t.Errorf("the second page of groups is at %q", loc)
	}
	if n := b.eval(`String(document.querySelectorAll(".lic-group").length)`); n != "24" {
		t.Errorf("the second page of groups holds %s groups", n)
	}
	licShot(b, "groups-page-2")

	// Grouped by partner, Alpha (73 licenses) opens in place, 50 rows,
	// then the next 23 in place.
	b.open("/licenses?view=all&group=partner", `.lic-group`)
	b.do("open the largest group",
		chromedp.Click(chromedp.CSS(`.lic-group summary`)),
		chromedp.WaitVisible(chromedp.CSS(`.lic-group[open] table.lic-table`)),
	)
	if n := b.eval(`String(document.querySelectorAll(".lic-group[open] tbody tr").length)`); n != "50" {
		t.Errorf("the opened group shows %s rows", n)
	}
	b.do("page the group's rows in place",
		chromedp.Click(chromedp.CSS(`.lic-group[open] .lic-group-more a[hx-get]`)),
		chromedp.WaitVisible(chromedp.CSS(`.lic-group[open] .lic-group-more`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll(".lic-group[open] tbody tr").length === 23`),
	)
	if got := b.eval(`document.querySelector(".lic-group[open] .lic-group-rows").innerText`); !strings.Contains(got, "51–73 of 73") {
		t.Errorf("the group's second page says %q", got)
	}
	licShot(b, "group-partner-open")
}
