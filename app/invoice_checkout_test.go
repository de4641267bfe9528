package app_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"licensedesk/app"
)

func TestCheckoutPricesEachLicenseWithDiscountAndBulkTier(t *testing.T) {
	d := newDesk(t)
	ids := d.pending(d.pa, d.product.ID, 12)
	before := map[uint64]string{}
	for _, id := range ids {
		before[id] = d.license(id).Key
	}
	r := d.checkout(d.pa, ids)
	inv := r.InvoiceView
	if len(r.Invoices) != 1 || inv.Number != "2026-000001" || inv.State != app.InvoiceOpen {
		t.Fatalf("invoices %d, first %s %s; want one open 2026-000001", len(r.Invoices), inv.Number, inv.State)
	}
	// 1,099 per seat × 5 seats = 54.95 list; 12 licenses reach the 10+
	// tier (5%): −2.75 (274.75 rounded half-up) = 52.20; partner 30%:
	// −15.66 = 36.54 per line.
	if len(inv.Lines) != 12 || !slices.Equal(inv.LicenseIDs, ids) {
		t.Fatalf("lines %d, license ids %v; want the 12 licenses %v", len(inv.Lines), inv.LicenseIDs, ids)
	}
	for _, l := range inv.Lines {
		if l.List != 5495 || l.BulkBP != 500 || l.Bulk != 275 || l.PartnerBP != 3000 || l.Partner != 1566 || l.Total != 3654 {
			t.Fatalf("line %+v; want list 5495, bulk 5%% 275, partner 30%% 1566, total 3654", l)
		}
		if l.Key != before[l.LicenseID] || l.Customer != "Client GmbH" || l.Seats != 5 || l.PeriodMonths != 12 || l.ProductName != d.product.Name {
			t.Fatalf("line %+v does not describe license %d", l, l.LicenseID)
		}
	}
	if inv.Total != (app.Money{Amount: 12 * 3654, Currency: "EUR"}) || inv.Subtotal.Amount != 12*3654 || inv.ListTotal.Amount != 12*5495 ||
		inv.Discount.Amount != 12*(275+1566) || inv.Tax.Amount != 0 {
		t.Fatalf("totals list %v discount %v subtotal %v tax %v total %v", inv.ListTotal, inv.Discount, inv.Subtotal, inv.Tax, inv.Total)
	}
	if inv.Terms.Version != app.DefaultTerms.Version || inv.Terms.By != d.pa.Email || inv.Terms.At.IsZero() {
		t.Fatalf("terms acceptance %+v; want version %s by %s with a time", inv.Terms, app.DefaultTerms.Version, d.pa.Email)
	}
	for _, id := range ids {
		if l := d.license(id); l.Payment != app.PaymentPending || l.Key != before[id] {
			t.Fatalf("license %d after checkout: %s, key %s; want still pending, same key", id, l.Payment, l.Key)
		}
	}
	// A small checkout reaches no tier: partner discount only.
	few := d.pending(d.pa, d.product.ID, 2)
	r2 := d.checkout(d.pa, few)
	if l := r2.Lines[0]; l.BulkBP != 0 || l.Total != 5495-1649 {
		t.Fatalf("line of a 2-license checkout %+v; want no tier, 30%% off 54.95 = 38.46", l)
	}
	if r2.Number != "2026-000002" {
		t.Fatalf("second invoice %s; want 2026-000002", r2.Number)
	}
}

