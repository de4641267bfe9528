package app_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"licensedesk/app"
)

var csvHeader = []string{"id", "key", "name", "product", "edition", "seats", "period_months", "status", "payment_status",
	"purchased", "valid_from", "valid_to", "activate_by", "auto_renew", "auto_renew_months", "ip", "customer",
	"customer_email", "partner", "distributor", "order_number", "registration_key", "registrations", "notes"}

var isoRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)

// csvExport runs an export and parses it back: the header and one map
// per row, keyed by column.
func csvExport(t *testing.T, f *licFix, a app.Actor, filters map[string]string, only []uint64) ([]map[string]string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	n, err := f.svc.ExportLicensesCSV(a, app.ListParams{Filters: filters}, only, &buf)
	if err != nil {
		t.Fatalf("export %v %v: %v", filters, only, err)
	}
	if !utf8.Valid(buf.Bytes()) {
		t.Fatalf("export is not UTF-8")
	}
	r := csv.NewReader(bytes.NewReader(buf.Bytes()))
	recs, err := r.ReadAll() // also checks every row has as many fields as the header
	if err != nil {
		t.Fatalf("export does not parse as CSV: %v\n%s", err, buf.String())
	}
	if len(recs) == 0 || !slices.Equal(recs[0], csvHeader) {
		t.Fatalf("header %v; want %v", recs, csvHeader)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, v := range rec {
			m[csvHeader[i]] = v
		}
		rows = append(rows, m)
	}
	if n != len(rows) {
		t.Errorf("export says %d rows, wrote %d", n, len(rows))
	}
	return rows, buf.Bytes()
}

func csvIDs(t *testing.T, rows []map[string]string) []uint64 {
	t.Helper()
	var out []uint64
	for _, r := range rows {
		id, err := strconv.ParseUint(r["id"], 10, 64)
		if err != nil {
			t.Fatalf("id cell %q", r["id"])
		}
		out = append(out, id)
	}
	return out
}

// TestCSVExportParsesBack (F40): a header, one row per license of the
// list, ISO 8601 UTC dates, UTF-8 text intact, partner public IDs.
func TestCSVExportParsesBack(t *testing.T) {
	t.Parallel()
	s := newListSet(t)
	f := s.licFix
	rows, _ := csvExport(t, f, f.op, nil, nil)
	if got := csvIDs(t, rows); !slices.Equal(got, s.ids("golf", "alpha", "bravo", "charlie", "delta", "echo", "foxtrot")) {
		t.Fatalf("rows %v; want every license in purchase order", got)
	}
	byID := map[uint64]app.LicenseView{}
	for _, l := range s.all {
		byID[l.ID] = l
	}
	iso := func(tm *time.Time) string {
		if tm == nil {
			return ""
		}
		return tm.UTC().Format(time.RFC3339)
	}
	pub := map[uint64]string{0: "", f.pa.ID: f.pa.PublicID, f.pb.ID: f.pb.PublicID, f.dist.ID: f.dist.PublicID}
	for _, r := range rows {
		id, _ := strconv.ParseUint(r["id"], 10, 64)
		l := byID[id]
		want := map[string]string{
			"key": l.Key, "name": l.Name, "product": l.ProductName, "edition": l.Edition, "seats": strconv.Itoa(l.Seats),
			"period_months": strconv.Itoa(l.PeriodMonths), "status": string(l.Status), "payment_status": string(l.Payment),
			"purchased": iso(&l.Purchased), "valid_from": iso(l.ValidFrom), "valid_to": iso(l.ValidTo),
			"activate_by": iso(&l.ActivateBy), "auto_renew": "false", "ip": l.IP, "customer": l.Customer,
			"customer_email": l.CustomerEmail, "partner": pub[l.PartnerID], "distributor": pub[l.DistributorID],
			"order_number": l.OrderNumber, "notes": l.Notes, "registrations": "0",
		}
		for col, v := range want {
			if r[col] != v {
				t.Errorf("%s: column %s is %q; want %q", l.Name, col, r[col], v)
			}
		}
		for _, col := range []string{"purchased", "valid_from", "valid_to", "activate_by"} {
			if r[col] != "" && !isoRE.MatchString(r[col]) {
				t.Errorf("%s: %s %q is not ISO 8601 UTC", l.Name, col, r[col])
			}
		}
	}
	// Non-ASCII text comes through as written.
	for _, r := range rows {
		if r["name"] == "alpha" && r["customer"] != "Müller Bau GmbH" {
			t.Errorf("ü mangled: %q", r["customer"])
		}
		if r["name"] == "charlie" && r["customer"] != "Łódź Systems" {
			t.Errorf("Łódź mangled: %q", r["customer"])
		}
	}
}

