package app_test

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// listSet is seven licenses a reseller would recognise, built on a clock
// that ends at 2026-04-11 09:00 UTC. IDs follow creation: golf is 1,
// alpha 2 … foxtrot 7.
//
//	name     partner  product  edition     months seats status     payment  valid_to    customer
//	golf     A        av       business    1      1     expired    pending  2026-04-02  Old Co
//	alpha    A        av       business    12     5     active     paid     2027-04-06  Müller Bau GmbH
//	bravo    A        av       enterprise  24     10    ordered    pending  —           —
//	charlie  A        fw       business    12     5     suspended  pending  2027-04-08  Łódź Systems
//	delta    B        av       business    1      1     active     pending  2026-05-09  Nordwind AG
//	echo     B        av       business    12     5     ordered    paid     —           —
//	foxtrot  stock    fw       enterprise  12     20    active     refunded 2027-04-11  Harbor Ltd
type listSet struct {
	*licFix
	golf, alpha, bravo, charlie, delta, echo, foxtrot app.LicenseView
	all                                               []app.LicenseView
}

var listNow = time.Date(2026, 4, 11, 9, 0, 0, 0, time.UTC)

func newListSet(t *testing.T) *listSet {
	t.Helper()
	s := &listSet{licFix: newLicFix(t)}
	f := s.licFix
	day := func(d int) { f.clk.Set(time.Date(2026, 4, d, 9, 0, 0, 0, time.UTC)) }

	s.golf = f.one(f.ua, app.LicenseCreate{ProductID: f.av.ID, Edition: "business", Seats: 1, PeriodMonths: 1,
		Name: "golf", Customer: "Old Co"})
	day(6)
	if n, err := f.svc.SweepExpired(); err != nil || n != 1 {
		t.Fatalf("fixture sweep moved %d (%v)", n, err)
	}
	s.alpha = f.one(f.op, app.LicenseCreate{ProductID: f.av.ID, Edition: "business", Seats: 5, PeriodMonths: 12,
		PartnerID: f.pa.ID, Name: "alpha", Customer: "Müller Bau GmbH", CustomerEmail: "it@mueller.example",
		IP: "203.0.113.7", OrderNumber: "O-1001", Notes: "renewal call in March"})
	day(7)
	s.bravo = f.one(f.op, app.LicenseCreate{ProductID: f.av.ID, Edition: "enterprise", Seats: 10, PeriodMonths: 24,
		PartnerID: f.pa.ID, Name: "bravo", Payment: app.PaymentPending, OrderNumber: "O-1002"})
	day(8)
	s.charlie = f.one(f.ua, app.LicenseCreate{ProductID: f.fw.ID, Edition: "business", Seats: 5, PeriodMonths: 12,
		Name: "charlie", Customer: "Łódź Systems", IP: "198.51.100.20", Notes: "renewal later"})
	if _, err := f.svc.SuspendLicense(f.ua, s.charlie.ID); err != nil {
		t.Fatal(err)
	}
	day(9)
	s.delta = f.one(f.ub, app.LicenseCreate{ProductID: f.av.ID, Edition: "business", Seats: 1, PeriodMonths: 1,
		Name: "delta", Customer: "Nordwind AG", Notes: "VIP customer renewal"})
	day(10)
	s.echo = f.one(f.op, app.LicenseCreate{ProductID: f.av.ID, Edition: "business", Seats: 5, PeriodMonths: 12,
		PartnerID: f.pb.ID, Name: "echo", OrderNumber: "O-2001"})
	day(11)
	s.foxtrot = f.one(f.op, app.LicenseCreate{ProductID: f.fw.ID, Edition: "enterprise", Seats: 20, PeriodMonths: 12,
		Name: "foxtrot", Customer: "Harbor Ltd", Payment: app.PaymentRefunded, Notes: "renewal pending refund"})
	if !f.clk.Now().Equal(listNow) {
		t.Fatalf("fixture clock at %v", f.clk.Now())
	}
	for _, l := range []*app.LicenseView{&s.golf, &s.alpha, &s.bravo, &s.charlie, &s.delta, &s.echo, &s.foxtrot} {
		*l = f.get(l.ID)
	}
	s.all = []app.LicenseView{s.golf, s.alpha, s.bravo, s.charlie, s.delta, s.echo, s.foxtrot}
	for i, l := range s.all {
		if l.ID != uint64(i+1) {
			t.Fatalf("fixture license %s has id %d; want %d", l.Name, l.ID, i+1)
		}
	}
	want := map[string]app.Status{"golf": app.StatusExpired, "alpha": app.StatusActive, "bravo": app.StatusOrdered,
		"charlie": app.StatusSuspended, "delta": app.StatusActive, "echo": app.StatusOrdered, "foxtrot": app.StatusActive}
	for _, l := range s.all {
		if l.Status != want[l.Name] {
			t.Fatalf("fixture %s is %s; want %s", l.Name, l.Status, want[l.Name])
		}
	}
	return s
}

