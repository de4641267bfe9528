package app_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"licensedesk/app"
)

// allLicenses pages through everything the actor may see, by id.
func allLicenses(f *licFix, a app.Actor) []app.LicenseView {
	f.t.Helper()
	var out []app.LicenseView
	for page := 1; ; page++ {
		pg, err := f.svc.ListLicenses(a, app.ListParams{Page: page, PerPage: app.MaxPerPage, Sort: "id"})
		if err != nil {
			f.t.Fatal(err)
		}
		out = append(out, pg.Items...)
		if len(pg.Items) < app.MaxPerPage {
			return out
		}
	}
}

func compact(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "")) }

// containsAnywhere is what an infix search promises: the fragment is in
// the key (dashes ignored), IP or order number, or in the name, notes or
// customer, ignoring case.
func containsAnywhere(l app.LicenseView, frag string) bool {
	up := strings.ToUpper(frag)
	if strings.Contains(compact(l.Key), compact(up)) || strings.Contains(strings.ToUpper(l.IP), up) ||
		strings.Contains(strings.ToUpper(l.OrderNumber), up) {
		return true
	}
	low := strings.ToLower(frag)
	for _, s := range []string{l.Name, l.Notes, l.Customer, l.CustomerEmail} {
		if strings.Contains(strings.ToLower(s), low) {
			return true
		}
	}
	return false
}

// searchSet is the list fixture plus 400 keys of partner A, and two
// operator licenses with chosen order numbers: one holds EFGH, the other
// shares both its trigrams (EFG, FGH) without holding it.
type searchSet struct {
	*listSet
	bulk            []app.LicenseView
	holds, overlaps app.LicenseView
}

func newSearchSet(t *testing.T) *searchSet {
	s := &searchSet{listSet: newListSet(t)}
	f := s.licFix
	s.bulk = f.create(f.ua, app.LicenseCreate{ProductID: f.av.ID, Edition: "business", Seats: 2, PeriodMonths: 12, Count: 400, Name: "bulk"})
	s.holds = f.one(f.op, app.LicenseCreate{ProductID: f.fw.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Name: "holds", OrderNumber: "ZZEFGHZZ"})
	s.overlaps = f.one(f.op, app.LicenseCreate{ProductID: f.fw.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Name: "overlaps", OrderNumber: "EFGXFGH"})
	return s
}

// search runs q (with extra filters) and returns the page, all rows.
func (s *searchSet) search(a app.Actor, q string, filters map[string]string) app.LicensePage {
	m := map[string]string{"q": q}
	for k, v := range filters {
		m[k] = v
	}
	return s.list(a, m, "")
}

// TestSearchInfixOnKeys (F10): `*EFGH*` on a real key fragment finds
// exactly the licenses that hold it (checked against a full scan), in
// any case and with or without the dash, and never a license that only
// shares its trigrams.
func TestSearchInfixOnKeys(t *testing.T) {
	t.Parallel()
	s := newSearchSet(t)
	f := s.licFix
	all := allLicenses(f, f.op)
	if len(all) != 409 {
		t.Fatalf("fixture holds %d licenses", len(all))
	}
	exact := func(q, frag string, as app.Actor, pool []app.LicenseView, mustFind uint64) {
		t.Helper()
		pg := s.search(as, q, nil)
		got := map[uint64]bool{}
		for _, l := range pg.Items {
			got[l.ID] = true
			if !containsAnywhere(l, frag) {
				t.Errorf("search %q returned %s (key %s) which does not contain %q", q, l.Name, l.Key, frag)
			}
		}
		for _, l := range pool {
			if containsAnywhere(l, frag) && !got[l.ID] {
				t.Errorf("search %q missed %s (key %s)", q, l.Name, l.Key)
			}
		}
		if mustFind != 0 && !got[mustFind] {
			t.Errorf("search %q did not find license %d", q, mustFind)
		}
		if pg.Total != len(pg.Items) {
			t.Errorf("search %q: total %d for %d rows", q, pg.Total, len(pg.Items))
		}
	}
	sources := append([]app.LicenseView{}, s.all...)
	sources = append(sources, s.bulk[:8]...)
	for i, l := range sources {
		c := compact(l.Key)
		for j, at := range []int{0, 9, 21} {
			frag := c[at : at+4]
			if (i+j)%3 == 0 {
				frag = strings.ToLower(frag)
			}
			exact("*"+frag+"*", frag, f.op, all, l.ID)
		}
		// Across a dash, typed with it, and with only a leading star.
		withDash := l.Key[3:8]
		if i%2 == 0 {
			withDash = strings.ToLower(withDash)
		}
		exact("*"+withDash+"*", withDash, f.op, all, l.ID)
		long := c[2:12]
		exact("*"+long+"*", long, f.op, all, l.ID)
	}
	// Chosen trigram overlap: EFGXFGH holds EFG and FGH but not EFGH.
	pg := s.search(f.op, "*EFGH*", nil)
	for _, l := range pg.Items {
		if l.ID == s.overlaps.ID {
			t.Errorf("*EFGH* found %q, which only shares its trigrams", l.OrderNumber)
		}
	}
	exact("*EFGH*", "EFGH", f.op, all, s.holds.ID)
	exact("*efgh*", "EFGH", f.op, all, s.holds.ID)
	exact("*FGXF*", "FGXF", f.op, all, s.overlaps.ID)
}

