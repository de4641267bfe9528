package app

import (
	"context"
	"time"
)

// registerBuiltinJobs registers the jobs every install runs. Features add
// their jobs here, one line each.
func (s *Service) registerBuiltinJobs() error {
	for _, j := range []Job{
		{Name: "expiry-sweep", Schedule: Every(time.Minute), Run: s.runExpirySweep},
		{Name: "session-purge", Schedule: Every(time.Hour), Run: func(context.Context, time.Time) error { return s.PurgeSessions() }},
	} {
		if err := s.RegisterJob(j); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) runExpirySweep(context.Context, time.Time) error {
	n, err := s.SweepExpired()
	if n > 0 {
		s.log.Info("licenses expired", "count", n)
	}
	return err
}
