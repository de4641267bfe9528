package web

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"licensedesk/app"
)

// TestTransferAPIShapes drives the in-desk hand-over through the API as
// scripts do, then two desks' file and receipt exchange.
func TestTransferAPIShapes(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	body := fmt.Sprintf(`{"license_ids":[%d],"target":%q}`, wd.aLicense, wd.b.PublicID)
	got := w.do(wd.aToken, "POST", "/api/v1/transfers", body)
	if got.status != 201 {
		t.Fatalf("create: %d %s", got.status, got.body)
	}
	var tr struct {
		ID     uint64 `json:"id"`
		State  string `json:"state"`
		Secret string `json:"secret"`
	}
	got.json(t, &tr)
	if tr.ID == 0 || tr.State != "pending" || len(tr.Secret) != 24 {
		t.Fatalf("created %s", got.body)
	}
	// The secret is in that answer only.
	one := w.do(wd.aToken, "GET", fmt.Sprint("/api/v1/transfers/", tr.ID), "")
	if one.status != 200 || strings.Contains(string(one.body), tr.Secret) {
		t.Fatalf("read back: %d %s", one.status, one.body)
	}
	// B lists it as incoming, A as outgoing.
	var lists struct {
		Incoming []app.Transfer `json:"incoming"`
		Outgoing []app.Transfer `json:"outgoing"`
	}
	w.do(wd.bToken, "GET", "/api/v1/transfers", "").json(t, &lists)
	if !hasTransfer(lists.Incoming, tr.ID) || hasTransfer(lists.Outgoing, tr.ID) {
		t.Errorf("B's lists: %+v", lists)
	}
	lists.Incoming, lists.Outgoing = nil, nil
	w.do(wd.aToken, "GET", "/api/v1/transfers", "").json(t, &lists)
	if hasTransfer(lists.Incoming, tr.ID) || !hasTransfer(lists.Outgoing, tr.ID) {
		t.Errorf("A's lists: %+v", lists)
	}
	// A wrong secret: 422 naming the field, nothing moved.
	bad := w.do(wd.bToken, "POST", fmt.Sprint("/api/v1/transfers/", tr.ID, "/approve"), `{"secret":"2222-2222-2222-2222-2222"}`)
	if bad.status != 422 || bad.apiError(t).Error.Field != "secret" {
		t.Fatalf("wrong secret: %d %s", bad.status, bad.body)
	}
	ok := w.do(wd.bToken, "POST", fmt.Sprint("/api/v1/transfers/", tr.ID, "/approve"), fmt.Sprintf(`{"secret":%q}`, tr.Secret))
	if ok.status != 200 || !strings.Contains(string(ok.body), `"state":"approved"`) {
		t.Fatalf("approve: %d %s", ok.status, ok.body)
	}
	if l, _ := w.svc.GetLicense(app.System, wd.aLicense); l.PartnerID != wd.b.ID {
		t.Errorf("license is partner %d's after approval", l.PartnerID)
	}
	// An in-desk transfer has no file.
	if got := w.do(wd.aToken, "GET", fmt.Sprint("/api/v1/transfers/", tr.ID, "/file"), ""); got.status != 422 {
		t.Errorf("file of an in-desk transfer: %d", got.status)
	}
}

func hasTransfer(ts []app.Transfer, id uint64) bool {
	for _, t := range ts {
		if t.ID == id {
			return true
		}
	}
	return false
}

// TestTransferFileOverTheAPI: the file is text from GET .../file, and
// POST /api/v1/transfers/import takes that text; an upload over
// max_upload is refused from its declared length.
func TestTransferFileOverTheAPI(t *testing.T) {
	cfg := app.Defaults()
	cfg.MaxUpload = 64 << 10
	dst := newWebEnvWith(t, cfg)
	src := newWorld(t)
	dst.user("ops@example.com", 0)
	op := dst.bearer("ops@example.com")
	target := dst.partner("Receiving Reseller")
	code, name, cur := "antivirus-pro", "Antivirus Pro", "EUR"
	eds := []app.Edition{{Code: "business", Name: "Business"}}
	periods := []int{12}
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 1999}}
	if _, err := dst.svc.CreateProduct(app.System, app.ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices}); err != nil {
		t.Fatal(err)
	}
	got := src.w.do(src.aToken, "POST", "/api/v1/transfers", fmt.Sprintf(`{"license_ids":[%d],"target":%q,"file":true}`, src.aLicense, target.PublicID))
	if got.status != 201 {
		t.Fatalf("create: %d %s", got.status, got.body)
	}
	var tr app.Transfer
	got.json(t, &tr)
	file := src.w.do(src.aToken, "GET", fmt.Sprint("/api/v1/transfers/", tr.ID, "/file"), "")
	if file.status != 200 || !strings.HasPrefix(file.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("file: %d %s", file.status, file.header)
	}
	imp := dst.do(op, "POST", "/api/v1/transfers/import", string(file.body))
	if imp.status != 201 {
		t.Fatalf("import: %d %s", imp.status, imp.body)
	}
	again := dst.do(op, "POST", "/api/v1/transfers/import", string(file.body))
	if again.status != 422 || !strings.Contains(string(again.body), "already imported") {
		t.Errorf("second import: %d %s", again.status, again.body)
	}
	// Over max_upload: refused before the body is read.
	req := httptest.NewRequest("POST", "/api/v1/transfers/import", strings.NewReader(strings.Repeat("0", 1<<20)))
	req.Header.Set("Authorization", "Bearer "+op.token)
	resp, err := dst.f.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 413 {
		t.Errorf("upload over max_upload: %d", resp.StatusCode)
	}
	// Other routes keep body_limit.
	big := strings.Repeat(" ", cfg.BodyLimit+1)
	if got := dst.do(op, "POST", "/api/v1/transfers", big); got.status != 413 {
		t.Errorf("a JSON body over body_limit: %d", got.status)
	}
}