func TestCheckoutNeedsTheCurrentTerms(t *testing.T) {
	d := newDesk(t)
	ids := d.pending(d.pa, d.product.ID, 2)
	_, err := d.svc.Checkout(d.pa, app.CheckoutInput{LicenseIDs: ids})
	wantField(t, err, "terms_version")
	if _, err := d.svc.SetTerms(d.op, app.Terms{Version: "2026-2", Text: "Pay within 30 days."}); err != nil {
		t.Fatal(err)
	}
	_, err = d.svc.Checkout(d.pa, app.CheckoutInput{LicenseIDs: ids, TermsVersion: app.DefaultTerms.Version})
	wantField(t, err, "terms_version")
	if !strings.Contains(err.Error(), "2026-2") {
		t.Fatalf("refusal %q does not name the current version", err)
	}
	if n := d.lastInvoiceNumber(); n != 0 {
		t.Fatalf("refused checkouts took invoice number %d", n)
	}
	// A new text needs a new version; partners cannot change the terms.
	_, err = d.svc.SetTerms(d.op, app.Terms{Version: "2026-2", Text: "Pay within 10 days."})
	wantField(t, err, "version")
	_, err = d.svc.SetTerms(d.pa, app.Terms{Version: "x", Text: "mine"})
	wantErr(t, err, app.ErrForbidden)
	r, err := d.svc.Checkout(d.pa, app.CheckoutInput{LicenseIDs: ids, TermsVersion: "2026-2"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Terms.Version != "2026-2" {
		t.Fatalf("accepted terms %q; want 2026-2", r.Terms.Version)
	}
}

func TestCheckoutMakesOneInvoicePerCurrency(t *testing.T) {
	d := newDesk(t)
	in := productInput("backup")
	in.Currency = ptr("USD")
	usd, err := d.svc.CreateProduct(app.System, in)
	if err != nil {
		t.Fatal(err)
	}
	eur := d.pending(d.pa, d.product.ID, 3)
	us := d.pending(d.pa, usd.ID, 2)
	r := d.checkout(d.pa, append(slices.Clone(us), eur...))
	if len(r.Invoices) != 2 {
		t.Fatalf("%d invoices; want one per currency", len(r.Invoices))
	}
	got := map[string][]uint64{}
	for _, inv := range r.Invoices {
		got[inv.Currency] = inv.LicenseIDs
		if inv.Total.Currency != inv.Currency {
			t.Fatalf("invoice %s in %s totals %v", inv.Number, inv.Currency, inv.Total)
		}
	}
	if !slices.Equal(got["EUR"], eur) || !slices.Equal(got["USD"], us) {
		t.Fatalf("EUR invoice %v, USD invoice %v; want %v and %v", got["EUR"], got["USD"], eur, us)
	}
	if r.Invoices[0].Number == r.Invoices[1].Number {
		t.Fatal("two invoices share a number")
	}
}

func TestCheckoutRefusesWhatCannotBeBilledAndWritesNothing(t *testing.T) {
	d := newDesk(t)
	ids := d.pending(d.pa, d.product.ID, 4)
	other := d.partner("Other Reseller")
	paid, err := d.svc.CreateLicenses(d.op, app.LicenseCreate{ProductID: d.product.ID, Edition: "business", Seats: 5, PeriodMonths: 12, PartnerID: d.p.ID})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := d.svc.CreateLicenses(d.op, app.LicenseCreate{ProductID: d.product.ID, Edition: "business", Seats: 5, PeriodMonths: 12,
		PartnerID: other.ID, Payment: app.PaymentPending})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.CancelLicense(d.op, ids[3]); err != nil {
		t.Fatal(err)
	}
	v := d.terms()

	// Another partner's license and a missing one: not found, alike.
	_, err = d.svc.Checkout(d.pa, app.CheckoutInput{LicenseIDs: []uint64{ids[0], foreign[0].ID, 999999}, TermsVersion: v})
	ce := checkoutErr(t, err, app.ErrNotFound, foreign[0].ID, 999999)
	if ce.Licenses[0].Reason != ce.Licenses[1].Reason {
		t.Fatalf("another partner's license (%q) reads differently from a missing one (%q)", ce.Licenses[0].Reason, ce.Licenses[1].Reason)
	}
	wantErr(t, err, app.ErrNotFound)

	// Paid and cancelled licenses are named with their reasons.
	_, err = d.svc.Checkout(d.pa, app.CheckoutInput{LicenseIDs: []uint64{ids[0], paid[0].ID, ids[3]}, TermsVersion: v})
	checkoutErr(t, err, nil, paid[0].ID, ids[3])
	msg := err.Error()
	if !strings.Contains(msg, "already paid") || !strings.Contains(msg, "cancelled") || !strings.Contains(msg, paid[0].Key) {
		t.Fatalf("refusal %q does not say which license is paid and which cancelled", msg)
	}

	// A license on an open invoice: a conflict naming it and the invoice.
	first := d.checkout(d.pa, ids[:2])
	_, err = d.svc.Checkout(d.pa, app.CheckoutInput{LicenseIDs: ids[1:3], TermsVersion: v})
	checkoutErr(t, err, app.ErrConflict, ids[1])
	wantErr(t, err, app.ErrConflict)
	if !strings.Contains(err.Error(), first.Number) {
		t.Fatalf("refusal %q does not name invoice %s", err, first.Number)
	}
	if n := d.lastInvoiceNumber(); n != 1 {
		t.Fatalf("last invoice number %d after refusals; want 1", n)
	}
	if l := d.license(ids[2]); l.Payment != app.PaymentPending {
		t.Fatalf("license %d is %s after a refused checkout", ids[2], l.Payment)
	}
	// The free one still checks out alone.
	if r := d.checkout(d.pa, ids[2:3]); r.Number != "2026-000002" {
		t.Fatalf("next invoice %s; want 2026-000002", r.Number)
	}
}

func TestCheckoutByFilterTakesEveryPendingMatch(t *testing.T) {
	d := newDesk(t)
	ids := d.pending(d.pa, d.product.ID, 7)
	if _, err := d.svc.CreateLicenses(d.op, app.LicenseCreate{ProductID: d.product.ID, Edition: "business", Seats: 5, PeriodMonths: 12, PartnerID: d.p.ID}); err != nil {
		t.Fatal(err)
	}
	r, err := d.svc.Checkout(d.pa, app.CheckoutInput{Filter: map[string]string{"view": "all", "payment_status": "pending"}, TermsVersion: d.terms()})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.LicenseIDs, ids) {
		t.Fatalf("filter checkout billed %v; want the pending %v", r.LicenseIDs, ids)
	}
	_, err = d.svc.Checkout(d.pa, app.CheckoutInput{Filter: map[string]string{"payment_status": "paid"}, TermsVersion: d.terms()})
	wantField(t, err, "filter.payment_status")
	_, err = d.svc.Checkout(d.pa, app.CheckoutInput{Filter: map[string]string{"payment_status": "pending"}, TermsVersion: d.terms()})
	wantField(t, err, "filter")
}

func TestVoidFreesLicensesAndNumbersStayGapFreeAcrossRestarts(t *testing.T) {
	d := newDesk(t)
	ids := d.pending(d.pa, d.product.ID, 3)
	first := d.checkout(d.pa, ids)
	v, err := d.svc.VoidInvoice(d.pa, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != app.InvoiceVoid || v.VoidedAt == nil || v.Number != "2026-000001" {
		t.Fatalf("voided invoice %s %s; want void, number kept", v.Number, v.State)
	}
	_, err = d.svc.VoidInvoice(d.pa, first.ID)
	wantErr(t, err, app.ErrConflict)
	_, err = d.svc.PayInvoice(d.pa, first.ID)
	wantErr(t, err, app.ErrConflict)

	d.reopen()
	second := d.checkout(d.pa, ids)
	if second.Number != "2026-000002" || !slices.Equal(second.LicenseIDs, ids) {
		t.Fatalf("after void and restart: %s with %v; want 2026-000002 with %v", second.Number, second.LicenseIDs, ids)
	}
	got, err := d.svc.GetInvoice(d.op, first.ID)
	if err != nil || got.State != app.InvoiceVoid {
		t.Fatalf("first invoice after restart: %v %v; want still void", got.State, err)
	}
	list, err := d.svc.ListInvoices(d.op, app.ListParams{Sort: "number"})
	if err != nil {
		t.Fatal(err)
	}
	var nums []string
	for _, inv := range list.Items {
		nums = append(nums, inv.Number)
	}
	if !slices.Equal(nums, []string{"2026-000001", "2026-000002"}) {
		t.Fatalf("invoice numbers %v; want 2026-000001, 2026-000002", nums)
	}
}

// TestCheckoutRaceNeverBillsALicenseTwice runs many concurrent checkouts
// of overlapping selections: each license ends on at most one open
// invoice, each refusal is a conflict, and numbers have no gaps.
func TestCheckoutRaceNeverBillsALicenseTwice(t *testing.T) {
	d := newDesk(t)
	ids := d.pending(d.pa, d.product.ID, 40)
	v := d.terms()
	const workers = 16
	var wg sync.WaitGroup
	results := make([]app.CheckoutResult, workers)
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := (w * 5) % 30
			results[w], errs[w] = d.svc.Checkout(d.pa, app.CheckoutInput{LicenseIDs: ids[start : start+10], TermsVersion: v})
		}()
	}
	wg.Wait()
	owner := map[uint64]string{}
	made := 0
	for w := range workers {
		if errs[w] != nil {
			var ce *app.CheckoutError
			if !errors.As(errs[w], &ce) || ce.Kind != app.ErrConflict {
				t.Fatalf("worker %d: %v; want a success or a conflict naming taken licenses", w, errs[w])
			}
			continue
		}
		made++
		for _, id := range results[w].LicenseIDs {
			if prev, ok := owner[id]; ok {
				t.Fatalf("license %d is on invoices %s and %s", id, prev, results[w].Number)
			}
			owner[id] = results[w].Number
		}
	}
	if made == 0 {
		t.Fatal("no checkout succeeded")
	}
	page, err := d.svc.ListInvoices(d.op, app.ListParams{Filters: map[string]string{"state": "open"}})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != made || int(d.lastInvoiceNumber()) != made {
		t.Fatalf("%d open invoices, last number %d; want %d of each", page.Total, d.lastInvoiceNumber(), made)
	}
}