// TestSearchPrefixAndWholeKey: `ABC*` finds the keys that start so; a
// whole key finds its license however it is typed.
func TestSearchPrefixAndWholeKey(t *testing.T) {
	t.Parallel()
	s := newSearchSet(t)
	f := s.licFix
	all := allLicenses(f, f.op)
	for _, l := range append(append([]app.LicenseView{}, s.all...), s.bulk[:5]...) {
		for _, p := range []string{l.Key[:3], l.Key[:5], l.Key[:8], strings.ToLower(l.Key[:4])} {
			q := p + "*"
			pg := s.search(f.op, q, nil)
			got := map[uint64]bool{}
			for _, h := range pg.Items {
				got[h.ID] = true
				if !hasPrefixSomewhere(h, p) {
					t.Errorf("prefix %q found key %s, which has it in no field", q, h.Key)
				}
			}
			for _, o := range all {
				if strings.HasPrefix(compact(o.Key), compact(p)) && !got[o.ID] {
					t.Errorf("prefix %q missed key %s", q, o.Key)
				}
			}
		}
		for _, typed := range []string{l.Key, strings.ToLower(l.Key), compact(l.Key), strings.ToLower(compact(l.Key))} {
			pg := s.search(f.op, typed, nil)
			if !sameIDs(licIDs(pg), []uint64{l.ID}) {
				t.Errorf("whole key %q finds %v; want only %s", typed, s.names(pg), l.Name)
			}
		}
	}
}

// TestSearchWordsIPOrderAndFilters: plain words in notes, name and
// customer; IP and order number; combined with filters.
func TestSearchWordsIPOrderAndFilters(t *testing.T) {
	t.Parallel()
	s := newSearchSet(t)
	f := s.licFix
	cases := []struct {
		q       string
		filters map[string]string
		want    string
	}{
		{"renewal", nil, "alpha charlie delta foxtrot"},
		{"RENEWAL", nil, "alpha charlie delta foxtrot"},
		{"renewal march", nil, "alpha"},
		{"march renewal", nil, "alpha"},
		{"renewal nothing-like-this", nil, ""},
		{"nordwind", nil, "delta"},
		{"Müller", nil, "alpha"},
		{"łódź", nil, "charlie"},
		{"foxtrot", nil, "foxtrot"},
		{"harbor", nil, "foxtrot"}, // the customer, not the product
		{"*ordwin*", nil, "delta"},
		{"renew*", nil, "alpha charlie delta foxtrot"},
		{"203.0.113.7", nil, "alpha"},
		{"*0.113*", nil, "alpha"},
		{"198.51.100.20", nil, "charlie"},
		{"O-1001", nil, "alpha"},
		{"o-1001", nil, "alpha"},
		{"O-100*", nil, "alpha bravo"},
		{"*-200*", nil, "echo"},
		{"renewal", map[string]string{"status": "suspended"}, "charlie"},
		{"renewal", map[string]string{"product_id": uidStr(f.fw.ID)}, "charlie foxtrot"},
		{"renewal", map[string]string{"partner_id": uidStr(f.pa.ID)}, "alpha charlie"},
		{"renewal", map[string]string{"partner_id": "0"}, "foxtrot"},
		{"renewal", map[string]string{"view": "expiring", "days": "400"}, "alpha delta foxtrot"},
		{"renewal", map[string]string{"payment_status": "pending"}, "charlie delta"},
		{"renewal", map[string]string{"status": "active", "product_id": uidStr(f.av.ID)}, "alpha delta"},
		{"renewal", map[string]string{"valid_to_before": "2026-12-31"}, "delta"},
		{"*" + compact(s.alpha.Key)[5:13] + "*", map[string]string{"status": "ordered"}, ""},
		{"*" + compact(s.alpha.Key)[5:13] + "*", map[string]string{"status": "active"}, "alpha"},
		{"renewal *" + compact(s.alpha.Key)[5:13] + "*", nil, "alpha"},
		{s.echo.Key, map[string]string{"view": "unused"}, "echo"},
		{s.echo.Key, map[string]string{"view": "expired"}, ""},
	}
	for _, c := range cases {
		pg := s.search(f.op, c.q, c.filters)
		if want := s.ids(namesOf(c.want)...); !sameIDs(licIDs(pg), want) || pg.Total != len(want) {
			t.Errorf("search %q %v: %v (total %d); want %v", c.q, c.filters, s.names(pg), pg.Total, namesOf(c.want))
		}
	}
	// Stars alone are no search: the whole list.
	if pg := s.search(f.op, "*", nil); pg.Total != 409 {
		t.Errorf("search * gives %d", pg.Total)
	}
	// An edit is searchable at once, and the old value is gone.
	if _, err := f.svc.EditLicense(f.op, s.alpha.ID, app.LicenseEdit{IP: licP("192.0.2.99"), Name: licP("alpha renamed")}); err != nil {
		t.Fatal(err)
	}
	if pg := s.search(f.op, "192.0.2.99", nil); !sameIDs(licIDs(pg), []uint64{s.alpha.ID}) {
		t.Errorf("new IP finds %v", s.names(pg))
	}
	if pg := s.search(f.op, "203.0.113.7", nil); pg.Total != 0 {
		t.Errorf("old IP still finds %v", s.names(pg))
	}
	if pg := s.search(f.op, "renamed", nil); !sameIDs(licIDs(pg), []uint64{s.alpha.ID}) {
		t.Errorf("new name finds %v", s.names(pg))
	}
}