// ids of the named fixture licenses.
func (s *listSet) ids(names ...string) []uint64 {
	var out []uint64
	for _, n := range names {
		found := false
		for _, l := range s.all {
			if l.Name == n {
				out = append(out, l.ID)
				found = true
			}
		}
		if !found {
			s.t.Fatalf("no fixture license %q", n)
		}
	}
	return out
}

// names of a page's rows, in order.
func (s *listSet) names(pg app.LicensePage) []string {
	out := make([]string, 0, len(pg.Items))
	for _, l := range pg.Items {
		out = append(out, l.Name)
	}
	return out
}

func namesOf(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Fields(s)
}

// TestListFilters (F8): every filter the list accepts narrows to exactly
// the licenses a reseller expects, alone and combined.
func TestListFilters(t *testing.T) {
	t.Parallel()
	s := newListSet(t)
	f := s.licFix
	cases := []struct {
		filters map[string]string
		want    string
	}{
		{nil, "golf alpha bravo charlie delta echo foxtrot"},
		{map[string]string{"view": "all"}, "golf alpha bravo charlie delta echo foxtrot"},
		{map[string]string{"id": uidStr(s.charlie.ID)}, "charlie"},
		{map[string]string{"id": "999"}, ""},
		{map[string]string{"name": "CHAR"}, "charlie"},
		{map[string]string{"name": "o"}, "golf bravo echo foxtrot"},
		{map[string]string{"key": strings.ToLower(s.echo.Key[3:9])}, "echo"},
		{map[string]string{"key": strings.ReplaceAll(s.delta.Key, "-", " ")}, "delta"},
		{map[string]string{"ip": "203.0.113"}, "alpha"},
		{map[string]string{"ip": "198.51.100.20"}, "charlie"},
		{map[string]string{"product_id": uidStr(f.fw.ID)}, "charlie foxtrot"},
		{map[string]string{"product_id": uidStr(f.av.ID)}, "golf alpha bravo delta echo"},
		{map[string]string{"product_id": "999"}, ""},
		{map[string]string{"edition": "enterprise"}, "bravo foxtrot"},
		{map[string]string{"period_months": "1"}, "golf delta"},
		{map[string]string{"period_months": "24"}, "bravo"},
		{map[string]string{"status": "suspended"}, "charlie"},
		{map[string]string{"status": "ordered"}, "bravo echo"},
		{map[string]string{"status": "active"}, "alpha delta foxtrot"},
		{map[string]string{"status": "expired"}, "golf"},
		{map[string]string{"status": "cancelled"}, ""},
		{map[string]string{"payment_status": "pending"}, "golf bravo charlie delta"},
		{map[string]string{"payment_status": "paid"}, "alpha echo"},
		{map[string]string{"payment_status": "refunded"}, "foxtrot"},
		{map[string]string{"customer": "MÜLLER"}, "alpha"},
		{map[string]string{"customer": "mueller.example"}, "alpha"},
		{map[string]string{"customer": "łódź"}, "charlie"},
		{map[string]string{"distributor_id": uidStr(f.dist.ID)}, "golf alpha bravo charlie"},
		{map[string]string{"partner_id": uidStr(f.pa.ID)}, "golf alpha bravo charlie"},
		{map[string]string{"partner_id": uidStr(f.pb.ID)}, "delta echo"},
		{map[string]string{"partner_id": "0"}, "foxtrot"},
		{map[string]string{"order_number": "O-100"}, "alpha bravo"},
		{map[string]string{"order_number": "o-2001"}, "echo"},
		{map[string]string{"valid_to_after": "2027-01-01"}, "alpha charlie foxtrot"},
		{map[string]string{"valid_to_before": "2026-06-01"}, "golf delta"},
		{map[string]string{"valid_to_after": "2026-04-03", "valid_to_before": "2026-12-31"}, "delta"},
		{map[string]string{"valid_to_after": "2027-04-07T00:00:00Z"}, "charlie foxtrot"},
		{map[string]string{"valid_to_before": "2027-04-06"}, "golf alpha delta"}, // the whole day counts
		{map[string]string{"valid_from_after": "2026-04-08"}, "charlie delta foxtrot"},
		{map[string]string{"valid_from_before": "2026-04-06"}, "golf alpha"},
		{map[string]string{"purchased_after": "2026-04-10"}, "echo foxtrot"},
		{map[string]string{"purchased_before": "2026-03-31"}, "golf"},
		{map[string]string{"purchased_after": "2026-04-07", "purchased_before": "2026-04-08"}, "bravo charlie"},
		{map[string]string{"partner_id": uidStr(f.pa.ID), "status": "active"}, "alpha"},
		{map[string]string{"product_id": uidStr(f.av.ID), "status": "ordered"}, "bravo echo"},
		{map[string]string{"status": "active", "payment_status": "refunded"}, "foxtrot"},
		{map[string]string{"partner_id": uidStr(f.pb.ID), "product_id": uidStr(f.av.ID), "status": "active"}, "delta"},
		{map[string]string{"partner_id": uidStr(f.pa.ID), "product_id": uidStr(f.fw.ID)}, "charlie"},
		{map[string]string{"customer": "gmbh", "valid_to_after": "2027-01-01", "period_months": "12"}, "alpha"},
		{map[string]string{"group": "status", "status": "ordered"}, "bravo echo"}, // group is the UI's, not a filter
	}
	for _, c := range cases {
		for _, sort := range []string{"", "-valid_to", "id", "-purchased", "name"} {
			pg := f.list(f.op, c.filters, sort)
			if want := s.ids(namesOf(c.want)...); !sameIDs(licIDs(pg), want) || pg.Total != len(want) {
				t.Errorf("filter %v sort %q: got %v (total %d); want %v", c.filters, sort, s.names(pg), pg.Total, namesOf(c.want))
			}
		}
	}
}

