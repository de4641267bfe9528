package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// licWorld is a product, two partners with a login each, and licenses:
// A has an expiring, a far one and an unused one; B has one expiring.
type licWorld struct {
	h                      *uiHarness
	prod                   app.Product
	pa, pb                 app.Partner
	soonA, farA, newA      app.LicenseView
	soonB                  app.LicenseView
	operator, userA, userB string
}

func licPartner(t *testing.T, h *uiHarness, name, program string) app.Partner {
	t.Helper()
	email := strings.ToLower(strings.Fields(name)[0]) + "@partner.example"
	p, err := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name, Email: &email, Program: &program})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func licCreate(t *testing.T, h *uiHarness, prod app.Product, partner uint64, name, customer, notes string, endsIn int) app.LicenseView {
	t.Helper()
	ls, err := h.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 5, PeriodMonths: 12,
		Name: name, PartnerID: partner, Customer: customer, Notes: notes})
	if err != nil {
		t.Fatal(err)
	}
	l := ls[0]
	if endsIn != 0 {
		to := h.svc.Now().AddDate(0, 0, endsIn)
		if l, err = h.svc.EditLicense(app.System, l.ID, app.LicenseEdit{ValidTo: &to}); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func newLicWorld(t *testing.T) *licWorld {
	t.Helper()
	h := newUIHarness(t)
	w := &licWorld{h: h, prod: sampleProduct(t, h), operator: "op@example.com", userA: "anna@alpha.example", userB: "bob@beta.example"}
	w.pa = licPartner(t, h, "Alpha Systems", app.ProgramManual)
	w.pb = licPartner(t, h, "Beta Networks", app.ProgramStandard)
	h.user(w.operator, 0)
	h.user(w.userA, w.pa.ID)
	h.user(w.userB, w.pb.ID)
	w.soonA = licCreate(t, h, w.prod, w.pa.ID, "Alpha front desk", "Contoso Ltd", "call before renewal", 10)
	w.farA = licCreate(t, h, w.prod, w.pa.ID, "Alpha warehouse", "Fabrikam", "", 0)
	w.newA = licCreate(t, h, w.prod, w.pa.ID, "Alpha spare", "", "coupon for trade fair", 0)
	w.soonB = licCreate(t, h, w.prod, w.pb.ID, "Beta office", "Initech", "beta secret note", 5)
	return w
}

func compact(k string) string { return strings.ReplaceAll(k, "-", "") }

// keyShown reports whether the page lists the license's key (as grouped for reading).
func keyShown(body string, l app.LicenseView) bool {
	k := compact(l.Key)
	var b strings.Builder
	for i, r := range k {
		if i > 0 && i%5 == 0 {
			b.WriteByte('-')
		}
		b.WriteRune(r)
	}
	return strings.Contains(body, b.String())
}

func TestLicenseListDefaultsToExpiringSoon(t *testing.T) {
	w := newLicWorld(t)
	c := w.h.login(w.operator)
	resp, body := c.get("/licenses")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `aria-current="page">Expiring soon</a>`) {
		t.Error("the Expiring soon tab is not the current one by default")
	}
	if !keyShown(body, w.soonA) || !keyShown(body, w.soonB) {
		t.Error("the default view does not list the licenses ending within the window")
	}
	if keyShown(body, w.farA) || keyShown(body, w.newA) {
		t.Error("the default view lists licenses that are not expiring soon")
	}
	wantContains(t, body, "1–2 of 2", "in 10 days", "Alpha Systems", "Beta Networks", `aria-sort="ascending"`)
	// The other quick views.
	_, body = c.get("/licenses?view=unused")
	if !keyShown(body, w.newA) || keyShown(body, w.soonA) {
		t.Error("the unused view is wrong")
	}
	_, body = c.get("/licenses?view=all")
	for _, l := range []app.LicenseView{w.soonA, w.farA, w.newA, w.soonB} {
		if !keyShown(body, l) {
			t.Errorf("view=all misses %s", l.Name)
		}
	}
}

