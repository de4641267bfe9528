package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"licensedesk/app"
)

// TestBrowserOutboxAndChart drives the outbox and the dashboard chart in
// headless Chromium: the chart is drawn with the stylesheet's colours (no
// inline style under the CSP), the operator reads a mail to send by hand,
// copies its text, marks it sent; nothing logs an error or breaks the CSP.
func TestBrowserOutboxAndChart(t *testing.T) {
	h := newUIHarness(t)
	h.user("ops@desk.example", 0)
	code, name, cur := "monthly-av", "Monthly AV", "EUR"
	eds := []app.Edition{{Code: "business", Name: "Business"}}
	periods := []int{1}
	prices := []app.Price{{Edition: "business", PeriodMonths: 1, PerSeat: 500}}
	active := true
	prod, err := h.svc.CreateProduct(app.System, app.ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices, Active: &active})
	if err != nil {
		t.Fatal(err)
	}
	pn := "Harbor IT"
	p, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &pn})
	if _, err := h.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 1,
		Count: 4, PartnerID: p.ID, Customer: "Novak AG"}); err != nil {
		t.Fatal(err)
	}
	m := queueTestMail(t, h.svc, p.ID, "Your Harbor key")

	b := startBrowser(t, h, screenshotDir(t))
	b.signIn("ops@desk.example")
	b.open("/", `svg.chart rect.bar`)
	if n := b.eval(`String(document.querySelectorAll("svg.chart rect.bar").length)`); n == "0" {
		t.Fatal("no bars drawn")
	}
	// The bar's colour comes from the stylesheet: the third series
	// (manual renewal, issue 12), #2f9e44.
	if fill := b.eval(`getComputedStyle(document.querySelector("svg.chart rect.bar.s2")).fill`); fill != "rgb(47, 158, 68)" {
		t.Errorf("the bar is filled %q, not the stylesheet's colour", fill)
	}
	if title := b.eval(`document.querySelector("svg.chart rect.bar title").textContent`); !strings.Contains(title, "Manual: 4") {
		t.Errorf("bar title %q", title)
	}
	b.shot("dashboard-chart")

	b.open("/outbox", `a[href="/outbox/`+strconv.FormatUint(m.ID, 10)+`"]`)
	b.shot("outbox")
	b.submit("open the mail", `a[href="/outbox/`+strconv.FormatUint(m.ID, 10)+`"]`, `#mail-body`)
	if body := b.eval(`document.querySelector("#mail-body").value`); !strings.Contains(body, "Price: 12,50 €") || !strings.Contains(body, "<script>alert(1)</script>") {
		t.Errorf("the text to copy reads %q", body)
	}
	b.do("copy the text", chromedp.Click(chromedp.CSS(`button[data-copy="mail-body"]`)))
	b.shot("outbox-mail")
	b.submit("mark it sent by hand", `form[action$="/sent-by-hand"] button`, `.flash, [role=status]`)
	if got, _ := h.svc.GetMail(app.System, m.ID); got.State != app.MailSent || !got.SentByHand {
		t.Errorf("after marking in the browser: %+v", got)
	}

	b.mu.Lock()
	for _, p := range b.problems {
		t.Errorf("browser reported: %s", p)
	}
	b.mu.Unlock()
}
