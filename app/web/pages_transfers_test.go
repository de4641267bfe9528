package web_test

import (
	"net/http"
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