// TestCSVFiltersTicksAndPartners: the export holds the list's current
// filter or only the ticked rows, and a partner only its own.
func TestCSVFiltersTicksAndPartners(t *testing.T) {
	t.Parallel()
	s := newListSet(t)
	f := s.licFix
	cases := []struct {
		as      app.Actor
		filters map[string]string
		only    []uint64
		want    []string
	}{
		{f.op, map[string]string{"status": "active"}, nil, []string{"alpha", "delta", "foxtrot"}},
		{f.op, map[string]string{"q": "renewal"}, nil, []string{"alpha", "charlie", "delta", "foxtrot"}},
		{f.op, map[string]string{"view": "expiring"}, nil, []string{"delta"}},
		{f.op, map[string]string{"view": "unused"}, nil, []string{"bravo", "echo"}},
		{f.op, map[string]string{"payment_status": "pending", "product_id": uidStr(f.av.ID)}, nil, []string{"golf", "bravo", "delta"}},
		{f.op, map[string]string{"valid_to_after": "2027-01-01"}, nil, []string{"alpha", "charlie", "foxtrot"}},
		{f.op, map[string]string{"partner_id": "0"}, nil, []string{"foxtrot"}},
		{f.op, nil, s.ids("foxtrot", "alpha", "echo"), []string{"alpha", "echo", "foxtrot"}},
		{f.op, nil, []uint64{}, nil},
		{f.op, nil, []uint64{s.alpha.ID, 9999}, []string{"alpha"}},
		{f.op, map[string]string{"status": "active"}, s.ids("alpha", "bravo"), []string{"alpha"}},
		{f.ua, nil, nil, []string{"golf", "alpha", "bravo", "charlie"}},
		{f.ua, nil, s.ids("alpha", "delta", "echo", "foxtrot"), []string{"alpha"}},
		{f.ua, map[string]string{"q": "renewal"}, nil, []string{"alpha", "charlie"}},
		{f.ub, map[string]string{"view": "unused"}, nil, []string{"echo"}},
		{f.ub, map[string]string{"q": s.alpha.Key}, nil, nil},
		{f.uc, nil, nil, nil},
	}
	// A partner naming another partner's id is probing its data: not
	// found, as asking for one of its licenses is, and nothing exported.
	var probe bytes.Buffer
	if _, err := f.svc.ExportLicensesCSV(f.ua, app.ListParams{Filters: map[string]string{"partner_id": uidStr(f.pb.ID)}}, nil, &probe); !errors.Is(err, app.ErrNotFound) || probe.Len() != 0 {
		t.Errorf("partner A exporting with partner B's id: %v, %d bytes; want not found and nothing", err, probe.Len())
	}
	for _, c := range cases {
		rows, _ := csvExport(t, f, c.as, c.filters, c.only)
		var want []uint64
		if c.want != nil {
			want = s.ids(c.want...)
		}
		if got := csvIDs(t, rows); !slices.Equal(got, want) {
			t.Errorf("%s export %v only %v: ids %v; want %v", c.as.Email, c.filters, c.only, got, want)
		}
		for _, r := range rows {
			if c.as.PartnerID != 0 && r["partner"] != map[uint64]string{f.pa.ID: f.pa.PublicID, f.pb.ID: f.pb.PublicID}[c.as.PartnerID] {
				t.Errorf("%s export holds a row of partner %q", c.as.Email, r["partner"])
			}
		}
		// The export and the list agree on what the filter holds.
		if c.only == nil {
			if pg := f.list(c.as, c.filters, ""); pg.Total != len(rows) {
				t.Errorf("%s %v: list total %d, export %d rows", c.as.Email, c.filters, pg.Total, len(rows))
			}
		}
	}
	// A bad filter is refused before anything is written.
	var buf bytes.Buffer
	_, err := f.svc.ExportLicensesCSV(f.op, app.ListParams{Filters: map[string]string{"colour": "red"}}, nil, &buf)
	licWantField(t, err, "colour")
	if buf.Len() != 0 {
		t.Errorf("a refused export wrote %q", buf.String())
	}
}

