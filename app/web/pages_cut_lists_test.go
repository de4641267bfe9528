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
