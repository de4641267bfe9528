package web

import (
	"fmt"
	"testing"

	"licensedesk/app"
)

// A write may run more than once (group commit retries a failing call
// alone): a failure counted inside it must still count once.

// Forty client calls with an unknown key from one address, all at once,
// are forty failures: below the limit of sixty, the address still gets
// answers.
func TestRaceFailedClientDeactivationsCountOnceEach(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	_, key := wd.unused()
	reqs := make([]raceReq, 40)
	for i := range reqs {
		reqs[i] = raceReq{c: anonymous, method: "POST", path: "/api/v1/client/deactivate", body: clientBody("QQQQQ-QQQQQ-QQQQQ-QQQQQ-QQQQQ", "host-1")}
	}
	for _, r := range raceRequests(w, reqs) {
		if r.status != 404 && r.status != 422 {
			t.Fatalf("deactivate with an unknown key: %d %s", r.status, r.body)
		}
	}
	r := w.do(anonymous, "POST", "/api/v1/client/validate", clientBody(key, "host-1"))
	if r.status != 200 {
		t.Fatalf("after 40 failed calls (the limit is 60) a valid key answers %d %s", r.status, r.body)
	}
}

// Fifteen posts of a dead activation link from one address, all at
// once, are fifteen failures: below the limit of twenty, the address
// still opens a good link.
func TestRaceDeadActivationLinksCountOnceEach(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	id, _ := wd.unused()
	link, err := w.svc.GetActivationLink(app.System, id)
	if err != nil || link.Path == "" {
		t.Fatalf("link: %+v %v", link, err)
	}
	reqs := make([]raceReq, 15)
	for i := range reqs {
		reqs[i] = raceReq{anonymous, "POST", "/activate/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "name=Ann&company=&email=ann%40example.com&country=DE", "pre-sign-in-token", ""}
	}
	for _, r := range raceRequests(w, reqs) {
		if r.status != 404 {
			t.Fatalf("a dead link answers %d %.300s", r.status, r.body)
		}
	}
	if r := w.do(anonymous, "GET", link.Path, ""); r.status != 200 {
		t.Fatalf("after 15 dead links (the limit is 20) a good link answers %d %.300s", r.status, r.body)
	}
}

// Twelve requests at once to mail one license's activation link: at most
// five mails go out (the limit per license in 15 minutes), the others
// are refused with 429 and queue nothing.
func TestRaceActivationLinkMailedAtMostFiveTimes(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	id, _ := wd.unused()
	reqs := make([]raceReq, 12)
	for i := range reqs {
		reqs[i] = raceReq{c: wd.aToken, method: "POST", path: fmt.Sprintf("/api/v1/licenses/%d/activation-link/mail", id), body: fmt.Sprintf(`{"email":"it%d@customer.example"}`, i)}
	}
	rs := raceRequests(w, reqs)
	sent, limited := 0, 0
	for _, r := range rs {
		switch r.status {
		case 202:
			sent++
		case 429:
			limited++
		default:
			t.Fatalf("mail the link: %d %s", r.status, r.body)
		}
	}
	mails, err := w.svc.ListOutbox(app.System, app.ListParams{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	queued := 0
	for _, m := range mails.Items {
		if m.Kind == "activation_link" && m.Ref == fmt.Sprint("license:", id) {
			queued++
		}
	}
	if sent != 5 || limited != 7 || queued != 5 {
		t.Fatalf("12 requests at once: %d answered as mailed, %d refused, %d activation mails queued; want 5, 7, 5", sent, limited, queued)
	}
}

// Fifteen wrong secrets at once over three transfers to one partner: the
// partner's limit of ten wrong secrets in 15 minutes holds, the rest are
// refused with 429 before their secret is tried.
func TestRaceWrongTransferSecretsStopAtThePartnersLimit(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	var ids []uint64
	for range 3 {
		id, _ := wd.unused()
		r := w.do(wd.aToken, "POST", "/api/v1/transfers", fmt.Sprintf(`{"license_ids":[%d],"target":%q}`, id, wd.b.PublicID))
		wantStatus(t, "transfer", r, 201)
		var tr struct {
			ID uint64 `json:"id"`
		}
		r.json(t, &tr)
		ids = append(ids, tr.ID)
	}
	var reqs []raceReq
	for i := range 15 {
		reqs = append(reqs, raceReq{c: wd.bToken, method: "POST", path: fmt.Sprintf("/api/v1/transfers/%d/approve", ids[i%3]), body: `{"secret":"2222-2222-2222-2222-2222"}`})
	}
	tried, limited := 0, 0
	for _, r := range raceRequests(w, reqs) {
		switch r.status {
		case 422, 409: // wrong, or wrong and now locked
			tried++
		case 429:
			limited++
		default:
			t.Fatalf("a wrong secret: %d %s", r.status, r.body)
		}
	}
	guessed := 0
	for _, id := range ids {
		tr, err := w.svc.GetTransfer(app.System, id)
		if err != nil {
			t.Fatal(err)
		}
		guessed += tr.WrongGuesses
	}
	if tried != 10 || limited != 5 || guessed != 10 {
		t.Fatalf("15 wrong secrets at once: %d tried, %d refused, %d wrong guesses recorded; want 10, 5, 10", tried, limited, guessed)
	}
}

// Twelve wrong passwords for one account at once: five are checked (the
// account's limit in 15 minutes), seven are refused with 429 before their
// password is; then the right password waits for the window too.
func TestRaceWrongPasswordsAtOnceStopAtTheAccountsLimit(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	reqs := make([]raceReq, 12)
	for i := range reqs {
		reqs[i] = raceReq{c: anonymous, method: "POST", path: "/api/v1/tokens", body: fmt.Sprintf(`{"email":"ops@example.com","password":"guess %d"}`, i)}
	}
	rs := raceRequests(w, reqs)
	if bad, limited := countStatus(rs, 401), countStatus(rs, 429); bad != 5 || limited != 7 {
		t.Fatalf("12 wrong passwords at once: %d checked (401), %d refused (429); want 5 and 7", bad, limited)
	}
	wantStatus(t, "right password while locked", w.do(anonymous, "POST", "/api/v1/tokens", `{"email":"ops@example.com","password":"`+apiPassword+`"}`), 429)
}
