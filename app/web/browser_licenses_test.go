package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"licensedesk/app"
)

// licShotDir is the screenshot directory of browser_test.go; only this
// test's own pictures (licenses-*.png) are replaced.
func licShotDir(t *testing.T) string {
	dir := os.Getenv("LICENSEDESK_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "licensedesk-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "licenses-*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	return dir
}

// licShot saves a full-page screenshot as licenses-NAME.png.
func licShot(b *browserRun, name string) string {
	b.t.Helper()
	b.shot(name)
	from := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name))
	to := filepath.Join(b.dir, "licenses-"+name+".png")
	if err := os.Rename(from, to); err != nil {
		b.t.Error(err)
	}
	return to
}

// newLicBrowser serves the harness on loopback and starts Chromium with
// the flags of browser_test.go.
func newLicBrowser(t *testing.T, h *uiHarness) *browserRun {
	t.Helper()
	return startBrowser(t, h, licShotDir(t), "status of 422", "status of 404")
}

func (b *browserRun) signIn(email string) {
	b.t.Helper()
	b.open("/login", `form[action="/login"]`)
	b.do("type the credentials of "+email, b.fill(`#f-email`, email), b.fill(`#f-password`, uiPassword))
	b.submit("sign in as "+email, `form[action="/login"] button[type=submit]`, `.main`)
}

