package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"licensedesk/app"
)

// trShot saves a full-page screenshot as transfers-NAME.png.
func trShot(b *browserRun, name string) {
	b.t.Helper()
	b.shot(name)
	from := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.Rename(from, filepath.Join(b.dir, "transfers-"+name+".png")); err != nil {
		b.t.Error(err)
	}
}

// TestBrowserTransfers drives the hand-over in headless Chromium: partner
// A ticks two licenses, names partner B, sees the confirm page and the
// secret; B sees the count in the menu and the pending list and approves
// with the secret; the operator previews a CSV import.
func TestBrowserTransfers(t *testing.T) {
	w := newLicWorld(t)
	h := w.h
	dir := os.Getenv("LICENSEDESK_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "licensedesk-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := startBrowser(t, h, dir, "status of 422")
	t.Logf("screenshots: %s", dir)

	b.signIn(w.userA)
	b.open("/licenses?view=all", `table.lic-table`)
	b.do("tick two licenses",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="ids"][value="%d"]`, w.soonA.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="ids"][value="%d"]`, w.farA.ID))),
	)
	b.submit("hand over", `button[formaction="/transfers/new"]`, `#f-target`)
	b.do("type the target", b.fill(`#f-target`, w.pb.PublicID))
	b.submit("continue", `form[action="/transfers/new"] button[type=submit]`, `#confirm-transfer`)
	if got := b.text(".page-head"); !strings.Contains(got, "Beta Networks") {
		t.Errorf("the confirm page names %q", got)
	}
	if got := b.text("#transfer-licenses"); !strings.Contains(got, "Alpha front desk") || !strings.Contains(got, "Contoso Ltd") || !strings.Contains(got, "Alpha warehouse") {
		t.Errorf("the confirm page lists:\n%s", got)
	}
	trShot(b, "confirm")
	b.submit("start the transfer", `#confirm-transfer`, `#transfer-secret`)
	secret := b.eval(`document.getElementById("transfer-secret").value`)
	if len(secret) != 24 {
		t.Fatalf("secret on the page: %q", secret)
	}
	trShot(b, "secret")
	b.submit("sign out", `form[action="/logout"] button`, `form[action="/login"]`)

	b.signIn(w.userB)
	if got := b.text("#nav-pending-transfers"); !strings.HasPrefix(strings.TrimSpace(got), "1") {
		t.Errorf("B's menu count: %q", got)
	}
	b.open("/transfers", `#pending-count`)
	if got := b.text("#pending-count"); got != "1 waiting" {
		t.Errorf("the pending list's count: %q", got)
	}
	trShot(b, "pending")
	b.submit("open the transfer", `section[aria-labelledby="in-h"] tbody a`, `#f-secret`)
	b.do("type a wrong secret", b.fill(`#f-secret`, "2222-3333-4444-5555-6666"))
	b.submit("approve with the wrong secret", `#approve-transfer`, `#f-secret-error`)
	if got := b.text("#f-secret-error"); !strings.Contains(got, "4 tries left") {
		t.Errorf("wrong secret says %q", got)
	}
	b.do("type the secret", b.fill(`#f-secret`, secret))
	b.submit("approve", `#approve-transfer`, `.flash`)
	trShot(b, "approved")
	for _, id := range []uint64{w.soonA.ID, w.farA.ID} {
		if l, _ := h.svc.GetLicense(app.System, id); l.PartnerID != w.pb.ID {
			t.Errorf("license %d is partner %d's after approval", id, l.PartnerID)
		}
	}
	b.submit("sign out", `form[action="/logout"] button`, `form[action="/login"]`)

	// The operator previews a CSV from another desk.
	csv := filepath.Join(t.TempDir(), "other-desk.csv")
	content := "key,product,status,valid_to,customer\nAAAA-BBBB-CCCC-DDDD," + w.prod.Name + ",active,2027-01-31,Imported Co\nEEEE-FFFF-GGGG-HHHH,Unknown,active,2027-01-31,Bad Row\n"
	if err := os.WriteFile(csv, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	b.signIn(w.operator)
	b.open("/licenses/import", `#f-file`)
	b.do("choose partner and file",
		chromedp.SetValue(chromedp.CSS(`#f-partner`), w.pa.PublicID),
		chromedp.SetUploadFiles(chromedp.CSS(`#f-file`), []string{csv}),
	)
	b.submit("preview", `form[action^="/licenses/import"] button[type=submit]`, `#import-report`)
	if got := b.text("#import-rows"); !strings.Contains(got, "AAAA-BBBB-CCCC-DDDD") || !strings.Contains(got, "not a product code or name") {
		t.Errorf("preview rows:\n%s", got)
	}
	trShot(b, "import-preview")
	b.do("tick import the valid rows", chromedp.Click(chromedp.CSS(`#valid-only`)))
	b.submit("import", `#confirm-import`, `#count-imported`)
	if got := b.text("#count-imported"); got != "1" {
		t.Errorf("imported %q", got)
	}
	if l, err := h.svc.LicenseByKey(app.System, "AAAA-BBBB-CCCC-DDDD"); err != nil || l.PartnerID != w.pa.ID {
		t.Errorf("imported license: %v", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("browser problem: %s", p)
	}
}
