package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

func utc(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

func TestSchedulePrevNext(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	at := utc(2026, 3, 18, 10, 7) // a Wednesday
	for _, c := range []struct {
		name       string
		s          app.Schedule
		prev, next time.Time
	}{
		{"every 5m", app.Every(5 * time.Minute), utc(2026, 3, 18, 10, 5), utc(2026, 3, 18, 10, 10)},
		{"daily later today", app.Daily(14, 30), utc(2026, 3, 17, 14, 30), utc(2026, 3, 18, 14, 30)},
		{"daily earlier today", app.Daily(2, 0), utc(2026, 3, 18, 2, 0), utc(2026, 3, 19, 2, 0)},
		{"weekly monday", app.Weekly(time.Monday, 6, 0), utc(2026, 3, 16, 6, 0), utc(2026, 3, 23, 6, 0)},
		{"weekly wednesday later", app.Weekly(time.Wednesday, 11, 0), utc(2026, 3, 11, 11, 0), utc(2026, 3, 18, 11, 0)},
		{"monthly 1st", app.Monthly(1, 0, 0), utc(2026, 3, 1, 0, 0), utc(2026, 4, 1, 0, 0)},
		{"monthly 31st clamps to april 30", app.Monthly(31, 0, 0), utc(2026, 2, 28, 0, 0), utc(2026, 3, 31, 0, 0)},
		{"monthly in berlin", app.Monthly(1, 0, 0).In(berlin), utc(2026, 2, 28, 23, 0), utc(2026, 3, 31, 22, 0)},
	} {
		if got := c.s.Prev(at); !got.Equal(c.prev) {
			t.Errorf("%s (%s): Prev = %s, want %s", c.name, c.s, got, c.prev)
		}
		if got := c.s.Next(at); !got.Equal(c.next) {
			t.Errorf("%s (%s): Next = %s, want %s", c.name, c.s, got, c.next)
		}
	}
	// The 31st in a short month is its last day, and the month after is the 31st again.
	m := app.Monthly(31, 0, 0)
	if got := m.Next(utc(2026, 3, 31, 0, 0)); !got.Equal(utc(2026, 4, 30, 0, 0)) {
		t.Errorf("after March 31: %s, want April 30", got)
	}
	if got := m.Next(utc(2026, 4, 30, 0, 0)); !got.Equal(utc(2026, 5, 31, 0, 0)) {
		t.Errorf("after April 30: %s, want May 31", got)
	}
	if got := m.Next(utc(2027, 12, 31, 0, 0)); !got.Equal(utc(2028, 1, 31, 0, 0)) {
		t.Errorf("over the year: %s", got)
	}
}

// recorder is a job that remembers the periods it ran for.
type recorder struct {
	periods []time.Time
	fail    error
	panics  bool
}

func (r *recorder) run(_ context.Context, p time.Time) error {
	if r.panics {
		panic("boom")
	}
	if r.fail != nil {
		return r.fail
	}
	r.periods = append(r.periods, p)
	return nil
}

func status(t *testing.T, svc *app.Service, name string) app.JobStatus {
	t.Helper()
	all, err := svc.JobStatuses(app.System)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("job %s is not listed in %+v", name, all)
	return app.JobStatus{}
}

// A monthly job that missed three months while the server was down runs
// each missed month once, in order, after the restart, and nothing twice.
func TestMonthlyJobCatchesUpEachMissedPeriodOnce(t *testing.T) {
	e := newEnv(t) // the clock stands at 2026-03-02 09:00
	rec := &recorder{}
	register := func() {
		if err := e.svc.RegisterJob(app.Job{Name: "billing", Schedule: app.Monthly(1, 0, 0), Run: rec.run}); err != nil {
			t.Fatal(err)
		}
	}
	register()
	ctx := context.Background()
	if err := e.svc.RunDueJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RunDueJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rec.periods) != 1 || !rec.periods[0].Equal(utc(2026, 3, 1, 0, 0)) {
		t.Fatalf("first start: ran for %v, want March 1 once", rec.periods)
	}
	if st := status(t, e.svc, "billing"); !st.NextRun.Equal(utc(2026, 4, 1, 0, 0)) || st.Runs != 1 || st.LastError != "" {
		t.Fatalf("status after the first run: %+v", st)
	}

	// Down from March to mid-June: April, May and June were missed.
	e.svc.Close()
	e.svc = nil
	e.clk.Set(utc(2026, 6, 15, 12, 0))
	e.open()
	register()
	if err := e.svc.RunDueJobs(ctx); err != nil {
		t.Fatal(err)
	}
	want := []time.Time{utc(2026, 3, 1, 0, 0), utc(2026, 4, 1, 0, 0), utc(2026, 5, 1, 0, 0), utc(2026, 6, 1, 0, 0)}
	if !equalTimes(rec.periods, want) {
		t.Fatalf("after the restart ran for %v, want %v", rec.periods, want)
	}
	if err := e.svc.RunDueJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rec.periods) != 4 {
		t.Fatalf("a second pass ran again: %v", rec.periods)
	}
	// On the 1st of July at midnight it is due again, a minute before it is not.
	e.clk.Set(utc(2026, 6, 30, 23, 59))
	e.svc.RunDueJobs(ctx)
	if len(rec.periods) != 4 {
		t.Fatalf("ran before its time: %v", rec.periods)
	}
	e.clk.Set(utc(2026, 7, 1, 0, 0))
	e.svc.RunDueJobs(ctx)
	if len(rec.periods) != 5 || !rec.periods[4].Equal(utc(2026, 7, 1, 0, 0)) {
		t.Fatalf("on July 1: %v", rec.periods)
	}
}

