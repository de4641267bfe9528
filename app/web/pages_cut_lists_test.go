package web

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"licensedesk/app"
)

// The operator's partner picker on /history holds at most MaxPerPage
// partners: past that the page says the list is cut, and a name search
// reaches every partner, instead of the rest being silently missing.
func TestHistoryPartnerPickerSaysItIsCutAndFindsTheRest(t *testing.T) {
	w, missing := overfullPartners(t)
	oc := w.session("ops@example.com")
	r := w.do(oc, "GET", "/history", "")
	wantStatus(t, "history", r, 200)
	body := string(r.body)
	if !strings.Contains(body, fmt.Sprintf("%d partners: the list shows the first %d; find a partner by name", app.MaxPerPage+1, app.MaxPerPage)) || !strings.Contains(body, `name="partner_q"`) {
		t.Errorf("the history page does not say its partner list is cut, nor offer a search")
	}
	r = w.do(oc, "GET", "/history?partner_q="+url.QueryEscape(missing.Name), "")
	wantStatus(t, "history search", r, 200)
	body = string(r.body)
	if !strings.Contains(body, fmt.Sprintf(`<option value="%d" selected>%s</option>`, missing.ID, missing.Name)) || !strings.Contains(body, missing.Name+": every purchase") {
		t.Errorf("a search for %q does not reach its history", missing.Name)
	}
}

// The partner page lists at most MaxPerPage users: past that it says so
// and links to the users page, which pages them all.
func TestPartnerPageSaysItsUserListIsCut(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	p := w.partner("Big Reseller")
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i <= app.MaxPerPage; i += 2 {
				email, role, pid, pw := fmt.Sprintf("u%04d@big.example", i), app.RolePartner, p.ID, "correct-horse-battery"
				if _, err := w.svc.CreateUser(app.System, app.UserInput{Email: &email, Role: &role, PartnerID: &pid, Password: &pw}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	oc := w.session("ops@example.com")
	r := w.do(oc, "GET", "/partners/"+uintString(p.ID), "")
	wantStatus(t, "partner page", r, 200)
	want := fmt.Sprintf(`Showing the first %d of %d users: <a href="/users?partner_id=%d">`, app.MaxPerPage, app.MaxPerPage+1, p.ID)
	if !strings.Contains(string(r.body), want) {
		t.Errorf("the partner page does not say its user list is cut (want %q)", want)
	}
	r = w.do(oc, "GET", "/users?partner_id="+uintString(p.ID), "")
	wantStatus(t, "users page", r, 200)
	if !strings.Contains(string(r.body), fmt.Sprintf("of %d", app.MaxPerPage+1)) {
		t.Errorf("the users page it links to does not page all %d users", app.MaxPerPage+1)
	}
}

// The partner pickers of the other pages (users, licenses, orders, buy,
// special prices, a partner's distributor) held only the first
// MaxPerPage partners, silently; they now hold every partner.
func TestPartnerPickersHoldEveryPartner(t *testing.T) {
	w, missing := overfullPartners(t)
	r := w.do(w.bearer("ops@example.com"), "POST", "/api/v1/products", productBody("av"))
	wantStatus(t, "product", r, 201)
	var prod app.Product
	r.json(t, &prod)
	oc := w.session("ops@example.com")
	for _, path := range []string{"/users", "/licenses?view=all", "/orders", "/buy?product_id=" + uintString(prod.ID), "/special-prices", "/partners/new"} {
		r := w.do(oc, "GET", path, "")
		wantStatus(t, path, r, 200)
		if body := string(r.body); !strings.Contains(body, ">"+missing.Name+"<") && !strings.Contains(body, ">"+missing.Name+" (") {
			t.Errorf("the partner picker of %s leaves out %s", path, missing.Name)
		}
	}
}

// The product pickers (licenses, orders, buy) held only the first
// MaxPerPage products, silently; they now hold every product.
func TestProductPickersHoldEveryProduct(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	eds := []app.Edition{{Code: "business", Name: "Business"}}
	periods := []int{12}
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 1999}}
	for i := range app.MaxPerPage + 1 {
		code, name, cur, active := fmt.Sprintf("p%04d", i), fmt.Sprintf("Product %04d", i), "EUR", true
		if _, err := w.svc.CreateProduct(app.System, app.ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices, Active: &active}); err != nil {
			t.Fatal(err)
		}
	}
	oc := w.session("ops@example.com")
	for _, c := range []struct{ path, sort string }{{"/licenses?view=all", "name"}, {"/orders", ""}, {"/buy", ""}} {
		listed, err := w.svc.ListProducts(app.System, app.ListParams{PerPage: app.MaxPerPage, Sort: c.sort})
		if err != nil || listed.Total != app.MaxPerPage+1 {
			t.Fatalf("products: %d %v", listed.Total, err)
		}
		in := map[string]bool{}
		for _, p := range listed.Items {
			in[p.Name] = true
		}
		var missing string
		for i := range app.MaxPerPage + 1 {
			if n := fmt.Sprintf("Product %04d", i); !in[n] {
				missing = n
			}
		}
		r := w.do(oc, "GET", c.path, "")
		wantStatus(t, c.path, r, 200)
		if !strings.Contains(string(r.body), missing) {
			t.Errorf("the product picker of %s leaves out %s", c.path, missing)
		}
	}
}

// overfullPartners: a desk with an operator (ops@example.com) and one
// partner more than a page holds, and a partner left out of the first
// page of the partner list.
func overfullPartners(t *testing.T) (*webEnv, app.Partner) {
	t.Helper()
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	for i := range app.MaxPerPage + 1 {
		w.partner(fmt.Sprintf("Reseller %04d", i))
	}
	listed, err := w.svc.ListPartners(app.System, app.ListParams{PerPage: app.MaxPerPage})
	if err != nil || listed.Total != app.MaxPerPage+1 {
		t.Fatalf("partners: %d %v", listed.Total, err)
	}
	in := map[uint64]bool{}
	for _, p := range listed.Items {
		in[p.ID] = true
	}
	var missing app.Partner
	for id := uint64(1); id <= uint64(app.MaxPerPage+1); id++ {
		if !in[id] {
			if missing, err = w.svc.GetPartner(app.System, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	if missing.ID == 0 {
		t.Fatal("no partner is left out of the first page")
	}
	return w, missing
}
