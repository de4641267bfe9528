package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

func TestOrderConfirmationInOutboxWithoutSMTP(t *testing.T) {
	s := newShop(t, 10000)
	o := s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(2)}})
	ls, err := s.svc.OrderLicenses(s.pa, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := s.svc.ListOutbox(s.pa, app.ListParams{})
	if err != nil || pg.Total != 1 {
		t.Fatalf("%d mails for the partner, %v", pg.Total, err)
	}
	m := pg.Items[0]
	if m.State != app.MailManual || m.Kind != "order_confirmation" || m.To[0] != "alice@alpha.example" || !strings.Contains(m.Subject, o.Number) {
		t.Fatalf("mail %+v", m)
	}
	for _, l := range ls {
		// Each key with its live activation link (a token, not the key).
		if l.ActivationPath == "" || !strings.Contains(m.Text, l.Key+"  "+l.ActivationPath) || strings.Contains(m.Text, "/activate/"+l.Key) {
			t.Fatalf("mail lacks key %s and its link:\n%s", l.Key, m.Text)
		}
	}
	// A refused purchase writes no mail.
	_, _, err = s.svc.PlaceOrder(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(5)}}, "")
	var sf *app.ShortfallError
	if !errors.As(err, &sf) {
		t.Fatalf("want a shortfall, got %v", err)
	}
	// Resend adds a second mail; another partner cannot.
	if err := s.svc.ResendConfirmation(s.pa, o.ID); err != nil {
		t.Fatal(err)
	}
	other := s.partnerUser(s.partner("Beta"), "bob@beta.example")
	if err := s.svc.ResendConfirmation(other, o.ID); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("foreign resend: %v", err)
	}
	if pg, _ := s.svc.ListOutbox(s.pa, app.ListParams{}); pg.Total != 2 || !strings.HasPrefix(pg.Items[0].Subject, "Again:") {
		t.Fatalf("after resend: %d mails", pg.Total)
	}
	if pg, _ := s.svc.ListOutbox(other, app.ListParams{}); pg.Total != 0 {
		t.Fatalf("Beta sees %d of Alpha's mails", pg.Total)
	}
}

func TestOrderConfirmationSentThroughSMTPWithRetry(t *testing.T) {
	e, ss := newMailEnv(t)
	s := &shop{env: e, op: e.operator("ops@example.com"), p: e.partner("Alpha Reseller"), product: e.product("antivirus")}
	s.pa = e.partnerUser(s.p, "alice@alpha.example")
	if _, err := e.svc.RecordBalance(s.op, s.p.ID, app.BalanceInput{Amount: 100000, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		t.Fatal(err)
	}
	ss.refuseNext(errBusy)
	o := s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(1)}})
	sendDue(t, e.svc)
	if len(ss.received()) != 0 {
		t.Fatal("the server refused the first try, yet it has the mail")
	}
	pg, _ := e.svc.ListOutbox(app.System, app.ListParams{})
	if pg.Total != 1 || pg.Items[0].State != app.MailQueued || pg.Items[0].Attempts != 1 {
		t.Fatalf("after a refusal: %+v", pg.Items)
	}
	e.clk.Advance(2 * time.Hour)
	sendDue(t, e.svc)
	got := ss.received()
	if len(got) != 1 || got[0].To[0] != "alice@alpha.example" || !strings.Contains(string(got[0].Data), o.Number) {
		t.Fatalf("received %d mails", len(got))
	}
	if m := mustGetMail(t, e.svc, pg.Items[0].ID); m.State != app.MailSent {
		t.Fatalf("state %s after the retry", m.State)
	}
}
