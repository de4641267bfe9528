package web

import (
	"fmt"
	"strings"
	"testing"

	"licensedesk/app"
)

// GET /api/v1/partners/:id/account pages the balance entries like every
// list (page, per_page, exact total, newest first, sort created or
// -created, unknown parameters refused by name), and the partner's
// dashboard and account page show a bounded part of a long ledger.
func TestAccountAPIAndPagesPageTheLedger(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	op := w.bearer("ops@example.com")
	p := w.partner("Northwind")
	pid := uintString(p.ID)
	for i := 1; i <= 60; i++ {
		body := fmt.Sprintf(`{"amount":%d,"kind":"topup","reason":"wire %d"}`, i, i)
		wantStatus(t, "top-up", w.do(op, "POST", "/api/v1/partners/"+pid+"/balance", body), 201)
	}
	const sum = 60 * 61 / 2
	get := func(query string) app.Account {
		t.Helper()
		r := w.do(op, "GET", "/api/v1/partners/"+pid+"/account"+query, "")
		wantStatus(t, "account"+query, r, 200)
		var acc app.Account
		r.json(t, &acc)
		if acc.Total != 60 || acc.Balance.Amount != sum || acc.Partner.ID != p.ID {
			t.Fatalf("account%s: total %d balance %d: %s", query, acc.Total, acc.Balance.Amount, r.body)
		}
		return acc
	}
	amounts := func(acc app.Account) []int64 {
		var out []int64
		for _, e := range acc.Entries {
			if e.Balance != e.Amount*(e.Amount+1)/2 {
				t.Errorf("entry %d: running balance %d, want %d", e.Amount, e.Balance, e.Amount*(e.Amount+1)/2)
			}
			out = append(out, e.Amount)
		}
		return out
	}
	want := func(what string, got []int64, from, to int64) {
		t.Helper()
		var w []int64
		for a := from; a != to; {
			w = append(w, a)
			if from < to {
				a++
			} else {
				a--
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s: amounts %v, want %v", what, got, w)
		}
	}
	acc := get("")
	if acc.Page != 1 || acc.PerPage != 50 {
		t.Errorf("default page %d per_page %d, want 1 and 50", acc.Page, acc.PerPage)
	}
	want("default page", amounts(acc), 60, 10)
	acc = get("?page=2")
	want("page 2", amounts(acc), 10, 0)
	acc = get("?per_page=7&page=3")
	if acc.Page != 3 || acc.PerPage != 7 {
		t.Errorf("page %d per_page %d, want 3 and 7", acc.Page, acc.PerPage)
	}
	want("per_page=7&page=3", amounts(acc), 46, 39)
	want("oldest first", amounts(get("?sort=created&per_page=5&page=2")), 6, 11)
	want("past the end", amounts(get("?page=9")), 0, 0)

	for q, field := range map[string]string{"?kind=topup": "kind", "?sort=amount": "sort", "?page=0": "page", "?per_page=x": "per_page"} {
		r := w.do(op, "GET", "/api/v1/partners/"+pid+"/account"+q, "")
		wantStatus(t, "account"+q, r, 422)
		if e := r.apiError(t); e.Error.Field != field {
			t.Errorf("account%s: field %q, want %q: %s", q, e.Error.Field, field, r.body)
		}
	}

	// The partner's dashboard shows the five latest movements; the
	// account page 25 at a time with a pager over all 60.
	w.user("sales@northwind.example", p.ID)
	pc := w.session("sales@northwind.example")
	r := w.do(pc, "GET", "/", "")
	wantStatus(t, "dashboard", r, 200)
	body := string(r.body)
	for i := 56; i <= 60; i++ {
		if !strings.Contains(body, fmt.Sprintf("wire %d<", i)) {
			t.Errorf("dashboard does not show the movement %d", i)
		}
	}
	if strings.Contains(body, "wire 55<") {
		t.Error("dashboard shows more than the five latest movements")
	}
	r = w.do(pc, "GET", "/account?page=3", "")
	wantStatus(t, "account page 3", r, 200)
	body = string(r.body)
	if !strings.Contains(body, "51–60 of 60") || !strings.Contains(body, "Page 3 of 3") {
		t.Errorf("account page 3 has no pager over the 60 entries")
	}
	for i := 1; i <= 10; i++ {
		if !strings.Contains(body, fmt.Sprintf("wire %d<", i)) {
			t.Errorf("account page 3 does not show the movement %d", i)
		}
	}
	if strings.Contains(body, "wire 11<") {
		t.Error("account page 3 shows a movement of page 2")
	}
	// The operator's partner page pages it too.
	oc := w.session("ops@example.com")
	r = w.do(oc, "GET", "/partners/"+pid+"?page=2", "")
	wantStatus(t, "partner page 2", r, 200)
	if body := string(r.body); !strings.Contains(body, "26–50 of 60") || !strings.Contains(body, "wire 35<") || strings.Contains(body, "wire 10<") {
		t.Errorf("partner page 2 does not show entries 26–50 of 60")
	}
}
