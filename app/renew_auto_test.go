package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

func (r *renewShop) autoRenew(id uint64) {
	r.t.Helper()
	if _, err := r.svc.EditLicense(r.pa, id, app.LicenseEdit{AutoRenew: ptr(true)}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *renewShop) setEmail() {
	r.t.Helper()
	if _, err := r.svc.UpdatePartner(r.op, r.p.ID, app.PartnerInput{Email: ptr("billing@alpha.example")}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *renewShop) runJobs() {
	r.t.Helper()
	if err := r.svc.RunDueJobs(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// mails lists the outbox's mails of a kind, oldest first.
func (r *renewShop) mails(kind string) []app.Mail {
	r.t.Helper()
	pg, err := r.svc.ListOutbox(app.System, app.ListParams{PerPage: app.MaxPerPage})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []app.Mail
	for i := len(pg.Items) - 1; i >= 0; i-- {
		if pg.Items[i].Kind == kind {
			out = append(out, pg.Items[i])
		}
	}
	return out
}

func (r *renewShop) validTo(id uint64) time.Time {
	r.t.Helper()
	l, err := r.svc.GetLicense(app.System, id)
	if err != nil {
		r.t.Fatal(err)
	}
	return *l.ValidTo
}

func TestAutoRenewOnTimeOnceAcrossDays(t *testing.T) {
	r := newRenewShop(t, 1_000_000)
	r.autoRenew(r.lic.ID)
	end := *r.lic.ValidTo
	q, err := r.svc.QuoteRenewal(r.pa, r.lic.ID, app.RenewInput{Periods: 1})
	if err != nil {
		t.Fatal(err)
	}
	before := r.balance()
	r.clk.Set(end.AddDate(0, 0, -10))
	r.runJobs()
	if got := r.validTo(r.lic.ID); !got.Equal(end) {
		t.Fatalf("renewed 10 days early (window 7): %s", got)
	}
	// Day by day across two weeks: renewed once, on the first day of the window.
	for range 14 {
		r.clk.Advance(24 * time.Hour)
		r.runJobs()
		r.runJobs() // twice the same day: nothing more
	}
	if got := r.validTo(r.lic.ID); !got.Equal(end.AddDate(1, 0, 0)) {
		t.Fatalf("valid_to %s after two weeks of runs; want one period on: %s", got, end.AddDate(1, 0, 0))
	}
	if charged := before - r.balance(); charged != q.Total.Amount {
		t.Fatalf("auto-renew charged %d; one renewal costs %d", charged, q.Total.Amount)
	}
	h, _ := r.svc.LicenseHistory(r.pa, r.lic.ID)
	n := 0
	for _, e := range h {
		if e.Action == "auto_renew" && e.Field == "valid_to" {
			n++
			if e.Actor != "auto-renew" {
				t.Fatalf("history names %q", e.Actor)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d auto-renewals in the history; want 1", n)
	}
}

func TestAutoRenewShortBalanceTellsThePartner(t *testing.T) {
	r := newRenewShop(t, 1000) // less than the 38.46 a renewal costs
	r.setEmail()
	r.autoRenew(r.lic.ID)
	end := *r.lic.ValidTo
	r.clk.Set(end.AddDate(0, 0, -5))
	r.runJobs()
	r.runJobs()
	if got := r.validTo(r.lic.ID); !got.Equal(end) {
		t.Fatal("renewed without the balance to pay for it")
	}
	if r.balance() != 1000 {
		t.Fatal("a renewal the balance did not cover took money")
	}
	ms := r.mails("auto_renew_short")
	if len(ms) != 1 || ms[0].To[0] != "billing@alpha.example" || !strings.Contains(ms[0].Text, r.lic.Key) || !strings.Contains(ms[0].Subject, "28.46 EUR") {
		t.Fatalf("shortfall mails %+v; want one naming %s and the 28.46 EUR needed", ms, r.lic.Key)
	}
	// The banner: the partner sees its license and the sum needed.
	sf, err := r.svc.AutoRenewShortfalls(r.pa)
	if err != nil {
		t.Fatal(err)
	}
	if len(sf) != 1 || len(sf[0].Items) != 1 || sf[0].Items[0].Key != r.lic.Key || sf[0].Needed.Amount != 2846 {
		t.Fatalf("banner %+v", sf)
	}
	other := r.partner("Beta Reseller")
	if sf, _ := r.svc.AutoRenewShortfalls(r.partnerUser(other, "bob@beta.example")); len(sf) != 0 {
		t.Fatalf("another partner's banner shows %+v", sf)
	}
	// The next day it tries again (and mails again); after a top-up it renews.
	r.clk.Advance(24 * time.Hour)
	r.runJobs()
	if n := len(r.mails("auto_renew_short")); n != 2 {
		t.Fatalf("%d shortfall mails after the second day; want 2", n)
	}
	if _, err := r.svc.RecordBalance(r.op, r.p.ID, app.BalanceInput{Amount: 5000, Kind: app.LedgerTopUp, Reason: "wire 2"}); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(24 * time.Hour)
	r.runJobs()
	if got := r.validTo(r.lic.ID); !got.Equal(end.AddDate(1, 0, 0)) {
		t.Fatalf("not renewed after the top-up: %s", got)
	}
	if sf, _ := r.svc.AutoRenewShortfalls(r.pa); len(sf) != 0 {
		t.Fatalf("banner still shows %+v", sf)
	}
	if n := len(r.mails("auto_renew_short")); n != 2 {
		t.Fatalf("%d shortfall mails; want no more once renewed", n)
	}
}

func TestAutoRenewCatchesUpAfterDowntime(t *testing.T) {
	r := newRenewShop(t, 1_000_000)
	r.autoRenew(r.lic.ID)
	end := *r.lic.ValidTo
	r.clk.Set(end.AddDate(0, 0, -20))
	r.runJobs() // the jobs have run before the desk went down
	r.reopen()
	r.clk.Set(end.AddDate(0, 0, 10)) // down across the expiry
	r.reopen()
	r.runJobs()
	l, err := r.svc.GetLicense(r.pa, r.lic.ID)
	if err != nil {
		t.Fatal(err)
	}
	if l.Status != app.StatusActive || !l.ValidTo.Equal(end.AddDate(1, 0, 0)) {
		t.Fatalf("after downtime: %s to %s; want active, renewed from its expiry to %s", l.Status, l.ValidTo, end.AddDate(1, 0, 0))
	}
	r.runJobs()
	if got := r.validTo(r.lic.ID); !got.Equal(end.AddDate(1, 0, 0)) {
		t.Fatalf("a second run moved it to %s", got)
	}
}

func TestRemindersDigestAndCustomerMails(t *testing.T) {
	r := newRenewShop(t, 1000)
	r.setEmail()
	start := r.clk.Now()
	r.runJobs() // the desk has been running its jobs
	// A coupon bought now lapses 12 months on.
	coupon := r.unused("business", 5, "")
	r.unused("business", 5, "") // a second one, lapsing the same day
	// 20 days later: a manual license and an auto-renew one.
	r.clk.Set(start.AddDate(0, 0, 20))
	manual := r.active("Business", 5, "")
	auto := r.active("Business", 5, "")
	r.autoRenew(auto.ID)
	// 40 days later one that expires after the window.
	r.clk.Set(start.AddDate(0, 0, 60))
	later := r.active("Business", 5, "")
	// r.lic expires at start+12 months; now = 12 months after start − 25 days + ...
	now := start.AddDate(1, 0, -5) // the coupons lapse in 5 days, r.lic expires in 5, manual/auto in 15
	r.clk.Set(now)
	d, err := r.svc.PreviewDigest(r.pa, 0)
	if err != nil {
		t.Fatal(err)
	}
	keys := func(ls []app.DigestLicense) string {
		var ks []string
		for _, l := range ls {
			ks = append(ks, l.Key)
		}
		return strings.Join(ks, ",")
	}
	if got := keys(d.Expiring); got != r.lic.Key+","+manual.Key {
		t.Fatalf("expiring %s; want %s,%s (not the auto-renew one, not the one after the window %s)", got, r.lic.Key, manual.Key, later.Key)
	}
	if len(d.Short) != 1 || d.Short[0].Key != auto.Key || d.Needed.Amount != 3846-1000 {
		t.Fatalf("auto-renew short %+v needed %v", d.Short, d.Needed)
	}
	if got := keys(d.Coupons); !strings.Contains(got, coupon.Key) || len(d.Coupons) != 2 {
		t.Fatalf("coupons %s; want the two bought at the start", got)
	}
	// Another partner cannot preview this one's digest.
	other := r.partner("Beta Reseller")
	if _, err := r.svc.PreviewDigest(r.partnerUser(other, "bob@beta.example"), r.p.ID); err != app.ErrNotFound {
		t.Fatalf("another partner's preview: %v", err)
	}

	// On demand: one mail; asked again the same day, refused.
	if _, err := r.svc.SendDigestNow(r.pa, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.SendDigestNow(r.pa, 0); err == nil {
		t.Fatal("a second digest the same day was sent")
	}
	ms := r.mails("reminder_digest")
	if len(ms) != 1 || !strings.Contains(ms[0].Text, manual.Key) || !strings.Contains(ms[0].Text, auto.Key) || !strings.Contains(ms[0].Text, coupon.Key) || strings.Contains(ms[0].Text, later.Key) {
		t.Fatalf("digest mails %+v", ms)
	}

	// Weekly: the job sends on the reminder day (Monday), once; of the
	// weeks missed while the clock jumped a year, only the latest.
	if n := len(ms); n != 1 {
		t.Fatalf("%d digests", n)
	}
	r.runJobs()
	if n := len(r.mails("reminder_digest")); n != 2 {
		t.Fatalf("%d digests after catching up a year of weeks; want the on-demand one and last Monday's", n)
	}
	for range 8 {
		r.clk.Advance(24 * time.Hour)
		r.runJobs()
		r.runJobs()
	}
	ms = r.mails("reminder_digest")
	if len(ms) != 3 {
		t.Fatalf("%d digests after a week of runs; want one more, on Monday", len(ms))
	}

	// Customers: mailed 3 days before expiry, once per license and date.
	cm := r.mails("customer_expiry")
	for _, m := range cm {
		if m.To[0] != "it@customer.example" {
			t.Fatalf("customer mail to %v", m.To)
		}
	}
	got := map[string]bool{}
	for _, m := range cm {
		for _, k := range []string{manual.Key, auto.Key, r.lic.Key} {
			if strings.Contains(m.Text, k) {
				if got[k] {
					t.Fatalf("two customer mails for %s", k)
				}
				got[k] = true
			}
		}
	}
	if !got[r.lic.Key] || got[manual.Key] {
		t.Fatalf("customer mails for %v; want %s (expired during the week) and not %s (expires later)", got, r.lic.Key, manual.Key)
	}
}

func TestCustomerMailsCanBeSwitchedOff(t *testing.T) {
	r := newRenewShop(t, 0)
	if err := r.svc.SetCustomerMails(r.pa, r.p.ID, false); err != nil {
		t.Fatal(err)
	}
	other := r.partner("Beta Reseller")
	if err := r.svc.SetCustomerMails(r.pa, other.ID, false); err != app.ErrNotFound {
		t.Fatalf("switching another partner's mails: %v", err)
	}
	r.clk.Set(r.lic.ValidTo.AddDate(0, 0, -2))
	r.runJobs()
	if n := len(r.mails("customer_expiry")); n != 0 {
		t.Fatalf("%d customer mails with them switched off", n)
	}
	if err := r.svc.SetCustomerMails(r.pa, r.p.ID, true); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(24 * time.Hour)
	r.runJobs()
	r.runJobs()
	if n := len(r.mails("customer_expiry")); n != 1 {
		t.Fatalf("%d customer mails once switched on; want 1", n)
	}
}