// TestListPartnerSeesOwnOnly: a partner's list is its own, whatever
// filter it sends.
func TestListPartnerSeesOwnOnly(t *testing.T) {
	t.Parallel()
	s := newListSet(t)
	f := s.licFix
	cases := []struct {
		as      app.Actor
		filters map[string]string
		want    string
	}{
		{f.ua, nil, "golf alpha bravo charlie"},
		{f.ub, nil, "delta echo"},
		{f.uc, nil, ""},
		{f.ua, map[string]string{"partner_id": uidStr(f.pa.ID)}, "golf alpha bravo charlie"},
		{f.ub, map[string]string{"status": "ordered"}, "echo"},
		{f.ua, map[string]string{"id": uidStr(s.delta.ID)}, ""},
		{f.ub, map[string]string{"key": s.alpha.Key}, ""},
		{f.ua, map[string]string{"product_id": uidStr(f.fw.ID)}, "charlie"},
		{f.ub, map[string]string{"view": "unused"}, "echo"},
		{f.ua, map[string]string{"view": "expired"}, "golf"},
	}
	for _, c := range cases {
		for _, sort := range []string{"", "id", "-name"} {
			pg := f.list(c.as, c.filters, sort)
			if want := s.ids(namesOf(c.want)...); !sameIDs(licIDs(pg), want) || pg.Total != len(want) {
				t.Errorf("%s filter %v sort %q: got %v (total %d); want %v", c.as.Email, c.filters, sort, s.names(pg), pg.Total, namesOf(c.want))
			}
		}
	}
	// Another partner's id (or the operator's stock, 0) is not found.
	for _, v := range []string{uidStr(f.pb.ID), "0"} {
		if _, err := f.svc.ListLicenses(f.ua, app.ListParams{Filters: map[string]string{"partner_id": v}}); !errors.Is(err, app.ErrNotFound) {
			t.Errorf("%s filter partner_id=%s: %v; want not found", f.ua.Email, v, err)
		}
	}
	// A partner actor without a partner sees nothing at all.
	_, err := f.svc.ListLicenses(app.Actor{Email: "x", Role: app.RolePartner}, app.ListParams{})
	licWantIs(t, err, app.ErrForbidden)
}

