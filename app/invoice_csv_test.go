package app_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"licensedesk/app"
)

// The invoices CSV neutralises a partner name that a spreadsheet would
// run as a formula, as the other exports do.
func TestInvoicesCSVNeutralisesFormulaCells(t *testing.T) {
	d := newDesk(t)
	evil := `=HYPERLINK("http://evil.example","x")`
	if _, err := d.svc.UpdatePartner(d.op, d.p.ID, app.PartnerInput{Name: &evil}); err != nil {
		t.Fatal(err)
	}
	d.checkout(d.pa, d.pending(d.pa, d.product.ID, 2))
	var buf bytes.Buffer
	n, err := d.svc.ExportInvoicesCSV(d.op, app.ListParams{}, &buf)
	if err != nil || n != 1 {
		t.Fatalf("%d invoices exported, %v", n, err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "partner" {
			col = i
		}
	}
	if col < 0 || len(rows) != 2 || rows[1][col] != "'"+evil {
		t.Fatalf("partner column %d of %q; want the name quoted with a leading '", col, rows)
	}
}
