package web_test

import (
	"net/http"
	"strings"
	"testing"

	"licensedesk/app"
)

// A license whose transfer file is out is found with the status filter
// (its option is offered), and its badge says it is read-only.
func TestLicensesPageFiltersTransferStatuses(t *testing.T) {
	h := newUIHarness(t)
	prod := sampleProduct(t, h)
	na := "Alpha Reseller"
	pa, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &na})
	h.user("anna@alpha.example", pa.ID)
	ls, err := h.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 3, PeriodMonths: 12,
		PartnerID: pa.ID, Name: "Leaving desk", Customer: "Harbor Dental", Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	ua := app.Actor{Email: "anna@alpha.example", Role: app.RolePartner, PartnerID: pa.ID}
	if _, err := h.svc.CreateTransfer(ua, app.TransferInput{LicenseIDs: []uint64{ls[0].ID}, Target: "P-2222-3333", File: true}); err != nil {
		t.Fatal(err)
	}
	anna := h.login("anna@alpha.example")
	resp, body := anna.get("/licenses?status=transferring")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, `<option value="transferring" selected>Transferring</option>`, `<option value="transferred_out">Transferred out</option>`,
		`title="Read-only while it is being transferred to another desk; still valid for the customer"`, ls[0].Key)
	wantMissing(t, body, ls[1].Key)
	resp, body = anna.get("/licenses?status=transferred_out")
	wantStatus(t, resp, body, http.StatusOK)
	wantMissing(t, body, ls[0].Key, ls[1].Key)
}

func wantMissing(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Errorf("page shows %q", p)
		}
	}
}