// TestListViews (F9): expiring soon (30 days by default, or `days`),
// expired, unused.
func TestListViews(t *testing.T) {
	t.Parallel()
	s := newListSet(t)
	f := s.licFix
	cases := []struct {
		as      app.Actor
		filters map[string]string
		want    string // in the list's order (by valid_to)
	}{
		{f.op, map[string]string{"view": "expiring"}, "delta"},
		{f.op, map[string]string{"view": "expiring", "days": "400"}, "delta alpha foxtrot"},
		{f.op, map[string]string{"view": "expiring", "days": "400", "status": "suspended"}, "charlie"},
		{f.op, map[string]string{"view": "expiring", "days": "400", "product_id": uidStr(f.fw.ID)}, "foxtrot"},
		{f.ua, map[string]string{"view": "expiring", "days": "400"}, "alpha"},
		{f.ub, map[string]string{"view": "expiring"}, "delta"},
		{f.op, map[string]string{"view": "expired"}, "golf"},
		{f.op, map[string]string{"view": "unused"}, "bravo echo"},
		{f.ub, map[string]string{"view": "unused"}, "echo"},
		{f.op, map[string]string{"view": "unused", "status": "ordered"}, "bravo echo"},
	}
	for _, c := range cases {
		pg := f.list(c.as, c.filters, "")
		if got := strings.Join(s.names(pg), " "); got != c.want || pg.Total != len(namesOf(c.want)) {
			t.Errorf("%s %v: got %q (total %d); want %q", c.as.Email, c.filters, got, pg.Total, c.want)
		}
	}
	// delta ends on 9 May 09:00, exactly 28 days after now: the edge of
	// the window counts.
	if pg := f.list(f.op, map[string]string{"view": "expiring", "days": "27"}, ""); pg.Total != 0 {
		t.Errorf("27-day window holds %v; delta ends in 28 days", s.names(pg))
	}
	if pg := f.list(f.op, map[string]string{"view": "expiring", "days": "28"}, ""); strings.Join(s.names(pg), " ") != "delta" {
		t.Errorf("28-day window holds %v; want delta", s.names(pg))
	}
	// The window moves with the clock; an ended license is no longer expiring.
	f.clk.Set(time.Date(2026, 5, 10, 9, 0, 0, 0, time.UTC))
	if pg := f.list(f.op, map[string]string{"view": "expiring"}, ""); pg.Total != 0 {
		t.Errorf("after delta ended the expiring view holds %v", s.names(pg))
	}
	// A configured window (Options.ExpiringDays) replaces the default.
	f.clk.Set(listNow)
	if err := f.svc.Close(); err != nil {
		t.Fatal(err)
	}
	svc, err := app.Open(app.Options{DataDir: f.dir, Logger: licQuiet, Now: f.clk.Now, ExpiringDays: 400})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	if pg := f.list(f.op, map[string]string{"view": "expiring"}, ""); strings.Join(s.names(pg), " ") != "delta alpha foxtrot" {
		t.Errorf("with a 400-day window the view holds %v", s.names(pg))
	}
}

