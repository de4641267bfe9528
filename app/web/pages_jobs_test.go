package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// The operator reads on the settings page when each background job last
// ran, when it runs next and what its last failure said; a partner sees
// no jobs.
func TestSettingsShowsJobsToOperators(t *testing.T) {
	h := newUIHarness(t)
	if err := h.svc.RegisterJob(app.Job{Name: "mail-digest", Schedule: app.Daily(6, 0), Run: func(context.Context, time.Time) error {
		return errors.New("relay refused the digest")
	}}); err != nil {
		t.Fatal(err)
	}
	h.svc.RunDueJobs(context.Background())
	h.user("ops@desk.example", 0)
	resp, body := h.login("ops@desk.example").get("/settings")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Background jobs", "expiry-sweep", "every minute", "session-purge", "mail-digest", "daily at 06:00 UTC",
		"failing (1)", "relay refused the digest")

	raw, _, err := h.svc.CreateTokenForUser(app.System, "ops@desk.example", "test")
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/api/v1/jobs", nil)
	req.Header.Set("Authorization", "Bearer "+raw)
	res, err := h.app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []app.JobStatus `json:"items"`
		Total int             `json:"total"`
	}
	jobs, jerr := h.svc.JobStatuses(app.System) // the built-in jobs (features add theirs) and the test's
	if jerr != nil {
		t.Fatal(jerr)
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil || res.StatusCode != 200 || list.Total != len(jobs) || list.Total < 3 {
		t.Fatalf("GET /api/v1/jobs: %d %+v %v", res.StatusCode, list, err)
	}
	for _, j := range list.Items {
		if j.Name == "mail-digest" && (j.Failures != 1 || j.LastError != "relay refused the digest") {
			t.Errorf("the failing job over the API: %+v", j)
		}
	}

	name := "Acme"
	p, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
	h.user("anna@acme.example", p.ID)
	resp, body = h.login("anna@acme.example").get("/settings")
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, "Background jobs") || strings.Contains(body, "mail-digest") {
		t.Error("a partner user sees the background jobs")
	}
}

// A failing job is on the operator's dashboard, above everything, with
// what it said (monthly billing withholds a partner's charge this way);
// a partner's dashboard does not show it, and it goes once the job runs.
func TestDashboardShowsFailingJobsToOperators(t *testing.T) {
	clk := app.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	h := newUIHarnessWith(t, app.Options{Now: clk.Now})
	failing := true
	if err := h.svc.RegisterJob(app.Job{Name: "mail-digest", Schedule: app.Daily(6, 0), Run: func(context.Context, time.Time) error {
		if failing {
			return errors.New("relay refused <the digest>")
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	h.svc.RunDueJobs(context.Background())
	h.user("ops@desk.example", 0)
	ops := h.login("ops@desk.example")
	resp, body := ops.get("/")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "The background job mail-digest is failing", "relay refused &lt;the digest&gt;", `href="/settings#jobs-h"`)

	name := "Acme"
	p, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
	h.user("anna@acme.example", p.ID)
	resp, body = h.login("anna@acme.example").get("/")
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, "mail-digest") {
		t.Error("a partner's dashboard shows the operator's failing job")
	}

	failing = false
	clk.Set(clk.Now().Add(2 * time.Minute)) // past its retry
	if err := h.svc.RunDueJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, body = ops.get("/"); strings.Contains(body, "is failing") {
		t.Error("the dashboard still shows the job failing after it ran")
	}
}