// TestCSVNeutralisesFormulas: cells a spreadsheet would run (leading =,
// +, -, @) come out with a leading quote, in every text column.
func TestCSVNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	evil := []struct{ name, notes, customer string }{
		{`=HYPERLINK("http://evil.example","click")`, "+SUM(A1:A9)", "@cmd|' /C calc'!A0"},
		{"-2+3", "=1+1", "+44 20 7946 0000"},
		{"@SUM(1)", "-\tnote", "=cmd"},
		{"plain", "a=b", "x+y"},
	}
	ids := map[uint64]int{}
	for i, e := range evil {
		l := f.one(f.op, app.LicenseCreate{ProductID: f.av.ID, Edition: "business", Seats: 1, PeriodMonths: 12,
			PartnerID: f.pa.ID, Name: e.name, Notes: e.notes, Customer: e.customer})
		ids[l.ID] = i
	}
	rows, raw := csvExport(t, f, f.op, nil, nil)
	if len(rows) != len(evil) {
		t.Fatalf("%d rows", len(rows))
	}
	safe := func(v string) string {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			return "'" + v
		}
		return v
	}
	for _, r := range rows {
		id, _ := strconv.ParseUint(r["id"], 10, 64)
		e := evil[ids[id]]
		for col, v := range map[string]string{"name": e.name, "notes": strings.TrimSpace(e.notes), "customer": e.customer} {
			if r[col] != safe(v) {
				t.Errorf("column %s of %q is %q; want %q", col, e.name, r[col], safe(v))
			}
		}
		for col, v := range r {
			if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
				t.Errorf("column %s starts a formula: %q", col, v)
			}
		}
	}
	if !bytes.Contains(raw, []byte(`'=HYPERLINK(`)) {
		t.Errorf("the raw export does not hold the neutralised formula")
	}
	for _, in := range []string{"=1", "+1", "-1", "@x", "\tx", "\rx"} {
		if got := app.SafeCell(in); got != "'"+in {
			t.Errorf("SafeCell(%q) = %q", in, got)
		}
	}
	for _, in := range []string{"", "1", "a=1", "Müller", "'already"} {
		if got := app.SafeCell(in); got != in {
			t.Errorf("SafeCell(%q) = %q; want unchanged", in, got)
		}
	}
}

// TestCSVManyRowsInOrder: more rows than one read transaction holds come
// out complete, once each, in purchase order.
func TestCSVManyRowsInOrder(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	f.importUnused(f.pa, 3000)
	f.importUnused(f.pb, 800)
	f.importUnused(f.pa, 2700)
	in := f.lic()
	in.Count = 5
	f.create(f.ua, in)
	for _, c := range []struct {
		as   app.Actor
		want int
	}{{f.op, 6505}, {f.ua, 5705}, {f.ub, 800}} {
		rows, _ := csvExport(t, f, c.as, nil, nil)
		ids := csvIDs(t, rows)
		if len(ids) != c.want || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
			t.Errorf("%s export: %d rows (sorted %v); want %d distinct in order", c.as.Email, len(ids), slices.IsSorted(ids), c.want)
		}
	}
}