// TestListErrorsNameTheParameter: a typo in a filter, sort or date is
// refused naming the parameter, never silently ignored.
func TestListErrorsNameTheParameter(t *testing.T) {
	t.Parallel()
	s := newListSet(t)
	f := s.licFix
	cases := []struct {
		filters map[string]string
		sort    string
		field   string
		says    string
	}{
		{map[string]string{"colour": "red"}, "", "colour", "valid_to_after"},
		{map[string]string{"statu": "active"}, "", "statu", "status"},
		{nil, "colour", "sort", "colour"},
		{nil, "-colour", "sort", "colour"},
		{map[string]string{"valid_to_after": "31/12/2026"}, "", "valid_to_after", "31/12/2026"},
		{map[string]string{"valid_to_before": "2026-02-30"}, "", "valid_to_before", "2026-02-30"},
		{map[string]string{"valid_from_after": "2026-13-01"}, "", "valid_from_after", "2026-13-01"},
		{map[string]string{"valid_from_before": "soon"}, "", "valid_from_before", "soon"},
		{map[string]string{"purchased_after": "yesterday"}, "", "purchased_after", "yesterday"},
		{map[string]string{"purchased_before": "2026-4-1"}, "", "purchased_before", "2026-4-1"},
		{map[string]string{"status": "gone"}, "", "status", "active"},
		{map[string]string{"payment_status": "free"}, "", "payment_status", "pending"},
		{map[string]string{"view": "soon"}, "", "view", "expiring"},
		{map[string]string{"view": "expiring", "days": "0"}, "", "days", "1"},
		{map[string]string{"view": "expiring", "days": "many"}, "", "days", "1"},
		{map[string]string{"product_id": "av"}, "", "product_id", "av"},
		{map[string]string{"id": "x1"}, "", "id", "x1"},

		{map[string]string{"distributor_id": "-1"}, "", "distributor_id", "-1"},
		{map[string]string{"period_months": "a year"}, "", "period_months", "a year"},
		{map[string]string{"view": "expired", "status": "active"}, "", "status", "expired"},
		{map[string]string{"view": "unused", "status": "active"}, "", "status", "unused"},
	}
	// A partner's partner_id is ignored (it sees its own licenses only),
	// so only the operator's is checked.
	_, err := f.svc.ListLicenses(f.op, app.ListParams{Filters: map[string]string{"partner_id": "P-AB12"}})
	if ve := licWantField(t, err, "partner_id"); !strings.Contains(ve.Message, "P-AB12") {
		t.Errorf("partner_id message %q", ve.Message)
	}
	for _, c := range cases {
		for _, as := range []app.Actor{f.op, f.ua} {
			_, err := f.svc.ListLicenses(as, app.ListParams{Sort: c.sort, Filters: c.filters})
			ve := licWantField(t, err, c.field)
			if !strings.Contains(ve.Message, c.says) {
				t.Errorf("%v sort %q: message %q does not say %q", c.filters, c.sort, ve.Message, c.says)
			}
		}
	}
}

// sortCol extracts a column as the list compares it (strings without
// case), written independently of the service.
var sortCols = map[string]func(l app.LicenseView) any{
	"name":           func(l app.LicenseView) any { return strings.ToLower(l.Name) },
	"id":             func(l app.LicenseView) any { return l.ID },
	"purchased":      func(l app.LicenseView) any { return l.Purchased.Unix() },
	"valid_to":       func(l app.LicenseView) any { return timeOrMax(l.ValidTo) },
	"valid_from":     func(l app.LicenseView) any { return timeOrMax(l.ValidFrom) },
	"seats":          func(l app.LicenseView) any { return int64(l.Seats) },
	"status":         func(l app.LicenseView) any { return string(l.Status) },
	"payment_status": func(l app.LicenseView) any { return string(l.Payment) },
	"customer":       func(l app.LicenseView) any { return strings.ToLower(l.Customer) },
	"product":        func(l app.LicenseView) any { return strings.ToLower(l.ProductName) },
	"edition":        func(l app.LicenseView) any { return l.Edition },
	"period_months":  func(l app.LicenseView) any { return int64(l.PeriodMonths) },
	"partner_id":     func(l app.LicenseView) any { return l.PartnerID },
	"key":            func(l app.LicenseView) any { return l.Key },
	"ip":             func(l app.LicenseView) any { return l.IP },
	"order_number":   func(l app.LicenseView) any { return strings.ToLower(l.OrderNumber) },
}

func timeOrMax(t *time.Time) int64 {
	if t == nil {
		return 1<<63 - 1
	}
	return t.Unix()
}

func cmpCol(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case int64:
		return cmp.Compare(x, b.(int64))
	case uint64:
		return cmp.Compare(x, b.(uint64))
	}
	panic("column type")
}