// TestLicenseCSVImportAPI: a dry run reports and writes nothing; the
// import writes; a partner is refused.
func TestLicenseCSVImportAPI(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	csv := "key,product,status,valid_to,customer\nAAAA-BBBB-CCCC-DDDD,antivirus-pro,active,2027-01-31,Imported Co\n"
	path := "/api/v1/licenses/import?partner=" + wd.b.PublicID
	op := w.bearer("ops@example.com")
	dry := w.do(op, "POST", path+"&dry_run=true", csv)
	var rep app.CSVImportReport
	dry.json(t, &rep)
	if dry.status != 200 || rep.New != 1 || rep.Imported != 0 {
		t.Fatalf("dry run: %d %s", dry.status, dry.body)
	}
	if _, err := w.svc.LicenseByKey(app.System, "AAAA-BBBB-CCCC-DDDD"); err == nil {
		t.Fatal("the dry run imported")
	}
	got := w.do(op, "POST", path, csv)
	if got.status != 201 {
		t.Fatalf("import: %d %s", got.status, got.body)
	}
	l, err := w.svc.LicenseByKey(app.System, "AAAA-BBBB-CCCC-DDDD")
	if err != nil || l.PartnerID != wd.b.ID || l.Customer != "Imported Co" {
		t.Fatalf("imported license %+v, %v", l, err)
	}
	if got := w.do(wd.aToken, "POST", path, csv); got.status != 403 {
		t.Errorf("partner import: %d", got.status)
	}
}

// TestLicenseCSVImportStrictBooleans: a misspelt boolean in the query
// (dry_run=yes) is refused naming the parameter and imports nothing;
// it never falls back to false and turns the dry run into an import.
func TestLicenseCSVImportStrictBooleans(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	csv := "key,product,status,valid_to,customer\nAAAA-BBBB-CCCC-EEEE,antivirus-pro,active,2027-01-31,Imported Co\n"
	path := "/api/v1/licenses/import?partner=" + wd.b.PublicID
	op := w.bearer("ops@example.com")
	for _, q := range []string{"&dry_run=yes", "&dry_run=True", "&dry_run=on", "&dry_run=t", "&dry_run=truee",
		"&dry_run=true&valid_only=yes", "&valid_only=y", "&valid_only=2"} {
		got := w.do(op, "POST", path+q, csv)
		var e struct {
			Error apiError `json:"error"`
		}
		got.json(t, &e)
		want := "dry_run"
		if strings.Contains(q, "valid_only") {
			want = "valid_only"
		}
		if got.status != 422 || e.Error.Field != want || !strings.Contains(e.Error.Message, want) {
			t.Errorf("%s: %d %s, want 422 naming %s", q, got.status, got.body, want)
		}
		if _, err := w.svc.LicenseByKey(app.System, "AAAA-BBBB-CCCC-EEEE"); err == nil {
			t.Fatalf("%s imported", q)
		}
	}
	for _, q := range []string{"&dry_run=1", "&dry_run=true&valid_only=0", "&dry_run=1&valid_only=true"} {
		got := w.do(op, "POST", path+q, csv)
		var rep app.CSVImportReport
		got.json(t, &rep)
		if got.status != 200 || !rep.DryRun || rep.New != 1 || rep.Imported != 0 {
			t.Errorf("%s: %d %s, want a dry run", q, got.status, got.body)
		}
	}
	got := w.do(op, "POST", path+"&dry_run=0&valid_only=", csv)
	var rep app.CSVImportReport
	got.json(t, &rep)
	if got.status != 201 || rep.DryRun || rep.Imported != 1 {
		t.Fatalf("dry_run=0: %d %s, want an import", got.status, got.body)
	}
}
