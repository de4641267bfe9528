package web_test

import (
	"context"
	"errors"
	"net/http"
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
	wantContains(t, body, "Background jobs", "expiry-sweep", "every 1m0s", "session-purge", "mail-digest", "daily at 06:00 UTC",
		"failing (1)", "relay refused the digest")

	name := "Acme"
	p, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
	h.user("anna@acme.example", p.ID)
	resp, body = h.login("anna@acme.example").get("/settings")
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, "Background jobs") || strings.Contains(body, "mail-digest") {
		t.Error("a partner user sees the background jobs")
	}
}
