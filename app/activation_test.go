package app_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
	"licensedesk/licensefile"
)

func (c *clientEnv) link(id uint64) string {
	c.t.Helper()
	l, err := c.svc.GetActivationLink(app.System, id)
	if err != nil {
		c.t.Fatal(err)
	}
	tok, ok := strings.CutPrefix(l.Path, "/activate/")
	if !ok || len(tok) < 22 { // ≥ 128 bits in base64
		c.t.Fatalf("link %+v", l)
	}
	return tok
}

// mails lists the outbox, newest first.
func (c *clientEnv) mails() []app.Mail {
	c.t.Helper()
	p, err := c.svc.ListOutbox(app.System, app.ListParams{PerPage: app.MaxPerPage})
	if err != nil {
		c.t.Fatal(err)
	}
	return p.Items
}

func (c *clientEnv) mail(kind, to string) app.Mail {
	c.t.Helper()
	for _, m := range c.mails() {
		if m.Kind == kind && len(m.To) == 1 && strings.Contains(m.To[0], to) {
			return m
		}
	}
	c.t.Fatalf("no %s mail to %s in %+v", kind, to, c.mails())
	return app.Mail{}
}

func newCustomer(name, email string) app.CustomerInput {
	return app.CustomerInput{Name: ptr(name), Company: ptr("Acme GmbH"), Email: ptr(email), Country: ptr("de")}
}