// TestListSort (F8): every column sorts ascending and descending, ties
// broken by id so the order is stable, the same on every execution path
// (index scan, record scan, search), and paging cuts it without gaps.
func TestListSort(t *testing.T) {
	t.Parallel()
	s := newListSet(t)
	f := s.licFix
	// Hand-checked orders.
	for sort, want := range map[string]string{
		"name":      "alpha bravo charlie delta echo foxtrot golf",
		"-name":     "golf foxtrot echo delta charlie bravo alpha",
		"":          "golf delta alpha charlie foxtrot bravo echo", // valid_to, undated last
		"valid_to":  "golf delta alpha charlie foxtrot bravo echo",
		"-valid_to": "echo bravo foxtrot charlie alpha delta golf",
		"seats":     "golf delta alpha charlie echo bravo foxtrot",
		"-seats":    "foxtrot bravo echo charlie alpha delta golf",
		"id":        "golf alpha bravo charlie delta echo foxtrot",
		"-id":       "foxtrot echo delta charlie bravo alpha golf",
		"purchased": "golf alpha bravo charlie delta echo foxtrot",
		"status":    "alpha delta foxtrot golf bravo echo charlie",
		"product":   "charlie foxtrot golf alpha bravo delta echo", // Harbor Firewall < Sentinel Antivirus
	} {
		if got := strings.Join(s.names(f.list(f.op, nil, sort)), " "); got != want {
			t.Errorf("sort %q: %s; want %s", sort, got, want)
		}
	}
	filtered := map[string]string{"payment_status": "pending"} // forces the record scan
	for col, get := range sortCols {
		for _, desc := range []bool{false, true} {
			sort := col
			if desc {
				sort = "-" + col
			}
			full := f.list(f.op, nil, sort)
			if full.Total != 7 {
				t.Fatalf("sort %s: total %d", sort, full.Total)
			}
			for i := 1; i < len(full.Items); i++ {
				a, b := full.Items[i-1], full.Items[i]
				c := cmpCol(get(a), get(b))
				if c == 0 {
					c = cmp.Compare(a.ID, b.ID)
				}
				if desc {
					c = -c
				}
				if c >= 0 {
					t.Errorf("sort %s: %s before %s", sort, a.Name, b.Name)
				}
			}
			// Descending is the exact reverse of ascending.
			if desc {
				asc := licIDs(f.list(f.op, nil, col))
				slices.Reverse(asc)
				if !slices.Equal(asc, licIDs(full)) {
					t.Errorf("sort %s is not the reverse of %s", sort, col)
				}
			}
			// Stable: asking again gives the same order.
			if !slices.Equal(licIDs(f.list(f.op, nil, sort)), licIDs(full)) {
				t.Errorf("sort %s: order changed between two identical requests", sort)
			}
			// A record-scan filter and a search keep the same relative order.
			for _, narrow := range []map[string]string{filtered, {"q": "renewal"}, {"status": "active"}, {"partner_id": uidStr(f.pa.ID)}} {
				sub := f.list(f.op, narrow, sort)
				var want []uint64
				in := map[uint64]bool{}
				for _, id := range licIDs(sub) {
					in[id] = true
				}
				for _, id := range licIDs(full) {
					if in[id] {
						want = append(want, id)
					}
				}
				if len(want) != sub.Total || !slices.Equal(licIDs(sub), want) {
					t.Errorf("sort %s with %v: %v; want the full order restricted, %v", sort, narrow, licIDs(sub), want)
				}
			}
			// Paging: pages of 3 concatenate to the whole list.
			for _, narrow := range []map[string]string{nil, filtered, {"q": "renewal"}} {
				whole := licIDs(f.list(f.op, narrow, sort))
				var paged []uint64
				for page := 1; page <= 4; page++ {
					pg, err := f.svc.ListLicenses(f.op, app.ListParams{Page: page, PerPage: 3, Sort: sort, Filters: narrow})
					if err != nil {
						t.Fatal(err)
					}
					if pg.Total != len(whole) || pg.Page.Page != page || pg.PerPage != 3 {
						t.Errorf("sort %s %v page %d: total %d page %d per_page %d; want total %d", sort, narrow, page, pg.Total, pg.Page.Page, pg.PerPage, len(whole))
					}
					if len(pg.Items) > 3 {
						t.Errorf("page of 3 holds %d", len(pg.Items))
					}
					paged = append(paged, licIDs(pg)...)
				}
				if !slices.Equal(paged, whole) {
					t.Errorf("sort %s %v: pages give %v; the list is %v", sort, narrow, paged, whole)
				}
			}
		}
	}
}

