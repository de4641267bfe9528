package app_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"licensedesk/app"
)

func importCSV(t *testing.T, f *licFix, csv string, opt app.CSVImportOptions) app.CSVImportReport {
	t.Helper()
	rep, err := f.svc.ImportLicensesCSV(f.op, strings.NewReader(csv), opt)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

// TestCSVRoundTripBetweenInstalls: what one desk exports, another imports
// as the same licenses; importing it again changes nothing.
func TestCSVRoundTripBetweenInstalls(t *testing.T) {
	t.Parallel()
	src, _ := transferFix(t)
	for i, c := range []app.LicenseCreate{
		{ProductID: src.av.ID, Edition: "enterprise", Seats: 7, PeriodMonths: 24, PartnerID: src.pa.ID, Name: "=SUM(A1)", Customer: "+Acme", IP: "192.0.2.4"},
		{ProductID: src.fw.ID, Edition: "business", Seats: 1, PeriodMonths: 12, PartnerID: src.pa.ID, Name: "No break, comma \"quoted\"", Customer: "Zoë Ltd", Notes: "Line\nbreak, comma \"quoted\""},
	} {
		l := src.one(src.ua, c)
		if i == 0 {
			src.svc.SuspendLicense(src.ua, l.ID)
		}
	}
	var buf bytes.Buffer
	n, err := src.svc.ExportLicensesCSV(src.ua, app.ListParams{}, nil, &buf)
	if err != nil || n != 3 {
		t.Fatalf("export: %d, %v", n, err)
	}
	dst := newLicFix(t)
	dry := importCSV(t, dst, buf.String(), app.CSVImportOptions{Partner: dst.pb.PublicID, DryRun: true})
	if dry.Rows != 3 || dry.New != 3 || dry.Imported != 0 || len(dry.Outcomes) != 3 {
		t.Fatalf("dry run: %+v", dry)
	}
	if pg := dst.list(app.System, nil, ""); pg.Total != 0 {
		t.Fatal("a dry run wrote licenses")
	}
	rep := importCSV(t, dst, buf.String(), app.CSVImportOptions{Partner: dst.pb.PublicID})
	if rep.Imported != 3 {
		t.Fatalf("import: %+v", rep)
	}
	mine := src.list(app.System, nil, "")
	for _, want := range mine.Items {
		got, err := dst.svc.LicenseByKey(dst.ub, want.Key)
		if err != nil {
			t.Fatalf("key %s: %v", want.Key, err)
		}
		if got.Key != want.Key || got.Name != want.Name || got.Customer != want.Customer || got.Notes != want.Notes ||
			got.Status != want.Status || got.Seats != want.Seats || got.Edition != want.Edition || got.ProductName != want.ProductName ||
			!got.ValidTo.Equal(*want.ValidTo) || !got.Purchased.Equal(want.Purchased) || got.IP != want.IP || got.PartnerID != dst.pb.ID {
			t.Errorf("imported\n%+v\nexported\n%+v", got.License, want.License)
		}
	}
	// Searchable when the import returns.
	if pg := dst.list(dst.ub, map[string]string{"q": "Zoë"}, ""); pg.Total != 1 {
		t.Errorf("search finds %d imported licenses", pg.Total)
	}
	again := importCSV(t, dst, buf.String(), app.CSVImportOptions{Partner: dst.pb.PublicID})
	if again.Same != 3 || again.Imported != 0 || again.New != 0 {
		t.Errorf("second import: %+v", again)
	}
	// For another partner the same keys conflict.
	other := importCSV(t, dst, buf.String(), app.CSVImportOptions{Partner: dst.pc.PublicID, ImportValid: true})
	if other.Conflict != 3 || other.Imported != 0 || other.Outcomes[0].Field != "partner" {
		t.Errorf("another partner: %+v", other)
	}
}

// TestCSVImportHostileFiles: BOM, CRLF, columns in another order, extra
// columns, quoted newlines, bad cells; errors import nothing unless the
// valid rows are asked for.
func TestCSVImportHostileFiles(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	csv := "\ufeffNotes,Extra,key,product,status,valid_to,customer\r\n" +
		"\"two\nlines\",x,AAAA-BBBB-CCCC-DDDD,av,active,2027-01-31,\"'=HYPERLINK(\"\"x\"\")\"\r\n" +
		",x,EEEE-FFFF-GGGG-HHHH,nope,active,2027-01-31,C\r\n" +
		",x,IIII-JJJJ-KKKK-LLLL,fw,active,31/01/2027,C\r\n" +
		",x,MMMM-NNNN-PPPP-QQQQ,fw,bogus,,C\r\n" +
		",x,AAAA-BBBB-CCCC-DDDD,av,active,2027-01-31,dup\r\n" +
		",x,RRRR-SSSS-TTTT-VVVV,fw,active,2027-01-31,\xff\xfe\r\n" +
		",x,WWWW-XXXX-YYYY-ZZZZ,fw\r\n" +
		",x,2222-3333-4444-5555,fw,ordered,,Fine\r\n"
	rep := importCSV(t, f, csv, app.CSVImportOptions{Partner: f.pa.PublicID})
	if rep.Rows != 8 || rep.New != 2 || rep.Invalid != 6 || rep.Imported != 0 {
		t.Fatalf("report %+v", rep)
	}
	want := map[int]string{4: "product", 5: "valid_to", 6: "status", 7: "key", 8: "customer", 9: ""} // line 2-3 is one row
	for _, r := range rep.Outcomes {
		if r.Outcome != app.RowInvalid {
			continue
		}
		if f, ok := want[r.Line]; !ok || f != r.Field || r.Reason == "" {
			t.Errorf("line %d: field %q reason %q", r.Line, r.Field, r.Reason)
		}
	}
	if pg := f.list(app.System, nil, ""); pg.Total != 0 {
		t.Fatal("a file with errors imported rows")
	}
	rep = importCSV(t, f, csv, app.CSVImportOptions{Partner: f.pa.PublicID, ImportValid: true})
	if rep.Imported != 2 {
		t.Fatalf("valid rows: %+v", rep)
	}
	l, err := f.svc.LicenseByKey(app.System, "AAAA-BBBB-CCCC-DDDD")
	if err != nil {
		t.Fatal(err)
	}
	if l.Notes != "two\nlines" || l.Customer != `=HYPERLINK("x")` || l.Status != app.StatusActive {
		t.Errorf("imported row: %+v", l.License)
	}
	for _, bad := range []string{"", "name\nx\n", "key,product,key\n"} {
		if _, err := f.svc.ImportLicensesCSV(f.op, strings.NewReader(bad), app.CSVImportOptions{Partner: f.pa.PublicID}); err == nil {
			t.Errorf("file %q accepted", bad)
		}
	}
	if _, err := f.svc.ImportLicensesCSV(f.ua, strings.NewReader(csv), app.CSVImportOptions{Partner: f.pa.PublicID}); err == nil {
		t.Error("a partner imported a CSV")
	}
}

// TestCSVImportManyBatches: a file of several write batches with invalid
// and repeated rows among them imports, with "import the valid rows",
// each valid row once, as written on its own line, and search finds them
// all when the import returns.
func TestCSVImportManyBatches(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	const n = 12345
	var b strings.Builder
	b.WriteString("key,product,name,status,valid_to\n")
	invalid, valid := 0, 0
	for i := range n {
		switch {
		case i%1000 == 999:
			fmt.Fprintf(&b, "BULK-%06d-KEYS,nope,Bulkrow %d,active,2027-01-31\n", i, i)
			invalid++
		case i == n-1: // the key of row 5,000 again
			fmt.Fprintf(&b, "BULK-%06d-KEYS,av,Bulkrow again,active,2027-01-31\n", 5000)
			invalid++
		default:
			fmt.Fprintf(&b, "BULK-%06d-KEYS,av,Bulkrow %d,active,2027-01-31\n", i, i)
			valid++
		}
	}
	rep := importCSV(t, f, b.String(), app.CSVImportOptions{Partner: f.pa.PublicID, ImportValid: true})
	if rep.Rows != n || rep.New != valid || rep.Invalid != invalid || rep.Imported != valid {
		t.Fatalf("report: rows %d new %d invalid %d imported %d; want %d, %d, %d, %d", rep.Rows, rep.New, rep.Invalid, rep.Imported, n, valid, invalid, valid)
	}
	for _, i := range []int{0, 63, 64, 998, 1000, 4998, 5000, 5001, 12343} {
		l, err := f.svc.LicenseByKey(app.System, fmt.Sprintf("BULK-%06d-KEYS", i))
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if want := fmt.Sprintf("Bulkrow %d", i); l.Name != want {
			t.Errorf("row %d imported as %q, want %q", i, l.Name, want)
		}
	}
	if _, err := f.svc.LicenseByKey(app.System, "BULK-000999-KEYS"); err == nil {
		t.Error("a row with an unknown product was imported")
	}
	pg, err := f.svc.ListLicenses(app.System, app.ListParams{PerPage: 1, Filters: map[string]string{"q": "*ulkro*"}})
	if err != nil || pg.Total != valid {
		t.Errorf("an infix search finds %d of %d imported licenses: %v", pg.Total, valid, err)
	}
	if pg := f.list(app.System, map[string]string{"q": "Bulkrow 7777"}, ""); pg.Total != 1 {
		t.Errorf("a search for one imported row finds %d", pg.Total)
	}
}
