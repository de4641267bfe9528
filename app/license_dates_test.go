package app_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// The operator cannot move valid_to past the latest date, and a renewal
// that would carry a license past it is refused naming periods, with
// nothing written; the license list stays answerable as JSON.
func TestValidToStopsAtTheLatestDate(t *testing.T) {
	r := newRenewShop(t, 10_000_000)
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	_, err := r.svc.EditLicense(r.op, r.lic.ID, app.LicenseEdit{ValidTo: &far})
	wantField(t, err, "valid_to")
	if got, _ := r.svc.GetLicense(r.op, r.lic.ID); !got.ValidTo.Equal(*r.lic.ValidTo) {
		t.Fatalf("a refused edit moved valid_to to %s", got.ValidTo)
	}

	// Just under the bound: one more year of renewal would pass it.
	near := app.LatestValidTo.AddDate(0, -6, 0)
	if _, err := r.svc.EditLicense(r.op, r.lic.ID, app.LicenseEdit{ValidTo: &near}); err != nil {
		t.Fatal(err)
	}
	before := r.balance()
	_, err = r.svc.RenewLicense(r.pa, r.lic.ID, app.RenewInput{Periods: 1, Payment: "balance"})
	wantField(t, err, "periods")
	_, err = r.svc.QuoteRenewal(r.pa, r.lic.ID, app.RenewInput{Periods: 1})
	wantField(t, err, "periods")
	_, err = r.svc.RenewLicenses(r.pa, app.BulkRenewInput{LicenseIDs: []uint64{r.lic.ID}, Periods: 1, Payment: "balance"})
	wantField(t, err, "periods")
	got, _ := r.svc.GetLicense(r.pa, r.lic.ID)
	if !got.ValidTo.Equal(near) || r.balance() != before {
		t.Fatalf("refused renewals left valid_to %s (want %s) and balance %d (want %d)", got.ValidTo, near, r.balance(), before)
	}

	pg, err := r.svc.ListLicenses(r.pa, app.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(pg); err != nil {
		t.Fatalf("the license list does not encode: %v", err)
	}
}

// Renewals added to one open order stop at the lines a purchase may have.
func TestRenewOnOrderStopsAtMaxLines(t *testing.T) {
	r := newRenewShop(t, 0)
	lines := make([]app.BasketLine, app.MaxOrderLicenses-2)
	for i := range lines {
		lines[i] = r.line(1)
	}
	o := r.buy(r.pa, app.OrderInput{Lines: lines, Payment: app.PayInvoice})
	l2, l3 := r.active("Business", 5, ""), r.active("Business", 5, "")

	_, err := r.svc.RenewLicenses(r.pa, app.BulkRenewInput{LicenseIDs: []uint64{r.lic.ID, l2.ID, l3.ID}, Periods: 1, Payment: "order", OrderID: o.ID})
	wantField(t, err, "order_id")
	if got, _ := r.svc.GetOrder(r.pa, o.ID); len(got.Lines) != app.MaxOrderLicenses-2 {
		t.Fatalf("a refused renewal left the order with %d lines", len(got.Lines))
	}
	if got, _ := r.svc.GetLicense(r.pa, r.lic.ID); !got.ValidTo.Equal(*r.lic.ValidTo) {
		t.Fatalf("a refused renewal moved valid_to to %s", got.ValidTo)
	}
	if _, err := r.svc.RenewLicenses(r.pa, app.BulkRenewInput{LicenseIDs: []uint64{r.lic.ID, l2.ID}, Periods: 1, Payment: "order", OrderID: o.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = r.svc.RenewLicense(r.pa, l3.ID, app.RenewInput{Periods: 1, Payment: "order", OrderID: o.ID})
	wantField(t, err, "order_id")
	if got, _ := r.svc.GetOrder(r.pa, o.ID); len(got.Lines) != app.MaxOrderLicenses {
		t.Fatalf("the order has %d lines; want %d", len(got.Lines), app.MaxOrderLicenses)
	}
}

// A CSV row whose valid_to lies past the latest date is refused naming
// valid_to, and nothing is imported.
func TestCSVImportRefusesValidToPastTheLatestDate(t *testing.T) {
	src := newLicFix(t)
	src.one(src.ua, app.LicenseCreate{ProductID: src.av.ID, Edition: "business", Seats: 3, PeriodMonths: 12, PartnerID: src.pa.ID, Customer: "Acme"})
	var buf bytes.Buffer
	if _, err := src.svc.ExportLicensesCSV(src.ua, app.ListParams{}, nil, &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "valid_to")
	if col < 0 || len(rows) != 2 {
		t.Fatalf("export has no valid_to column or not one license: %v", rows)
	}
	rows[1][col] = "9500-01-01"
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	dst := newLicFix(t)
	rep, err := dst.svc.ImportLicensesCSV(dst.op, bytes.NewReader(out.Bytes()), app.CSVImportOptions{Partner: dst.pb.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Invalid != 1 || rep.Imported != 0 || len(rep.Outcomes) != 1 || rep.Outcomes[0].Field != "valid_to" {
		t.Fatalf("import of a row ending in 9500: %+v", rep)
	}
	if pg := dst.list(app.System, nil, ""); pg.Total != 0 {
		t.Fatalf("%d licenses imported", pg.Total)
	}
}

// The auto-renew job leaves a license whose next period would pass the
// latest date as it is, charging nothing, and says why.
func TestAutoRenewStopsAtTheLatestDate(t *testing.T) {
	r := newRenewShop(t, 1_000_000)
	r.autoRenew(r.lic.ID)
	near := app.LatestValidTo.AddDate(0, 0, -3)
	if _, err := r.svc.EditLicense(r.op, r.lic.ID, app.LicenseEdit{ValidTo: &near}); err != nil {
		t.Fatal(err)
	}
	before := r.balance()
	r.clk.Set(near.AddDate(0, 0, -2))
	r.runJobs()
	if got := r.validTo(r.lic.ID); !got.Equal(near) || r.balance() != before {
		t.Fatalf("auto-renew moved valid_to to %s (want %s) and charged %d", got, near, before-r.balance())
	}
	covers, err := r.svc.AutoRenewShortfalls(r.op)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, pc := range covers {
		for _, it := range pc.Items {
			if it.LicenseID == r.lic.ID && strings.Contains(it.Problem, "periods") {
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("the auto-renew list does not say why license %d was not renewed: %+v", r.lic.ID, covers)
	}
}