func equalTimes(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// An interval job that missed many intervals runs once: its work covers them.
func TestEveryJobRunsOnceAfterDowntime(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	if err := e.svc.RegisterJob(app.Job{Name: "tick", Schedule: app.Every(time.Hour), Run: rec.run}); err != nil {
		t.Fatal(err)
	}
	e.svc.RunDueJobs(context.Background())
	e.clk.Advance(10 * time.Hour)
	e.svc.RunDueJobs(context.Background())
	e.svc.RunDueJobs(context.Background())
	want := []time.Time{utc(2026, 3, 2, 9, 0), utc(2026, 3, 2, 19, 0)}
	if !equalTimes(rec.periods, want) {
		t.Fatalf("ran for %v, want %v", rec.periods, want)
	}
}

// A failing job is retried later, its error visible to the operator, and
// its catch-up resumes where it failed; the other jobs still run.
func TestFailingJobIsRecordedAndRetried(t *testing.T) {
	e := newEnv(t)
	bad := &recorder{fail: errors.New("the ledger is busy")}
	good := &recorder{}
	if err := e.svc.RegisterJob(app.Job{Name: "digest", Schedule: app.Daily(6, 0), Run: bad.run}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RegisterJob(app.Job{Name: "other", Schedule: app.Daily(6, 0), Run: good.run}); err != nil {
		t.Fatal(err)
	}
	err := e.svc.RunDueJobs(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the ledger is busy") {
		t.Fatalf("RunDueJobs = %v, want the job's error", err)
	}
	if len(good.periods) != 1 {
		t.Fatalf("the other job did not run: %v", good.periods)
	}
	st := status(t, e.svc, "digest")
	if st.LastError != "the ledger is busy" || st.Failures != 1 || !st.LastPeriod.IsZero() || !st.NextRun.Equal(e.clk.Now().Add(time.Minute)) {
		t.Fatalf("status after a failure: %+v", st)
	}
	// Not retried before its retry time, not even by a restart.
	e.reopen()
	e.svc.RegisterJob(app.Job{Name: "digest", Schedule: app.Daily(6, 0), Run: bad.run})
	if err := e.svc.RunDueJobs(context.Background()); err != nil {
		t.Fatalf("retried before its time: %v", err)
	}
	bad.fail = nil
	e.clk.Advance(time.Minute)
	if err := e.svc.RunDueJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(bad.periods) != 1 || !bad.periods[0].Equal(utc(2026, 3, 2, 6, 0)) {
		t.Fatalf("the retry ran for %v", bad.periods)
	}
	st = status(t, e.svc, "digest")
	if st.Failures != 0 || st.Runs != 1 || !st.NextRun.Equal(utc(2026, 3, 3, 6, 0)) || st.LastError != "the ledger is busy" {
		t.Fatalf("status after the retry: %+v (the last error stays for the operator to read)", st)
	}
}

func TestPanickingJobIsAFailureNotACrash(t *testing.T) {
	e := newEnv(t)
	if err := e.svc.RegisterJob(app.Job{Name: "wild", Schedule: app.Every(time.Minute), Run: (&recorder{panics: true}).run}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RunDueJobs(context.Background()); err == nil || !strings.Contains(err.Error(), "panic: boom") {
		t.Fatalf("RunDueJobs = %v", err)
	}
	if st := status(t, e.svc, "wild"); st.Failures != 1 || !strings.Contains(st.LastError, "boom") {
		t.Fatalf("status: %+v", st)
	}
}

func TestRegisterJobRefusesBadJobs(t *testing.T) {
	e := newEnv(t)
	run := (&recorder{}).run
	for name, j := range map[string]app.Job{
		"no name":       {Schedule: app.Every(time.Minute), Run: run},
		"no run":        {Name: "x", Schedule: app.Every(time.Minute)},
		"no schedule":   {Name: "x", Run: run},
		"tiny interval": {Name: "x", Schedule: app.Every(time.Millisecond), Run: run},
		"hour 24":       {Name: "x", Schedule: app.Daily(24, 0), Run: run},
		"day 0":         {Name: "x", Schedule: app.Monthly(0, 0, 0), Run: run},
		"duplicate":     {Name: "expiry-sweep", Schedule: app.Every(time.Minute), Run: run},
	} {
		if err := e.svc.RegisterJob(j); err == nil {
			t.Errorf("%s: registered", name)
		}
	}
}

// The built-in jobs are in the runner: moving the clock past a license's
// end and running due jobs expires it, and the operator sees both jobs.
func TestBuiltinJobsRunFromTheRunner(t *testing.T) {
	e := newEnv(t)
	op := e.operator("ops@desk.example")
	prod := e.product("sentinel")
	ls, err := e.svc.CreateLicenses(op, app.LicenseCreate{ProductID: prod.ID, Edition: "business", PeriodMonths: 12, Seats: 1, Customer: "Novak AG"})
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(400 * 24 * time.Hour)
	if err := e.svc.RunDueJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	if l, _ := e.svc.GetLicense(op, ls[0].ID); l.Status != app.StatusExpired {
		t.Fatalf("license %s after the sweep, want expired", l.Status)
	}
	for _, name := range []string{"expiry-sweep", "session-purge"} {
		if st := status(t, e.svc, name); st.Runs != 1 || !st.LastRun.Equal(e.clk.Now()) {
			t.Errorf("%s: %+v", name, st)
		}
	}
	p := e.partner("Harbor IT")
	if _, err := e.svc.JobStatuses(e.partnerUser(p, "it@harbor.example")); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("a partner read the jobs: %v", err)
	}
}