// TestSearchPartnerSeesOwnOnly: a partner never sees another partner's
// license in search results, whatever it types.
func TestSearchPartnerSeesOwnOnly(t *testing.T) {
	t.Parallel()
	s := newSearchSet(t)
	f := s.licFix
	own := map[uint64]bool{}
	for _, l := range allLicenses(f, f.ua) {
		own[l.ID] = true
		if l.PartnerID != f.pa.ID {
			t.Fatalf("partner A's list holds license %d of partner %d", l.ID, l.PartnerID)
		}
	}
	if len(own) != 404 {
		t.Fatalf("partner A sees %d licenses; want 404", len(own))
	}
	queries := []string{"renewal", "harbor", "nordwind", "O-2001", "O-100*", "*EFGH*", "ZZEFGHZZ", "*FGXF*", "holds",
		s.echo.Key, compact(s.delta.Key), strings.ToLower(s.foxtrot.Key), s.echo.Key[:5] + "*",
		"*" + compact(s.delta.Key)[8:12] + "*", "*" + compact(s.alpha.Key)[8:16] + "*", "*"}
	for _, q := range queries {
		for _, filters := range []map[string]string{nil, {"partner_id": uidStr(f.pb.ID)}} {
			if filters == nil {
				pg := s.search(f.ua, q, filters)
				for _, l := range pg.Items {
					if !own[l.ID] {
						t.Errorf("partner A searching %q %v sees %s of partner %d", q, filters, l.Name, l.PartnerID)
					}
				}
				if pg := s.search(f.uc, q, filters); pg.Total != 0 {
					t.Errorf("partner C searching %q finds %v", q, s.names(pg))
				}
			} else {
				// Naming partner B's id is a probe of B's data: not found,
				// as asking for one of B's licenses is.
				for _, a := range []app.Actor{f.ua, f.uc} {
					if _, err := f.svc.ListLicenses(a, app.ListParams{Filters: map[string]string{"q": q, "partner_id": filters["partner_id"]}}); !errors.Is(err, app.ErrNotFound) {
						t.Errorf("%s searching %q with partner B's id: %v; want not found", a.Email, q, err)
					}
				}
			}
			pg := s.search(f.ub, q, filters)
			for _, l := range pg.Items {
				if l.PartnerID != f.pb.ID {
					t.Errorf("partner B searching %q %v sees %s of partner %d", q, filters, l.Name, l.PartnerID)
				}
			}
		}
	}
	// Eight characters of a key: no other of the 409 random keys holds
	// them (30^8 combinations), so the answer is exactly alpha.
	for q, want := range map[string]string{"renewal": "alpha charlie", "O-1001": "alpha", "*" + compact(s.alpha.Key)[8:16] + "*": "alpha"} {
		pg := s.search(f.ua, q, nil)
		if !sameIDs(licIDs(pg), s.ids(namesOf(want)...)) {
			t.Errorf("partner A searching %q finds %v; want %s", q, s.names(pg), want)
		}
	}
	if pg := s.search(f.ub, "renewal", nil); !sameIDs(licIDs(pg), s.ids("delta")) {
		t.Errorf("partner B searching renewal finds %v", s.names(pg))
	}
}

// hasPrefixSomewhere reports whether a prefix search for p may find l:
// its key starts with p (however dashed), or its IP or order number, or
// a word of its name, notes or customer (a random key's "MAR" also finds
// a note saying "march").
func hasPrefixSomewhere(l app.LicenseView, p string) bool {
	if strings.HasPrefix(compact(l.Key), compact(p)) {
		return true
	}
	lp := strings.ToLower(p)
	for _, v := range []string{l.IP, l.OrderNumber} {
		if strings.HasPrefix(strings.ToLower(v), lp) {
			return true
		}
	}
	for _, text := range []string{l.Name, l.Notes, l.Customer} {
		for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if strings.HasPrefix(w, lp) {
				return true
			}
		}
	}
	return false
}
