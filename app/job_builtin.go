package app

import (
	"context"
	"time"
)

// registerBuiltinJobs registers the jobs every install runs. Features add
// their jobs here, one line each.
func (s *Service) registerBuiltinJobs() error {
	for _, j := range []Job{
		// Before the sweep: after downtime, licenses are renewed before
		// they are expired (renew_auto.go). Daily at 00:00 UTC; after
		// downtime one run for the latest day covers the missed ones
		// (its window reaches furthest), so it does not replay each day.
		{Name: "auto-renew", Schedule: Every(24 * time.Hour), Run: s.runAutoRenew},
		{Name: "expiry-sweep", Schedule: Every(time.Minute), Run: s.runExpirySweep},
		// Expired transfers free their licenses (those out by file are usable again).
		{Name: "transfer-expiry", Schedule: Every(time.Minute), Run: s.runTransferSweep},
		// After the sweep and auto-renew: only what is still due is reminded of.
		{Name: "customer-expiry-mail", Schedule: Every(24 * time.Hour), Run: s.runCustomerMails},
		{Name: "reminder-digest", Schedule: Weekly(s.reminderDay, 7, 0), Run: s.runDigests},
		{Name: "session-purge", Schedule: Every(time.Hour), Run: func(context.Context, time.Time) error { return s.PurgeSessions() }},
		{Name: "invoice-mail", Schedule: Every(time.Minute), Run: func(context.Context, time.Time) error { return s.MailPendingInvoices() }},
		{Name: MonthlyBillingJob, Schedule: Monthly(1, 0, 0), Run: s.runMonthlyBilling},
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

func (s *Service) runTransferSweep(context.Context, time.Time) error {
	n, err := s.SweepTransfers()
	if n > 0 {
		s.log.Info("transfers expired", "count", n)
	}
	return err
}