func TestLicenseListFilterInURLShowsChips(t *testing.T) {
	w := newLicWorld(t)
	c := w.h.login(w.operator)
	resp, body := c.get("/licenses?view=all&partner_id=" + id(w.pa.ID) + "&customer=fabrikam")
	wantStatus(t, resp, body, http.StatusOK)
	if !keyShown(body, w.farA) || keyShown(body, w.soonA) || keyShown(body, w.soonB) {
		t.Error("partner + customer filter did not narrow the list to Fabrikam's license")
	}
	wantContains(t, body, "Partner: Alpha Systems", "Customer: fabrikam", `aria-label="Remove filter Customer"`, "Clear all", "1–1 of 1")
	// Removing one chip keeps the other filter.
	if !strings.Contains(body, `href="/licenses?partner_id=`+id(w.pa.ID)+`&amp;view=all"`) {
		t.Error("the customer chip's × does not link to the list without that filter")
	}
	// A filter without a view searches all licenses, not the default view.
	_, body = c.get("/licenses?customer=fabrikam")
	if !keyShown(body, w.farA) {
		t.Error("a filter alone should search all licenses")
	}
	// A bad date is shown beside its filter, not as an error page.
	resp, body = c.get("/licenses?view=all&purchased_after=yesterday")
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if got := fieldError(body, "purchased_after"); !strings.Contains(got, "not a date") {
		t.Errorf("beside the bad date: %q", got)
	}
	// Sorting by a column flips its aria-sort.
	_, body = c.get("/licenses?view=all&sort=-customer")
	if !strings.Contains(body, `aria-sort="descending"><a href="/licenses?sort=customer&amp;view=all">Customer</a>`) {
		t.Error("the customer header is not marked descending")
	}
}

func TestLicenseListWildcardSearchByKeyFragment(t *testing.T) {
	w := newLicWorld(t)
	c := w.h.login(w.operator)
	frag := compact(w.farA.Key)[6:10]
	resp, body := c.get("/licenses?q=" + url.QueryEscape("*"+strings.ToLower(frag)+"*"))
	wantStatus(t, resp, body, http.StatusOK)
	if !keyShown(body, w.farA) {
		t.Fatalf("searching *%s* does not find %s", frag, w.farA.Key)
	}
	wantContains(t, body, "Search: “*"+strings.ToLower(frag)+"*”")
	// Plain words in notes, combined with a filter.
	_, body = c.get("/licenses?q=trade+fair&status=ordered")
	if !keyShown(body, w.newA) || keyShown(body, w.farA) {
		t.Error("a word search with a status filter is wrong")
	}
}

func TestLicenseNoteEditInPlace(t *testing.T) {
	w := newLicWorld(t)
	c := w.h.login(w.operator)
	c.get("/licenses")
	path := "/licenses/" + id(w.soonA.ID) + "/notes"
	hx := func(method, p string, form url.Values) (*http.Response, string) {
		var req *http.Request
		if form != nil {
			req, _ = http.NewRequest(method, p, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req, _ = http.NewRequest(method, p, nil)
		}
		req.Header.Set("HX-Request", "true")
		req.Header.Set("X-CSRF-Token", c.csrf)
		return c.do(req)
	}
	resp, body := hx("GET", path+"/edit", nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `id="note-`+id(w.soonA.ID)+`"`) || !strings.Contains(body, `name="notes" value="call before renewal"`) {
		t.Fatalf("the editor fragment:\n%s", body)
	}
	resp, body = hx("POST", path, url.Values{"notes": {"renewal agreed for 3 years"}})
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, "<html") || !strings.Contains(body, "renewal agreed for 3 years") || !strings.Contains(body, "pencil") {
		t.Fatalf("after saving, the cell:\n%s", body)
	}
	l, err := w.h.svc.GetLicense(app.System, w.soonA.ID)
	if err != nil || l.Notes != "renewal agreed for 3 years" {
		t.Fatalf("stored note %q, %v", l.Notes, err)
	}
	// A refused note is shown in the cell, still editing, nothing saved.
	resp, body = hx("POST", path, url.Values{"notes": {strings.Repeat("x", 20000)}})
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `class="field-error"`) || !strings.Contains(body, "data-note-editor") {
		t.Errorf("a too-long note is not refused in the cell:\n%.400s", body)
	}
	// Cancel gives the cell back unchanged.
	_, body = hx("GET", path, nil)
	if !strings.Contains(body, "renewal agreed for 3 years") || strings.Contains(body, "<form") {
		t.Errorf("cancel answers:\n%s", body)
	}
	// The history on the license page shows the change.
	_, body = c.get("/licenses/" + id(w.soonA.ID))
	wantContains(t, body, "History", "notes", "call before renewal", "renewal agreed for 3 years", w.operator)
}