// TestBrowserLicenses drives the license screens in headless Chromium:
// the operator filters, searches a key fragment, edits a note in place,
// opens a license and its history, suspends and enables it through the
// confirmation, exports CSV; then a partner sees only its own licenses.
func TestBrowserLicenses(t *testing.T) {
	w := newLicWorld(t)
	h := w.h
	// More licenses so the list looks like a working day.
	customers := []string{"Northwind Traders", "Tailspin Toys", "Wide World Importers", "Adventure Works", "Coho Winery", "Litware Inc"}
	for i, cu := range customers {
		licCreate(t, h, w.prod, w.pa.ID, "Site "+cu, cu, []string{"", "2 extra seats promised", "", "renews via PO"}[i%4], 3+4*i)
	}
	for i := range 3 {
		licCreate(t, h, w.prod, w.pb.ID, fmt.Sprintf("Beta branch %d", i+1), "Globex "+string(rune('A'+i)), "", 7+5*i)
	}
	b := newLicBrowser(t, h)
	t.Logf("screenshots: %s", b.dir)
	var shots []string

	b.signIn(w.operator)
	b.open("/licenses", `table.lic-table`)
	if got := b.text(".lic-tabs [aria-current=page]"); got != "Expiring soon" {
		t.Errorf("the list opens on %q", got)
	}
	if got := b.text("#results .pager-info"); !strings.Contains(got, "of 11") {
		t.Errorf("the default view counts %q", got)
	}
	shots = append(shots, licShot(b, "list-default"))

	// Filter by partner through the select: the URL carries it, a chip shows.
	b.do("filter by partner",
		chromedp.Evaluate[chromedp.Void](`document.documentElement.setAttribute("data-stale", "1")`),
		chromedp.SetValue(chromedp.CSS(`#f-partner_id`), fmt.Sprint(w.pb.ID)),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("f-partner_id"); if (s) { s.dispatchEvent(new Event("change", {bubbles: true})); } })()`),
		chromedp.WaitNotPresent(chromedp.CSS(`html[data-stale]`)),
		chromedp.WaitVisible(chromedp.CSS(`.chip`)),
	)
	if loc := b.eval(`location.search`); !strings.Contains(loc, fmt.Sprintf("partner_id=%d", w.pb.ID)) {
		t.Errorf("after filtering the URL is %q", loc)
	}
	if got := b.text("#results tbody"); strings.Contains(got, "Alpha") || !strings.Contains(got, "Beta office") {
		t.Errorf("partner filter shows:\n%s", got)
	}
	b.submit("remove the filter chip", `.chip a`, `table.lic-table`)

	// Wildcard search on a fragment from the middle of a key, typed in lower case.
	frag := strings.ToLower(compact(w.farA.Key)[7:11])
	b.open("/licenses?view=all", `#f-q`)
	b.do("type a wildcard search", b.fill(`#f-q`, "*"+frag+"*"))
	b.submit("search", `#lic-filters button[type=submit]`, `table.lic-table`)
	if got := b.text("#results tbody"); !strings.Contains(got, "Alpha warehouse") {
		t.Errorf("searching *%s* shows:\n%s", frag, got)
	}
	shots = append(shots, licShot(b, "list-search"))

	// Edit a note in place: pencil, type, Enter; then Esc cancels another edit.
	cell := fmt.Sprintf("#note-%d", w.farA.ID)
	b.do("edit the note in place",
		chromedp.Evaluate[chromedp.Void](`document.documentElement.setAttribute("data-same-page", "1")`),
		countSettles(),
		chromedp.Click(chromedp.CSS(cell+" .pencil")),
		chromedp.WaitVisible(chromedp.CSS(cell+` input[name="notes"]`)),
		settled(1),
		chromedp.SendKeys(chromedp.CSS(cell+` input[name="notes"]`), "moved to rack 4\r"),
		chromedp.WaitVisible(chromedp.CSS(cell+" .pencil")),
		chromedp.WaitVisible(chromedp.CSS(`html[data-same-page]`)),
	)
	if got := b.text(cell); !strings.Contains(got, "moved to rack 4") {
		t.Errorf("after saving the note the cell shows %q", got)
	}
	if l, _ := h.svc.GetLicense(app.System, w.farA.ID); l.Notes != "moved to rack 4" {
		t.Errorf("stored note %q", l.Notes)
	}
	b.do("cancel a note edit with Esc",
		countSettles(),
		chromedp.Click(chromedp.CSS(cell+" .pencil")),
		chromedp.WaitVisible(chromedp.CSS(cell+` input[name="notes"]`)),
		settled(1),
		chromedp.SendKeys(chromedp.CSS(cell+` input[name="notes"]`), " and more"),
		chromedp.KeyEvent("\x1b"),
		chromedp.WaitVisible(chromedp.CSS(cell+" .pencil")),
	)
	if l, _ := h.svc.GetLicense(app.System, w.farA.ID); l.Notes != "moved to rack 4" {
		t.Errorf("Esc saved the note: %q", l.Notes)
	}

	// Grouped by product, a group opens in place.
	b.open("/licenses?view=all&group=partner", `.lic-group`)
	b.do("open the first group",
		chromedp.Click(chromedp.CSS(`.lic-group summary`)),
		chromedp.WaitVisible(chromedp.CSS(`.lic-group[open] table.lic-table`)),
	)
	shots = append(shots, licShot(b, "list-grouped"))

	// Tick two rows: the bulk bar appears with the count.
	b.open("/licenses", `table.lic-table`)
	if vis := b.eval(`String(document.getElementById("bulk").hidden)`); vis != "true" {
		t.Error("the bulk bar shows with nothing ticked")
	}
	b.do("tick two rows",
		chromedp.Click(chromedp.CSS(`tbody tr:nth-child(1) input[name=ids]`)),
		chromedp.Click(chromedp.CSS(`tbody tr:nth-child(2) input[name=ids]`)),
		chromedp.WaitVisible(chromedp.CSS(`#bulk`)),
	)
	if got := b.text("[data-bulk-count]"); got != "2" {
		t.Errorf("bulk bar counts %q", got)
	}
	shots = append(shots, licShot(b, "list-ticked"))

	// The license page, its history, suspend and enable with the confirmation.
	b.open(fmt.Sprintf("/licenses/%d", w.farA.ID), `#hist-h`)
	if got := b.text(".lic-history"); !strings.Contains(got, "moved to rack 4") || !strings.Contains(got, w.operator) {
		t.Errorf("history shows:\n%s", got)
	}
	b.do("open the suspend confirmation",
		chromedp.Click(chromedp.CSS(`details.confirm summary`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/suspend"] button`)),
	)
	b.submit("confirm suspend", `form[action$="/suspend"] button`, `.flash`)
	if l, _ := h.svc.GetLicense(app.System, w.farA.ID); l.Status != app.StatusSuspended {
		t.Fatalf("status after suspend: %s", l.Status)
	}
	b.do("open the enable confirmation",
		chromedp.Click(chromedp.CSS(`details.confirm summary`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/enable"] button`)),
	)
	b.submit("confirm enable", `form[action$="/enable"] button`, `.flash`)
	if l, _ := h.svc.GetLicense(app.System, w.farA.ID); l.Status != app.StatusActive {
		t.Fatalf("status after enable: %s", l.Status)
	}
	shots = append(shots, licShot(b, "license-page"))

	// Export: the button's address answers CSV of the current filter.
	b.open("/licenses?customer=Fabrikam", `table.lic-table`)
	href := b.eval(`document.querySelector('a[href^="/licenses/export.csv"]').getAttribute("href")`)
	ectx, ecancel := context.WithTimeout(b.ctx, 30*time.Second)
	body, err := chromedp.Run(ectx, chromedp.Evaluate[string](`(async () => { const r = await fetch(document.querySelector('a[href^="/licenses/export.csv"]').getAttribute("href")); return r.headers.get("content-type") + "\n" + await r.text(); })()`, chromedp.EvalAwaitPromise))
	ecancel()
	if err != nil {
		t.Fatalf("fetch the export: %v", err)
	}
	if !strings.HasPrefix(body, "text/csv") || !strings.Contains(body, "Fabrikam") || strings.Contains(body, "Contoso") {
		t.Errorf("export from %s answered:\n%s", href, body)
	}

	b.mu.Lock()
	for _, p := range b.problems {
		t.Errorf("browser reported: %s", p)
	}
	b.problems = nil
	b.mu.Unlock()

	// The partner sees only its own licenses, and no partner column or filter.
	b.submit("sign out", `form[action="/logout"] button`, `form[action="/login"]`)
	b.signIn(w.userB)
	b.open("/licenses?view=all", `table.lic-table`)
	got := b.text("#results")
	if strings.Contains(got, "Alpha") || strings.Contains(got, "Contoso") || !strings.Contains(got, "Beta office") {
		t.Errorf("partner B's list shows:\n%s", got)
	}
	if n := b.eval(`String(document.querySelectorAll("#f-partner_id").length)`); n != "0" {
		t.Error("partner B is offered the partner filter")
	}
	shots = append(shots, licShot(b, "list-partner"))
	b.open(fmt.Sprintf("/licenses/%d", w.soonA.ID), `.error-card`)
	for _, s := range shots {
		t.Logf("screenshot %s", s)
	}
}
