package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"licensedesk/app"
)

// TestTransferPagesHandOverAndApprove: partner A ticks a license, names
// partner B, sees the confirm page and the secret once; B sees the count
// in the menu and the pending list, a wrong secret is refused beside the
// field, the right one moves the license.
func TestTransferPagesHandOverAndApprove(t *testing.T) {
	h := newUIHarness(t)
	prod := sampleProduct(t, h)
	na, nb := "Alpha Reseller", "Beta MSP"
	pa, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &na})
	pb, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &nb})
	h.user("anna@alpha.example", pa.ID)
	h.user("ben@beta.example", pb.ID)
	ls, err := h.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 3, PeriodMonths: 12,
		PartnerID: pa.ID, Name: "Front desk", Customer: "Harbor Dental", IP: "10.9.8.7"})
	if err != nil {
		t.Fatal(err)
	}
	lid := id(ls[0].ID)
	anna := h.login("anna@alpha.example")

	// The form from ticked rows, then a bad target, then the confirm page.
	resp, body := anna.post("/transfers/new", url.Values{"ids": {lid}, "action": {"transfer"}})
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Receiving partner ID", "Front desk")
	resp, body = anna.post("/transfers/new", url.Values{"ids": {lid}, "target": {"P-2222-3333"}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if msg := fieldError(body, "target"); !strings.Contains(msg, "no partner P-2222-3333") {
		t.Errorf("unknown target: %q", msg)
	}
	resp, body = anna.post("/transfers/new", url.Values{"ids": {lid}, "target": {pb.PublicID}})
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Beta MSP", "Front desk", "Harbor Dental", "10.9.8.7", "Start the transfer")
	if n, _ := h.svc.ListTransfers(app.System, app.TransferFilter{}); len(n) != 0 {
		t.Fatal("the confirm page started a transfer")
	}
	resp, body = anna.post("/transfers", url.Values{"ids": {lid}, "target": {pb.PublicID}})
	wantStatus(t, resp, body, http.StatusCreated)
	m := regexp.MustCompile(`id="transfer-secret" type="text" readonly value="([A-Z0-9-]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret on the page: %.2000s", body)
	}
	secret := m[1]
	wantContains(t, body, "shown only this once", "Beta MSP")

	// B: count in the menu, the pending list, the transfer page.
	ben := h.login("ben@beta.example")
	_, body = ben.get("/")
	if !strings.Contains(body, `id="nav-pending-transfers"`) {
		t.Error("no pending count in B's menu")
	}
	_, body = ben.get("/transfers")
	wantContains(t, body, "Pending import approval", "Alpha Reseller", "1 waiting")
	trs, _ := h.svc.ListTransfers(app.System, app.TransferFilter{})
	tid := id(trs[0].ID)
	resp, body = ben.get("/transfers/" + tid)
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Front desk", "Harbor Dental", "Approve and take the licenses")
	if strings.Contains(body, ls[0].Key) {
		t.Error("the receiver sees the key before approving")
	}
	resp, body = ben.post("/transfers/"+tid+"/approve", url.Values{"secret": {"2222-3333-4444-5555-6666"}})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if msg := fieldError(body, "secret"); !strings.Contains(msg, "4 tries left") {
		t.Errorf("wrong secret: %q", msg)
	}
	resp, _ = ben.post("/transfers/"+tid+"/approve", url.Values{"secret": {strings.ToLower(secret)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	if l, _ := h.svc.GetLicense(app.System, ls[0].ID); l.PartnerID != pb.ID {
		t.Errorf("license is partner %d's", l.PartnerID)
	}
	_, body = ben.get("/")
	if strings.Contains(body, `id="nav-pending-transfers"`) {
		t.Error("the count stays after approval")
	}
	// A third party's transfer page is a 404.
	nc := "Gamma"
	pc, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &nc})
	h.user("cleo@gamma.example", pc.ID)
	resp, body = h.login("cleo@gamma.example").get("/transfers/" + tid)
	wantStatus(t, resp, body, http.StatusNotFound)
}

// TestLicenseImportPagePreviewThenImport: the operator uploads a CSV,
// sees every row's outcome, nothing written; then imports the valid rows.
func TestLicenseImportPagePreviewThenImport(t *testing.T) {
	h := newUIHarness(t)
	prod := sampleProduct(t, h)
	na := "Alpha Reseller"
	pa, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &na})
	h.user("ops@desk.example", 0)
	op := h.login("ops@desk.example")
	resp, body := op.get("/licenses/import")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Import licenses from a CSV", "Alpha Reseller")
	csv := "key,product,status,valid_to\nAAAA-BBBB-CCCC-DDDD," + prod.Name + ",active,2027-01-31\nEEEE-FFFF-GGGG-HHHH,nope,active,2027-01-31\n"
	resp, body = op.upload("/licenses/import", map[string]string{"partner": pa.PublicID}, "file", "licenses.csv", csv)
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Preview: nothing is written yet", "AAAA-BBBB-CCCC-DDDD", "not a product code or name", "Import the 1 valid new rows")
	if _, err := h.svc.LicenseByKey(app.System, "AAAA-BBBB-CCCC-DDDD"); err == nil {
		t.Fatal("the preview imported")
	}
	token := regexp.MustCompile(`name="token" value="([0-9]+)"`).FindStringSubmatch(body)
	if token == nil {
		t.Fatal("no upload token on the preview")
	}
	// Without the tick a file with problems imports nothing.
	resp, body = op.upload("/licenses/import", map[string]string{"partner": pa.PublicID, "token": token[1], "confirm": "true"}, "", "", "")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Nothing was imported")
	if _, err := h.svc.LicenseByKey(app.System, "AAAA-BBBB-CCCC-DDDD"); err == nil {
		t.Fatal("a file with an invalid row imported without the tick")
	}
	resp, body = op.upload("/licenses/import", map[string]string{"partner": pa.PublicID, "token": token[1], "confirm": "true", "valid_only": "true"}, "", "", "")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, `id="count-imported">1<`)
	if l, err := h.svc.LicenseByKey(app.System, "AAAA-BBBB-CCCC-DDDD"); err != nil || l.PartnerID != pa.ID {
		t.Fatalf("imported: %+v %v", l, err)
	}
}

// upload posts a multipart form as the upload forms do: the CSRF token in
// the address, the fields and (when name is set) one file.
func (c *uiClient) upload(path string, fields map[string]string, field, name, content string) (*http.Response, string) {
	c.h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if field != "" {
		fw, _ := mw.CreateFormFile(field, name)
		fw.Write([]byte(content))
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, path+"?_csrf="+url.QueryEscape(c.csrf), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}