func TestLicenseSuspendEnableThroughForms(t *testing.T) {
	w := newLicWorld(t)
	c := w.h.login(w.operator)
	page := "/licenses/" + id(w.farA.ID)
	_, body := c.get(page)
	wantContains(t, body, "Suspend…", "Confirm suspend", "Admin password", "Not set")
	// Without the token the post is refused.
	resp, _ := c.post(page+"/suspend", url.Values{"_csrf": {"forged"}})
	wantStatus(t, resp, "", http.StatusForbidden)
	resp, body = c.post(page+"/suspend", url.Values{})
	wantStatus(t, resp, body, http.StatusSeeOther)
	_, body = c.follow(resp)
	wantContains(t, body, "suspended.", "Enable…")
	if l, _ := w.h.svc.GetLicense(app.System, w.farA.ID); l.Status != app.StatusSuspended {
		t.Fatalf("status after suspend: %s", l.Status)
	}
	// Suspending again is refused with the reason, on the page.
	resp, body = c.post(page+"/suspend", url.Values{})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if formAlert(body) == "" {
		t.Error("an illegal move shows no message")
	}
	resp, body = c.post(page+"/enable", url.Values{})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if l, _ := w.h.svc.GetLicense(app.System, w.farA.ID); l.Status != app.StatusActive {
		t.Fatalf("status after enable: %s", l.Status)
	}
	_, body = c.get(page)
	wantContains(t, body, "suspend", "enable", "active", "suspended")
}

func TestLicenseBulkSuspendWithConfirmation(t *testing.T) {
	w := newLicWorld(t)
	c := w.h.login(w.operator)
	c.get("/licenses")
	ids := url.Values{"ids": {id(w.soonA.ID), id(w.soonB.ID)}, "action": {"suspend"}, "back": {"/licenses?view=all"}}
	resp, body := c.post("/licenses/bulk", ids)
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Suspend 2 licenses?", `name="confirm" value="true"`)
	if l, _ := w.h.svc.GetLicense(app.System, w.soonA.ID); l.Status != app.StatusActive {
		t.Fatal("the first step changed a license before confirmation")
	}
	ids.Set("confirm", "true")
	resp, body = c.post("/licenses/bulk", ids)
	wantStatus(t, resp, body, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/licenses?view=all" {
		t.Errorf("after the bulk action back to %q", loc)
	}
	_, body = c.follow(resp)
	wantContains(t, body, "2 licenses suspended.")
	for _, l := range []app.LicenseView{w.soonA, w.soonB} {
		if got, _ := w.h.svc.GetLicense(app.System, l.ID); got.Status != app.StatusSuspended {
			t.Errorf("%s is %s after bulk suspend", l.Name, got.Status)
		}
	}
	// One that cannot move stops all: nothing changes, the reason is shown.
	ids = url.Values{"ids": {id(w.soonA.ID), id(w.farA.ID)}, "action": {"enable"}, "confirm": {"true"}}
	resp, body = c.post("/licenses/bulk", ids)
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if !strings.Contains(formAlert(body), "nothing was changed") {
		t.Errorf("refused bulk enable says %q", formAlert(body))
	}
	if got, _ := w.h.svc.GetLicense(app.System, w.soonA.ID); got.Status != app.StatusSuspended {
		t.Error("a refused bulk action changed a license")
	}
}

