package app_test

import (
	"errors"
	"testing"

	"licensedesk/app"
)

// desk is a manual-program partner with pending licenses to check out.
type desk struct {
	*env
	op      app.Actor
	p       app.Partner
	pa      app.Actor
	product app.Product
}

func newDesk(t *testing.T) *desk {
	t.Helper()
	e := newEnv(t)
	d := &desk{env: e, op: e.operator("ops@example.com"), product: e.product("antivirus")}
	p, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Manual Reseller"), Email: ptr("billing@manual.example"),
		DiscountBP: ptr(3000), Program: ptr(app.ProgramManual)})
	if err != nil {
		t.Fatal(err)
	}
	d.p = p
	d.pa = e.partnerUser(p, "mara@manual.example")
	return d
}

// pending creates n pending licenses (Business, 5 seats, 12 months) as
// the partner and returns their ids.
func (d *desk) pending(a app.Actor, productID uint64, n int) []uint64 {
	d.t.Helper()
	ls, err := d.svc.CreateLicenses(a, app.LicenseCreate{ProductID: productID, Edition: "business", Seats: 5, PeriodMonths: 12,
		Count: n, Customer: "Client GmbH"})
	if err != nil {
		d.t.Fatalf("create %d pending: %v", n, err)
	}
	ids := make([]uint64, len(ls))
	for i, l := range ls {
		if l.Payment != app.PaymentPending {
			d.t.Fatalf("license %d created %s; want pending", l.ID, l.Payment)
		}
		ids[i] = l.ID
	}
	return ids
}

func (d *desk) terms() string {
	d.t.Helper()
	tm, err := d.svc.GetTerms(d.pa)
	if err != nil {
		d.t.Fatal(err)
	}
	return tm.Version
}

func (d *desk) checkout(a app.Actor, ids []uint64) app.CheckoutResult {
	d.t.Helper()
	r, err := d.svc.Checkout(a, app.CheckoutInput{LicenseIDs: ids, TermsVersion: d.terms()})
	if err != nil {
		d.t.Fatalf("checkout %v: %v", ids, err)
	}
	return r
}

func (d *desk) topUp(amount int64) {
	d.t.Helper()
	if _, err := d.svc.RecordBalance(d.op, d.p.ID, app.BalanceInput{Amount: amount, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
		d.t.Fatal(err)
	}
}

func (d *desk) balance() int64 {
	d.t.Helper()
	acc, err := d.svc.GetAccount(app.System, d.p.ID)
	if err != nil {
		d.t.Fatal(err)
	}
	return acc.Balance.Amount
}

func (d *desk) lastInvoiceNumber() uint64 {
	d.t.Helper()
	n, err := d.svc.LastNumber(app.SeqInvoice, 2026)
	if err != nil {
		d.t.Fatal(err)
	}
	return n
}

func (d *desk) license(id uint64) app.LicenseView {
	d.t.Helper()
	l, err := d.svc.GetLicense(app.System, id)
	if err != nil {
		d.t.Fatal(err)
	}
	return l
}

// checkoutErr asserts err is a refused checkout of kind (nil: invalid)
// naming exactly the licenses want, each with a reason.
func checkoutErr(t *testing.T, err error, kind error, want ...uint64) *app.CheckoutError {
	t.Helper()
	var ce *app.CheckoutError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v (%T); want a checkout refusal naming %v", err, err, want)
	}
	if ce.Kind != kind {
		t.Fatalf("refusal kind %v; want %v (%v)", ce.Kind, kind, err)
	}
	got := map[uint64]bool{}
	for _, p := range ce.Licenses {
		if p.Reason == "" {
			t.Fatalf("license %d refused without a reason", p.LicenseID)
		}
		got[p.LicenseID] = true
	}
	if len(got) != len(want) {
		t.Fatalf("refusal names %v; want %v", ce.Licenses, want)
	}
	for _, id := range want {
		if !got[id] {
			t.Fatalf("refusal names %v; want license %d among them", ce.Licenses, id)
		}
	}
	return ce
}
