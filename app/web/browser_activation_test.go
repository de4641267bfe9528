package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"licensedesk/app"
)

// actShot saves a full-page screenshot as activation-NAME.png, replacing
// only this test's pictures.
func actShot(b *browserRun, name string) {
	b.t.Helper()
	b.shot(name)
	from := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.Rename(from, filepath.Join(b.dir, "activation-"+name+".png")); err != nil {
		b.t.Error(err)
	}
}

func actLicense(t *testing.T, h *uiHarness, prod app.Product, partner uint64, name string, seats int) app.LicenseView {
	t.Helper()
	ls, err := h.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: seats, PeriodMonths: 12, Name: name, PartnerID: partner})
	if err != nil {
		t.Fatal(err)
	}
	return ls[0]
}

func actLink(t *testing.T, h *uiHarness, id uint64) string {
	t.Helper()
	l, err := h.svc.GetActivationLink(app.System, id)
	if err != nil || l.Path == "" {
		t.Fatalf("link of %d: %+v %v", id, l, err)
	}
	return l.Path
}

// TestBrowserActivation drives activation in headless Chromium: a
// customer opens a link and activates as a new customer; another link is
// activated by an existing customer with the code mailed to them; the
// partner activates a third license for a customer on the license page
// and removes a machine from another.
func TestBrowserActivation(t *testing.T) {
	h := newUIHarness(t)
	prod := sampleProduct(t, h)
	pa := licPartner(t, h, "Alpha Systems", app.ProgramStandard)
	h.user("anna@alpha.example", pa.ID)
	partner := app.Actor{Email: "anna@alpha.example", Role: app.RolePartner, PartnerID: pa.ID}
	l1 := actLicense(t, h, prod, pa.ID, "Head office", 5)
	l2 := actLicense(t, h, prod, pa.ID, "Branch", 2)
	l3 := actLicense(t, h, prod, pa.ID, "Lab", 3)
	l4 := actLicense(t, h, prod, pa.ID, "Workshop", 2)
	erika := "erika@contoso.example"
	if _, err := h.svc.CreateCustomer(partner, app.CustomerInput{Name: ptrS("Erika Muster"), Company: ptrS("Contoso"), Email: &erika, Country: ptrS("DE")}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"lab-pc-01", "lab-pc-02"} {
		if _, err := h.svc.ClientActivate(app.ClientCall{Key: l4.Key, Fingerprint: m, Hostname: m + ".lab", Addr: "127.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	b := startBrowser(t, h, licShotDir(t), "status of 422", "status of 404")

	// 1. A new customer activates from the link.
	link1 := actLink(t, h, l1.ID)
	b.open(link1, `form[action="`+link1+`"]`)
	page := b.text(".activate-card")
	if !strings.Contains(page, prod.Name) || !strings.Contains(page, "Business") || !strings.Contains(page, "Alpha Systems") {
		t.Errorf("activation page shows:\n%s", page)
	}
	if strings.Contains(page, "€") || strings.Contains(page, "EUR") {
		t.Errorf("activation page shows a price:\n%s", page)
	}
	actShot(b, "page")
	b.do("fill the new customer form",
		b.fill(`#f-name`, "Max Mustermann"),
		b.fill(`#f-company`, "Fabrikam GmbH"),
		b.fill(`#f-email`, "max@fabrikam.example"),
		b.fill(`#f-country`, "at"),
	)
	b.submit("activate as a new customer", `form[action="`+link1+`"] button[type=submit]`, `.act-ok`)
	if got := b.text("#act-key"); compact(got) != compact(l1.Key) {
		t.Errorf("done page shows key %q, want %s", got, l1.Key)
	}
	actShot(b, "done")
	if l, _ := h.svc.GetLicense(app.System, l1.ID); l.Status != app.StatusActive || l.CustomerEmail != "max@fabrikam.example" {
		t.Errorf("after activation: %s %s", l.Status, l.CustomerEmail)
	}
	// The link is used up.
	b.open(link1, `.activate-card h1`)
	if got := b.text(".activate-card h1"); got != "This link cannot be used" {
		t.Errorf("reused link: %q", got)
	}

	// 2. An existing customer confirms the address with a code.
	link2 := actLink(t, h, l2.ID)
	b.open(link2, `#f-existing_email`)
	b.do("type the existing customer's email", b.fill(`#f-existing_email`, erika))
	b.submit("ask for a code", `form[action="`+link2+`/code"] button[type=submit]`, `#f-code`)
	actShot(b, "code")
	outbox, err := h.svc.ListOutbox(app.System, app.ListParams{PerPage: 50, Filters: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	code := ""
	for _, m := range outbox.Items {
		if m.Kind == "activation_code" && m.To[0] == erika {
			code = regexp.MustCompile(`\b\d{6}\b`).FindString(m.Text)
		}
	}
	if code == "" {
		t.Fatal("no code mailed")
	}
	b.do("type the code", b.fill(`#f-code`, code))
	b.submit("activate as the existing customer", `form[action="`+link2+`/confirm"] button[type=submit]`, `.act-ok`)
	if got := b.text(".act-ok"); !strings.Contains(got, "Erika Muster") {
		t.Errorf("done for %q", got)
	}

	// 3. The partner activates a license for a new customer on its page.
	b.signIn("anna@alpha.example")
	b.open(fmt.Sprintf("/licenses/%d", l3.ID), `#activation`)
	if got := b.eval(`document.getElementById("act-url").value`); !strings.HasSuffix(got, actLink(t, h, l3.ID)) {
		t.Errorf("link shown %q", got)
	}
	actShot(b, "license-unused")
	b.do("pick a new customer",
		chromedp.SetValue(chromedp.CSS(`#f-customer_id`), "new"),
		b.fill(`#f-new_name`, "Jane Roe"),
		b.fill(`#f-new_email`, "jane@tailspin.example"),
		b.fill(`#f-new_country`, "GB"),
	)
	b.submit("activate for the customer", `form.act-for button[type=submit]`, `.flash`)
	if got := b.text(".flash"); !strings.Contains(got, "jane@tailspin.example") {
		t.Errorf("flash %q", got)
	}
	if got := b.text("#cust-h + .facts"); !strings.Contains(got, "Jane Roe") {
		t.Errorf("customer section %q", got)
	}
	actShot(b, "license-activated")
	// The free-text customer is now a link to the record.
	b.submit("open the customer record", `#assign-h + .facts a[href^="/customers/"]`, `.customers, h1`)
	if got := b.text("h1"); got != "Jane Roe" {
		t.Errorf("customer page %q", got)
	}
	b.open("/customers", `table.customers`)
	if got := b.text("table.customers tbody"); !strings.Contains(got, "Jane Roe") || !strings.Contains(got, "Erika Muster") || !strings.Contains(got, "Max Mustermann") {
		t.Errorf("customers list:\n%s", got)
	}
	actShot(b, "customers")

	// 4. Machines: remove one of two.
	b.open(fmt.Sprintf("/licenses/%d", l4.ID), `#machines`)
	if got := b.text("#machines tbody"); !strings.Contains(got, "lab-pc-01") || !strings.Contains(got, "lab-pc-02.lab") {
		t.Errorf("machines:\n%s", got)
	}
	actShot(b, "machines")
	b.do("open the remove confirmation", chromedp.Click(chromedp.CSS(`#machines tbody tr:first-child summary`)))
	b.submit("remove a machine", `#machines tbody tr:first-child form button[type=submit]`, `.flash`)
	if got := b.text("#machines tbody"); strings.Contains(got, "lab-pc-01") || !strings.Contains(got, "lab-pc-02") {
		t.Errorf("after removing lab-pc-01:\n%s", got)
	}
	if st, _ := h.svc.ClientValidate(app.ClientCall{Key: l4.Key, Fingerprint: "lab-pc-01", Addr: "127.0.0.1"}); st.Code != app.CodeMachineNotActivated {
		t.Errorf("removed machine validates as %s", st.Code)
	}
	for _, p := range b.problems {
		t.Errorf("browser problem: %s", p)
	}
}

func ptrS(s string) *string { return &s }