func TestActivationLinkNewCustomer(t *testing.T) {
	c := newClientEnv(t)
	l := c.license(3)
	tok := c.link(l.ID)
	o, err := c.svc.GetActivationOffer(tok, "203.0.113.9")
	if err != nil || o.Product != c.product.Name || o.Edition != "Business" || o.Seats != 3 || o.PeriodMonths != 12 || o.Reseller != "Alpha Reseller" {
		t.Fatalf("offer %+v %v", o, err)
	}
	done, err := c.svc.ActivateAsNewCustomer(tok, "203.0.113.9", newCustomer("Erika Muster", "Erika@Example.com"))
	if err != nil {
		t.Fatal(err)
	}
	now := c.clk.Now()
	got, _ := c.svc.GetLicense(app.System, l.ID)
	if got.Status != app.StatusActive || !got.ValidFrom.Equal(now) || !got.ValidTo.Equal(now.AddDate(1, 0, 0)) ||
		got.CustomerEmail != "erika@example.com" || got.Customer != "Erika Muster (Acme GmbH)" {
		t.Fatalf("license after activation: %+v", got.License)
	}
	cust, err := c.svc.LicenseCustomer(app.System, l.ID)
	if err != nil || cust == nil || cust.ID != done.Customer.ID || cust.Country != "DE" || cust.PartnerID != c.partner.ID {
		t.Fatalf("customer record %+v %v", cust, err)
	}
	// Who and when are in the history.
	h, _ := c.svc.LicenseHistory(app.System, l.ID)
	if h[0].Action != "activate.link" || h[0].Actor != "erika@example.com" || !h[0].At.Equal(now) {
		t.Fatalf("history %+v", h[0])
	}
	// The customer's mail holds the key and a license file that verifies.
	m := c.mail("activation", "erika@example.com")
	if !strings.Contains(m.Text, app.FormatKey(app.NormaliseKey(l.Key))) || len(m.Attachments) != 1 {
		t.Fatalf("mail %+v", m)
	}
	att, err := c.svc.GetAttachment(app.System, m.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := c.svc.ClientPublicKey()
	p, err := licensefile.Verify(att.Data, k.Public, "any-machine", now)
	if err != nil || p.Key != l.Key || p.Machine != "" {
		t.Fatalf("attached file: %+v %v", p, err)
	}
	// The token is single-use.
	if _, err := c.svc.GetActivationOffer(tok, "203.0.113.9"); !errors.Is(err, app.ErrActivationLink) {
		t.Fatalf("offer after use: %v", err)
	}
	if _, err := c.svc.ActivateAsNewCustomer(tok, "203.0.113.9", newCustomer("Max", "max@example.com")); !errors.Is(err, app.ErrActivationLink) {
		t.Fatalf("replayed token: %v", err)
	}
	link, _ := c.svc.GetActivationLink(app.System, l.ID)
	if link.Path != "" || link.UsedAt == nil || link.UsedBy != "erika@example.com" {
		t.Fatalf("link after use %+v", link)
	}
}

// A license's link is mailed at most five times in 15 minutes: a sixth
// is refused (and nothing queued) until the window has passed.
func TestActivationLinkMailsAreLimited(t *testing.T) {
	c := newClientEnv(t)
	l := c.license(1)
	p := c.partnerUser(c.partner, "alice@alpha.example")
	for i := range 5 {
		if _, err := c.svc.MailActivationLink(p, l.ID, fmt.Sprintf("it%d@customer.example", i), "http://desk"); err != nil {
			t.Fatalf("mail %d: %v", i+1, err)
		}
	}
	if _, err := c.svc.MailActivationLink(p, l.ID, "victim@example.com", "http://desk"); !errors.Is(err, app.ErrRateLimited) {
		t.Fatalf("a sixth mail in the window: %v", err)
	}
	pg, err := c.svc.ListOutbox(app.System, app.ListParams{PerPage: 50})
	if err != nil || pg.Total != 5 {
		t.Fatalf("%d mails queued, want 5 (%v)", pg.Total, err)
	}
	// Another license of the partner is not held up; the window passes.
	if _, err := c.svc.MailActivationLink(p, c.license(1).ID, "it@customer.example", "http://desk"); err != nil {
		t.Fatalf("another license: %v", err)
	}
	c.clk.Advance(16 * time.Minute)
	if _, err := c.svc.MailActivationLink(p, l.ID, "it@customer.example", "http://desk"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestActivationLinkRevokeRegenerateAndGuessing(t *testing.T) {
	c := newClientEnv(t)
	l := c.license(1)
	p := c.partnerUser(c.partner, "alice@alpha.example")
	old := c.link(l.ID)
	nl, err := c.svc.RegenerateActivationLink(p, l.ID)
	if err != nil || nl.Path == "" || nl.Path == "/activate/"+old {
		t.Fatalf("regenerate: %+v %v", nl, err)
	}
	if _, err := c.svc.GetActivationOffer(old, "203.0.113.1"); !errors.Is(err, app.ErrActivationLink) {
		t.Fatalf("old link after regenerate: %v", err)
	}
	fresh := strings.TrimPrefix(nl.Path, "/activate/")
	if _, err := c.svc.GetActivationOffer(fresh, "203.0.113.1"); err != nil {
		t.Fatalf("new link: %v", err)
	}
	if rl, err := c.svc.RevokeActivationLink(p, l.ID); err != nil || rl.Path != "" || !rl.Revoked {
		t.Fatalf("revoke: %+v %v", rl, err)
	}
	if _, err := c.svc.ActivateAsNewCustomer(fresh, "203.0.113.1", newCustomer("Erika", "e@example.com")); !errors.Is(err, app.ErrActivationLink) {
		t.Fatalf("revoked link: %v", err)
	}
	if got, _ := c.svc.GetLicense(app.System, l.ID); got.Status != app.StatusOrdered {
		t.Fatalf("revoked link activated: %s", got.Status)
	}
	// Another partner cannot touch the link.
	q := c.partnerUser(c.env.partner("Beta Reseller"), "bob@beta.example")
	for name, f := range map[string]func() error{
		"get":        func() error { _, err := c.svc.GetActivationLink(q, l.ID); return err },
		"regenerate": func() error { _, err := c.svc.RegenerateActivationLink(q, l.ID); return err },
		"revoke":     func() error { _, err := c.svc.RevokeActivationLink(q, l.ID); return err },
		"mail":       func() error { _, err := c.svc.MailActivationLink(q, l.ID, "x@example.com", "http://desk"); return err },
		"activate": func() error {
			_, err := c.svc.ActivateForCustomer(q, l.ID, app.CustomerChoice{New: ptr(newCustomer("X", "x@example.com"))})
			return err
		},
	} {
		if err := f(); !errors.Is(err, app.ErrNotFound) {
			t.Errorf("another partner's %s: %v", name, err)
		}
	}
	// Forged, truncated and garbage tokens are refused alike, and
	// guessing from one address is locked out.
	forged := []byte(fresh)
	forged[len(forged)-1] ^= 1
	for _, tok := range []string{string(forged), fresh[:10], "", strings.Repeat("A", app.ActivationTokenLen), "../../etc/passwd", "\x00"} {
		if _, err := c.svc.GetActivationOffer(tok, "203.0.113.2"); !errors.Is(err, app.ErrActivationLink) {
			t.Fatalf("token %q: %v", tok, err)
		}
	}
	for i := 0; i < 20; i++ {
		c.svc.GetActivationOffer("nope", "203.0.113.3")
	}
	nl, _ = c.svc.RegenerateActivationLink(p, l.ID)
	if _, err := c.svc.GetActivationOffer(strings.TrimPrefix(nl.Path, "/activate/"), "203.0.113.3"); !errors.Is(err, app.ErrRateLimited) {
		t.Fatalf("after 20 bad tokens: %v", err)
	}
	c.reopen()
	if !c.audited("activation.locked", "activation page", "203.0.113.3") {
		t.Fatal("lock-out not audited")
	}
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

func TestActivationLinkExistingCustomer(t *testing.T) {
	c := newClientEnv(t)
	p := c.partnerUser(c.partner, "alice@alpha.example")
	cust, err := c.svc.CreateCustomer(p, newCustomer("Erika Muster", "erika@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	l := c.license(1)
	tok := c.link(l.ID)
	// A new-customer form with a known address points to the code.
	if _, err := c.svc.ActivateAsNewCustomer(tok, "203.0.113.4", newCustomer("Erika", "erika@example.com")); err == nil {
		t.Fatal("a second record for a known address")
	} else {
		wantField(t, err, "email")
	}
	// An unknown address gets the same answer and no mail.
	if err := c.svc.SendActivationCode(tok, "203.0.113.4", "nobody@example.com"); err != nil {
		t.Fatal(err)
	}
	for _, m := range c.mails() {
		if m.Kind == "activation_code" {
			t.Fatalf("code mailed to an unknown address: %+v", m)
		}
	}
	if err := c.svc.SendActivationCode(tok, "203.0.113.4", "ERIKA@example.com"); err != nil {
		t.Fatal(err)
	}
	code := codeRE.FindString(c.mail("activation_code", "erika@example.com").Text)
	if code == "" {
		t.Fatal("no code in the mail")
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if _, err := c.svc.ActivateAsExistingCustomer(tok, "203.0.113.4", "erika@example.com", wrong); err == nil {
		t.Fatal("wrong code accepted")
	}
	if _, err := c.svc.ActivateAsExistingCustomer(tok, "203.0.113.4", "other@example.com", code); err == nil {
		t.Fatal("code accepted for another address")
	}
	done, err := c.svc.ActivateAsExistingCustomer(tok, "203.0.113.4", "erika@example.com", code)
	if err != nil {
		t.Fatal(err)
	}
	if done.Customer.ID != cust.ID {
		t.Fatalf("activated for %+v, want the existing record %d", done.Customer, cust.ID)
	}
	ls, err := c.svc.CustomerLicenses(p, cust.ID)
	if err != nil || len(ls) != 1 || ls[0].ID != l.ID {
		t.Fatalf("customer's licenses %+v %v", ls, err)
	}
	c.mail("activation", "erika@example.com")
	// The code is used up with the link.
	if _, err := c.svc.ActivateAsExistingCustomer(tok, "203.0.113.4", "erika@example.com", code); !errors.Is(err, app.ErrActivationLink) {
		t.Fatalf("code replayed: %v", err)
	}
}

func TestActivationCodeTriesAndExpiry(t *testing.T) {
	c := newClientEnv(t)
	p := c.partnerUser(c.partner, "alice@alpha.example")
	if _, err := c.svc.CreateCustomer(p, newCustomer("Erika", "erika@example.com")); err != nil {
		t.Fatal(err)
	}
	l := c.license(1)
	tok := c.link(l.ID)
	if err := c.svc.SendActivationCode(tok, "203.0.113.5", "erika@example.com"); err != nil {
		t.Fatal(err)
	}
	code := codeRE.FindString(c.mail("activation_code", "erika@example.com").Text)
	for i := 0; i < 5; i++ {
		bad := "99999" + string(rune('0'+i))
		if bad == code {
			bad = "888888"
		}
		c.svc.ActivateAsExistingCustomer(tok, "203.0.113.5", "erika@example.com", bad)
	}
	if _, err := c.svc.ActivateAsExistingCustomer(tok, "203.0.113.5", "erika@example.com", code); err == nil {
		t.Fatal("the right code after 5 wrong ones")
	}
	if err := c.svc.SendActivationCode(tok, "203.0.113.5", "erika@example.com"); err != nil {
		t.Fatal(err)
	}
	code = codeRE.FindString(c.mails()[0].Text)
	c.clk.Advance(16 * time.Minute)
	if _, err := c.svc.ActivateAsExistingCustomer(tok, "203.0.113.5", "erika@example.com", code); err == nil {
		t.Fatal("an expired code")
	}
	if got, _ := c.svc.GetLicense(app.System, l.ID); got.Status != app.StatusOrdered {
		t.Fatalf("license %s", got.Status)
	}
}

func TestActivateForCustomerByPartner(t *testing.T) {
	c := newClientEnv(t)
	p := c.partnerUser(c.partner, "alice@alpha.example")
	l1, l2 := c.license(1), c.license(2)
	done, err := c.svc.ActivateForCustomer(p, l1.ID, app.CustomerChoice{New: ptr(newCustomer("Erika", "erika@example.com"))})
	if err != nil {
		t.Fatal(err)
	}
	if done.License.Status != app.StatusActive || done.Customer.PartnerID != c.partner.ID {
		t.Fatalf("%+v", done)
	}
	// The second license for the same, now existing, customer.
	if _, err := c.svc.ActivateForCustomer(p, l2.ID, app.CustomerChoice{ID: done.Customer.ID}); err != nil {
		t.Fatal(err)
	}
	ls, _ := c.svc.CustomerLicenses(p, done.Customer.ID)
	if len(ls) != 2 {
		t.Fatalf("customer's licenses: %d", len(ls))
	}
	n := 0
	for _, m := range c.mails() {
		if m.Kind == "activation" && m.To[0] == "erika@example.com" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d activation mails, want 2", n)
	}
	h, _ := c.svc.LicenseHistory(p, l2.ID)
	if h[0].Action != "activate.partner" || h[0].Actor != "alice@alpha.example" {
		t.Fatalf("history %+v", h[0])
	}
	// Activating again is refused; another partner's customer is not found.
	if _, err := c.svc.ActivateForCustomer(p, l2.ID, app.CustomerChoice{ID: done.Customer.ID}); err == nil {
		t.Fatal("activated twice")
	}
	q := c.partnerUser(c.env.partner("Beta Reseller"), "bob@beta.example")
	ql, err := c.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: c.product.ID, Edition: "business", Seats: 1, PeriodMonths: 12, PartnerID: q.PartnerID, Name: "B"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.svc.ActivateForCustomer(q, ql[0].ID, app.CustomerChoice{ID: done.Customer.ID}); err == nil {
		t.Fatal("partner B activated for partner A's customer")
	} else {
		wantField(t, err, "customer_id")
	}
	if _, err := c.svc.GetCustomer(q, done.Customer.ID); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("partner B reads A's customer: %v", err)
	}
}
