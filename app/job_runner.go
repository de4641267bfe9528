package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"licensedesk/storage"
)

// Job is a named piece of background work with a schedule.
//
// Run gets the period it runs for: the scheduled time of the occurrence
// (2026-04-01 00:00 UTC for a job Monthly(1, 0, 0) in April), never the
// wall clock, so a run that catches up after downtime does the work of
// the period it stands for. Run must be idempotent for a period: after a
// crash between its work and the runner recording it, it runs again for
// the same period. A job does its writes through the Service's write
// path; the runner records completion in a transaction of its own.
type Job struct {
	Name     string
	Schedule Schedule
	Run      func(ctx context.Context, period time.Time) error
}

// JobStatus is what the operator sees of a job.
type JobStatus struct {
	Name        string    `json:"name"`
	Schedule    string    `json:"schedule"`
	LastPeriod  time.Time `json:"last_period"` // zero: never completed
	LastRun     time.Time `json:"last_run"`    // when the last attempt ended
	NextRun     time.Time `json:"next_run"`
	Runs        uint64    `json:"runs"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at"`
	Failures    int       `json:"failures"` // consecutive, 0 when the last run succeeded
}

// jobRunner holds the registered jobs; RunDueJobs runs them one at a time.
type jobRunner struct {
	mu    sync.Mutex // guards jobs
	jobs  []Job
	runMu sync.Mutex // one RunDueJobs at a time
}

// jobRetryMax caps the wait before a failed job is tried again.
const jobRetryMax = time.Hour

// jobRetryDelay is the wait after the n-th consecutive failure: a
// minute, doubling, at most jobRetryMax.
func jobRetryDelay(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < jobRetryMax; i++ {
		d *= 2
	}
	return min(d, jobRetryMax)
}

// RegisterJob adds a job to the runner. Names are unique and are the key
// under which the job's progress is stored: renaming a job starts it
// afresh. The built-in jobs are registered by Open (job_builtin.go).
func (s *Service) RegisterJob(j Job) error {
	if j.Name == "" || j.Run == nil {
		return fmt.Errorf("job %q: a job needs a name and a Run function", j.Name)
	}
	if err := j.Schedule.validate(); err != nil {
		return fmt.Errorf("job %q: schedule: %w", j.Name, err)
	}
	s.jobs.mu.Lock()
	defer s.jobs.mu.Unlock()
	for _, o := range s.jobs.jobs {
		if o.Name == j.Name {
			return fmt.Errorf("job %q is registered twice", j.Name)
		}
	}
	s.jobs.jobs = append(s.jobs.jobs, j)
	return nil
}

func (s *Service) registeredJobs() []Job {
	s.jobs.mu.Lock()
	defer s.jobs.mu.Unlock()
	return append([]Job(nil), s.jobs.jobs...)
}

// nextPeriod is the period a job runs for next, given its record and the
// time now; ok is false when nothing is due. A job that never ran runs
// for the latest period at or before now.
func nextPeriod(j Job, r jobRecord, now time.Time) (time.Time, bool) {
	if !r.RetryAt.IsZero() && now.Before(r.RetryAt) {
		return time.Time{}, false
	}
	latest := j.Schedule.Prev(now)
	if r.LastPeriod.IsZero() || !j.Schedule.catchUpEach() {
		if !r.LastPeriod.IsZero() && !latest.After(r.LastPeriod) {
			return time.Time{}, false
		}
		return latest, true
	}
	p := j.Schedule.Next(r.LastPeriod)
	if p.After(now) {
		return time.Time{}, false
	}
	return p, true
}

// RunDueJobs runs, in registration order, every job that is due by the
// Service's clock, each missed period of a calendar job in turn. It
// returns when they are done. A failure is logged and recorded (the
// operator sees it on the settings page), stops that job's catch-up until
// its retry time, and does not stop the other jobs; the failures are also
// returned, joined. Tests move the clock and call this.
func (s *Service) RunDueJobs(ctx context.Context) error {
	s.jobs.runMu.Lock()
	defer s.jobs.runMu.Unlock()
	var errs []error
	for _, j := range s.registeredJobs() {
		if err := s.runJobCatchUp(ctx, j); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Service) runJobCatchUp(ctx context.Context, j Job) error {
	for {
		var rec jobRecord
		if err := s.db.View(func(tx *storage.Tx) (err error) { rec, err = getJobRecord(tx, j.Name); return err }); err != nil {
			return fmt.Errorf("job %s: read its state: %w", j.Name, err)
		}
		period, due := nextPeriod(j, rec, s.now())
		if !due {
			return nil
		}
		start := s.now()
		runErr := runJobSafely(ctx, j, period)
		end := s.now()
		rec.LastStart, rec.LastEnd = start, end
		if runErr == nil {
			rec.LastPeriod = period
			rec.Runs++
			rec.Failures = 0
			rec.RetryAt = time.Time{}
		} else {
			rec.Failures++
			rec.LastError = runErr.Error()
			rec.LastErrorAt = end
			rec.RetryAt = end.Add(jobRetryDelay(rec.Failures))
			s.log.Error("job failed", "job", j.Name, "period", period, "failures", rec.Failures, "retry_at", rec.RetryAt, "err", runErr)
		}
		if err := s.update(func(tx *storage.Tx) error { return putJobRecord(tx, j.Name, rec) }); err != nil {
			return fmt.Errorf("job %s: record its run: %w", j.Name, err)
		}
		if runErr != nil {
			return fmt.Errorf("job %s (period %s): %w", j.Name, period.Format(time.RFC3339), runErr)
		}
		if ctx.Err() != nil {
			return nil // stopping: the rest is caught up on the next start
		}
	}
}

// runJobSafely turns a panicking job into a failed run.
func runJobSafely(ctx context.Context, j Job, period time.Time) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return j.Run(ctx, period)
}

// JobStatuses lists every registered job with its last run, next run and
// last error, for the operator.
func (s *Service) JobStatuses(a Actor) ([]JobStatus, error) {
	if err := a.requireOperator(); err != nil {
		return nil, err
	}
	jobs := s.registeredJobs()
	out := make([]JobStatus, 0, len(jobs))
	now := s.now()
	err := s.db.View(func(tx *storage.Tx) error {
		for _, j := range jobs {
			rec, err := getJobRecord(tx, j.Name)
			if err != nil {
				return err
			}
			st := JobStatus{Name: j.Name, Schedule: j.Schedule.String(), LastPeriod: rec.LastPeriod, LastRun: rec.LastEnd,
				Runs: rec.Runs, LastError: rec.LastError, LastErrorAt: rec.LastErrorAt, Failures: rec.Failures}
			switch _, due := nextPeriod(j, rec, now); {
			case due:
				st.NextRun = now
			case !rec.RetryAt.IsZero() && now.Before(rec.RetryAt):
				st.NextRun = rec.RetryAt
			default:
				st.NextRun = j.Schedule.Next(rec.LastPeriod)
			}
			out = append(out, st)
		}
		return nil
	})
	return out, err
}

// JobsOptions tune the background loop.
type JobsOptions struct {
	// Poll is how often the loop looks for due jobs (default 15 s).
	Poll time.Duration
}

// RunJobs runs due jobs now and then every Poll until ctx ends. Failures
// are logged and recorded, never stop the server; jobs write in short
// transactions, so requests are never held up.
func (s *Service) RunJobs(ctx context.Context, o JobsOptions) {
	if o.Poll <= 0 {
		o.Poll = 15 * time.Second
	}
	t := time.NewTicker(o.Poll)
	defer t.Stop()
	for {
		_ = s.RunDueJobs(ctx) // failures are logged and recorded per job
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
