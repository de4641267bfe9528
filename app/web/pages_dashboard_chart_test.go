package web_test

import (
	"net/http"
	"strings"
	"testing"

	"licensedesk/app"
)

// The dashboard draws licenses expiring in the next weeks once there are
// some; a partner's chart counts only its own.
func TestDashboardExpiringChart(t *testing.T) {
	h := newUIHarness(t)
	h.user("ops@desk.example", 0)
	op := h.login("ops@desk.example")
	resp, body := op.get("/")
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, "Expiring soon") {
		t.Fatal("a chart with nothing to show")
	}

	code, name, cur := "monthly-av", "Monthly AV", "EUR"
	eds := []app.Edition{{Code: "business", Name: "Business"}}
	periods := []int{1}
	prices := []app.Price{{Edition: "business", PeriodMonths: 1, PerSeat: 500}}
	active := true
	prod, err := h.svc.CreateProduct(app.System, app.ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices, Active: &active})
	if err != nil {
		t.Fatal(err)
	}
	pn, qn := "Harbor IT", "Other Co"
	p, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &pn})
	q, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &qn})
	for _, x := range []struct {
		partner uint64
		n       int
	}{{p.ID, 3}, {q.ID, 2}} {
		if _, err := h.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 1,
			Count: x.n, PartnerID: x.partner, Customer: "Novak AG"}); err != nil {
			t.Fatal(err)
		}
	}
	resp, body = op.get("/")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Expiring soon", `<svg class="chart"`, "Licenses expiring per week, next 12 weeks", ", Manual: 5</title>")
	h.user("anna@harbor.example", p.ID)
	resp, body = h.login("anna@harbor.example").get("/")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Expiring soon", ", Manual: 3</title>")
	if strings.Contains(body, "Manual: 5") {
		t.Error("the partner's chart counts another partner's licenses")
	}
}