func readCSV(t *testing.T, resp *http.Response, body string) [][]string {
	t.Helper()
	wantStatus(t, resp, body, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func csvHas(rows [][]string, l app.LicenseView) bool {
	for _, r := range rows[1:] {
		for _, cell := range r {
			if compact(cell) == compact(l.Key) {
				return true
			}
		}
	}
	return false
}

func TestLicenseExportFilteredAndTicked(t *testing.T) {
	w := newLicWorld(t)
	c := w.h.login(w.operator)
	_, body := c.get("/licenses?customer=fabrikam")
	if !strings.Contains(body, `href="/licenses/export.csv?customer=fabrikam&amp;view=all"`) {
		t.Error("the Export CSV button does not carry the list's filter")
	}
	rows := readCSVFn(t)(c.get("/licenses/export.csv?customer=fabrikam&view=all"))
	if len(rows) != 2 || !csvHas(rows, w.farA) {
		t.Errorf("filtered export: %v", rows)
	}
	// The default view exports what it shows: expiring soon.
	rows = readCSVFn(t)(c.get("/licenses/export.csv?view=expiring"))
	if len(rows) != 3 || !csvHas(rows, w.soonA) || !csvHas(rows, w.soonB) {
		t.Errorf("expiring export has %d rows", len(rows))
	}
	// The ticked rows only.
	resp, body := c.post("/licenses/bulk", url.Values{"ids": {id(w.newA.ID), id(w.soonB.ID)}, "action": {"export"}})
	rows = readCSVFn(t)(resp, body)
	if len(rows) != 3 || !csvHas(rows, w.newA) || !csvHas(rows, w.soonB) || csvHas(rows, w.farA) {
		t.Errorf("ticked export: %v", rows)
	}
}

// readCSV returns a checker for a (response, body) pair.
func readCSVFn(t *testing.T) func(*http.Response, string) [][]string {
	return func(resp *http.Response, body string) [][]string { return readCSV(t, resp, body) }
}

func TestLicensePagesPartnerSeesOnlyItsOwn(t *testing.T) {
	w := newLicWorld(t)
	c := w.h.login(w.userB)
	_, body := c.get("/licenses?view=all")
	if !keyShown(body, w.soonB) {
		t.Error("partner B does not see its own license")
	}
	for _, l := range []app.LicenseView{w.soonA, w.farA, w.newA} {
		if keyShown(body, l) {
			t.Errorf("partner B sees A's license %s", l.Name)
		}
	}
	if strings.Contains(body, "Alpha Systems") || strings.Contains(body, `name="partner_id"`) || strings.Contains(body, `name="distributor_id"`) {
		t.Error("the partner's list shows other partners or the partner filter")
	}
	// Another partner's filter in the URL is refused, never widened.
	_, body = c.get("/licenses?view=all&partner_id=" + id(w.pa.ID))
	if keyShown(body, w.soonA) {
		t.Error("partner_id in the URL shows another partner's license")
	}
	// A's search terms find nothing of A's.
	_, body = c.get("/licenses?q=" + url.QueryEscape("*"+compact(w.farA.Key)[5:10]+"*"))
	if keyShown(body, w.farA) {
		t.Error("a key search reaches another partner's license")
	}
	for _, p := range []string{"/licenses/" + id(w.soonA.ID), "/licenses/" + id(w.soonA.ID) + "/edit"} {
		resp, body := c.get(p)
		wantStatus(t, resp, body, http.StatusNotFound)
	}
	resp, body := c.post("/licenses/"+id(w.soonA.ID)+"/suspend", url.Values{})
	wantStatus(t, resp, body, http.StatusNotFound)
	rows := readCSVFn(t)(c.get("/licenses/export.csv?view=all"))
	if len(rows) != 2 || !csvHas(rows, w.soonB) {
		t.Errorf("partner B's export: %v", rows)
	}
	resp, body = c.post("/licenses/export", url.Values{"ids": {id(w.soonA.ID), id(w.soonB.ID)}})
	rows = readCSV(t, resp, body)
	if csvHas(rows, w.soonA) {
		t.Error("ticking another partner's id exports it")
	}
	if strings.Contains(body, "beta secret") == false && len(rows) < 2 {
		t.Error("partner B's own ticked license is missing")
	}
	// The groups never name the other partner.
	_, body = c.get("/licenses?view=all&group=customer")
	if strings.Contains(body, "Contoso") || strings.Contains(body, "Fabrikam") || !strings.Contains(body, "Initech") {
		t.Error("partner B's customer groups are wrong")
	}
	// B is on the standard program: it is told why it cannot create.
	_, body = c.get("/licenses/new")
	wantContains(t, body, "manual program")
	if strings.Contains(body, `action="/licenses"`) {
		t.Error("a standard-program partner is offered the create form")
	}
}

func TestLicenseGroupsOpenInPlace(t *testing.T) {
	w := newLicWorld(t)
	c := w.h.login(w.operator)
	resp, body := c.get("/licenses?view=all&group=partner")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Alpha Systems ("+w.pa.PublicID+")", "Beta Networks ("+w.pb.PublicID+")", "4 licenses in 2 groups")
	want := `hx-get="/licenses?part=group&amp;partner_id=` + id(w.pa.ID) + `&amp;view=all"`
	if !strings.Contains(body, want) {
		t.Fatalf("the Alpha group does not load its rows with its filter (%s)", want)
	}
	req, _ := http.NewRequest("GET", "/licenses?part=group&partner_id="+id(w.pa.ID)+"&view=all", nil)
	req.Header.Set("HX-Request", "true")
	resp, body = c.do(req)
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, "<html") || !keyShown(body, w.farA) || keyShown(body, w.soonB) {
		t.Errorf("the group fragment:\n%.500s", body)
	}
}

func TestLicenseCreateEditAssign(t *testing.T) {
	w := newLicWorld(t)
	// A manual-program partner creates two for a client: payment pending.
	a := w.h.login(w.userA)
	_, body := a.get("/licenses/new")
	wantContains(t, body, "Create licenses")
	resp, body := a.post("/licenses", url.Values{"product_edition": {id(w.prod.ID) + "/business"}, "period_months": {"12"},
		"seats": {"3"}, "count": {"2"}, "customer": {"Umbrella"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	pg, _ := w.h.svc.ListLicenses(app.Actor{Role: app.RolePartner, PartnerID: w.pa.ID}, app.ListParams{Filters: map[string]string{"customer": "Umbrella"}})
	if pg.Total != 2 || pg.Items[0].Payment != app.PaymentPending {
		t.Fatalf("created: %+v", pg)
	}
	// A mistake comes back beside its field, 422, nothing written.
	resp, body = a.post("/licenses", url.Values{"product_edition": {id(w.prod.ID) + "/business"}, "period_months": {"36"}, "seats": {"3"}, "count": {"1"}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if fieldError(body, "period_months") == "" {
		t.Error("an unoffered period has no message beside it")
	}
	all, _ := w.h.svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"view": "all"}})
	if all.Total != 6 {
		t.Errorf("licenses after a refused create: %d", all.Total)
	}

	op := w.h.login(w.operator)
	resp, body = op.get("/licenses/new")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Keep in operator stock", "Alpha Systems", "Office Shield · Business", "Order number")
	// The operator issues three to partner B, paid.
	resp, body = op.post("/licenses", url.Values{"product_edition": {id(w.prod.ID) + "/enterprise"}, "period_months": {"24"},
		"seats": {"10"}, "count": {"3"}, "partner_id": {id(w.pb.ID)}, "payment_status": {"paid"}, "order_number": {"PO-77"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	_, body = op.follow(resp)
	wantContains(t, body, "3 licenses created.", "enterprise")
	pg, _ = w.h.svc.ListLicenses(app.Actor{Role: app.RolePartner, PartnerID: w.pb.ID}, app.ListParams{Filters: map[string]string{"order_number": "PO-77"}})
	if pg.Total != 3 || pg.Items[0].Payment != app.PaymentPaid || pg.Items[0].Edition != "enterprise" {
		t.Errorf("issued to B: %+v", pg)
	}
	page := "/licenses/" + id(w.farA.ID)
	_, body = op.get(page + "/edit")
	wantContains(t, body, "Valid until", "Auto-renew", "Delete all existing registrations")
	resp, body = op.post(page, url.Values{"name": {"Warehouse 2"}, "ip": {"not-an-ip"}, "registration_key": {""}, "auto_renew": {"false"}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if fieldError(body, "ip") == "" {
		t.Error("a bad IP has no message beside it")
	}
	newEnd := time.Now().AddDate(2, 0, 0).Format("2006-01-02")
	resp, body = op.post(page, url.Values{"name": {"Warehouse 2"}, "ip": {"203.0.113.7"}, "admin_password": {"s3cret-pass"},
		"registration_key": {"REG-1"}, "auto_renew": {"true"}, "auto_renew_months": {"24"}, "valid_to": {newEnd}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	l, _ := w.h.svc.GetLicense(app.System, w.farA.ID)
	if l.Name != "Warehouse 2" || l.IP != "203.0.113.7" || !l.AdminPasswordSet || !l.AutoRenew || l.AutoRenewMonths != 24 ||
		l.ValidTo.Format("2006-01-02") != newEnd {
		t.Errorf("after edit: %+v", l)
	}
	_, body = op.get(page)
	if strings.Contains(body, "s3cret-pass") {
		t.Error("the license page shows the administrator password")
	}
	wantContains(t, body, "Set", "Warehouse 2", "REG-1")
	// The operator assigns the key to partner B.
	resp, body = op.post(page+"/assign", url.Values{"partner_id": {id(w.pb.ID)}, "customer": {"Initech"}, "customer_email": {""}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if l, _ := w.h.svc.GetLicense(app.System, w.farA.ID); l.PartnerID != w.pb.ID {
		t.Errorf("assigned to partner %d", l.PartnerID)
	}
	// Delete is confirmed and keeps the history.
	resp, body = op.post(page+"/delete", url.Values{})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if h, err := w.h.svc.LicenseHistory(app.System, w.farA.ID); err != nil || len(h) == 0 {
		t.Errorf("history after delete: %d, %v", len(h), err)
	}
}