// TestGroupLicenses (F13): counts per product, status, customer and
// partner add up to the list total and open to lists of that size.
func TestGroupLicenses(t *testing.T) {
	t.Parallel()
	s := newListSet(t)
	f := s.licFix
	type want map[string]int // label → count
	cases := []struct {
		as      app.Actor
		by      string
		filters map[string]string
		want    want
		filter  string // the list filter a group's value opens
	}{
		{f.op, "product", nil, want{"Sentinel Antivirus": 5, "Harbor Firewall": 2}, "product_id"},
		{f.op, "status", nil, want{"active": 3, "ordered": 2, "suspended": 1, "expired": 1}, "status"},
		{f.op, "partner", nil, want{"Alpha Reseller (" + f.pa.PublicID + ")": 4, "Beta MSP (" + f.pb.PublicID + ")": 2, "(operator stock)": 1}, "partner_id"},
		{f.op, "customer", nil, want{"(no customer)": 2, "Old Co": 1, "Müller Bau GmbH": 1, "Łódź Systems": 1, "Nordwind AG": 1, "Harbor Ltd": 1}, ""},
		{f.op, "product", map[string]string{"status": "active"}, want{"Sentinel Antivirus": 2, "Harbor Firewall": 1}, "product_id"},
		{f.op, "status", map[string]string{"q": "renewal"}, want{"active": 3, "suspended": 1}, "status"},
		{f.op, "product", map[string]string{"view": "expiring", "days": "400"}, want{"Sentinel Antivirus": 2, "Harbor Firewall": 1}, "product_id"},
		{f.op, "status", map[string]string{"payment_status": "pending"}, want{"active": 1, "ordered": 1, "suspended": 1, "expired": 1}, "status"},
		{f.ua, "status", nil, want{"active": 1, "ordered": 1, "suspended": 1, "expired": 1}, "status"},
		{f.ub, "product", nil, want{"Sentinel Antivirus": 2}, "product_id"},
		{f.uc, "status", nil, want{}, "status"},
	}
	for _, c := range cases {
		p := app.ListParams{Filters: c.filters}
		groups, err := f.svc.GroupLicenses(c.as, p, c.by)
		if err != nil {
			t.Fatalf("%s group by %s %v: %v", c.as.Email, c.by, c.filters, err)
		}
		got := want{}
		sum := 0
		for i, g := range groups {
			got[g.Label] = g.Count
			sum += g.Count
			if i > 0 && groups[i-1].Count < g.Count {
				t.Errorf("groups not largest first: %+v", groups)
			}
			if c.filter == "" {
				continue
			}
			open := map[string]string{c.filter: g.Value}
			for k, v := range c.filters {
				open[k] = v
			}
			if pg := f.list(c.as, open, ""); pg.Total != g.Count {
				t.Errorf("%s group %s=%q (%s) counts %d but opens to %d licenses", c.as.Email, c.by, g.Value, g.Label, g.Count, pg.Total)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%s group by %s %v: %v; want %v", c.as.Email, c.by, c.filters, got, c.want)
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%s group by %s %v: %q counts %d; want %d (all: %v)", c.as.Email, c.by, c.filters, k, got[k], v, got)
			}
		}
		if total := f.list(c.as, c.filters, "").Total; sum != total {
			t.Errorf("%s group by %s %v: counts add to %d; the list holds %d", c.as.Email, c.by, c.filters, sum, total)
		}
	}
	_, err := f.svc.GroupLicenses(f.ua, app.ListParams{}, "partner")
	licWantField(t, err, "group")
	_, err = f.svc.GroupLicenses(f.op, app.ListParams{}, "colour")
	licWantField(t, err, "group")
	_, err = f.svc.GroupLicenses(f.op, app.ListParams{Filters: map[string]string{"colour": "x"}}, "status")
	licWantField(t, err, "colour")
}
