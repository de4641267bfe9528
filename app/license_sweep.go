package app

import (
	"context"
	"time"

	"licensedesk/storage"
)

// sweepBatch bounds one sweep transaction so requests never wait long.
const sweepBatch = 500

// SweepExpired moves licenses whose time has come to expired: an active
// or suspended license past its end date, and an unused key not activated
// within the activation window (F7). It reads the due-time index, so it
// costs nothing when nothing is due, and running it twice changes nothing.
func (s *Service) SweepExpired() (int, error) {
	moved := 0
	for {
		now := s.now()
		var due []uint64
		if err := s.db.View(func(tx *storage.Tx) error {
			tx.Each(storage.LicenseIndex, []byte{famDue}, func(k, _ []byte) bool {
				at, id := decodeSortID(k)
				if at > now.Unix() || len(due) >= sweepBatch {
					return false
				}
				due = append(due, id)
				return true
			})
			return nil
		}); err != nil {
			return moved, err
		}
		if len(due) == 0 {
			return moved, nil
		}
		n := 0
		err := s.update(func(tx *storage.Tx) error {
			n = 0
			for _, id := range due {
				old, err := getLicense(tx, id)
				if err != nil {
					continue
				}
				at, ok := dueAt(&old)
				if !ok || at.After(now) {
					continue
				}
				l := old
				l.Status = StatusExpired
				l.AutoRenew = false
				l.Updated = now
				if err := putLicense(tx, &old, &l); err != nil {
					return err
				}
				action := "expire"
				if old.Status == StatusOrdered {
					action = "expire_unused"
				}
				if err := s.writeHistory(tx, System, action, &old, &l); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return moved, err
		}
		moved += n
		if n == 0 {
			return moved, nil
		}
	}
}

// Jobs sets how often the background jobs run.
type Jobs struct {
	Sweep time.Duration // expiry sweep
	Purge time.Duration // deletion of expired sessions
}

// DefaultJobs: the sweep every minute, the session purge every hour.
var DefaultJobs = Jobs{Sweep: time.Minute, Purge: time.Hour}

// RunJobs runs the background jobs now and then at their intervals until
// ctx ends. Failures are logged, never silent, and never stop the server;
// each job is short transactions, so requests are never held up.
func (s *Service) RunJobs(ctx context.Context, j Jobs) {
	sweep := func() {
		if n, err := s.SweepExpired(); err != nil {
			s.log.Error("expiry sweep failed", "err", err)
		} else if n > 0 {
			s.log.Info("licenses expired", "count", n)
		}
		// Expired transfers free their licenses (those out by file are
		// usable again).
		if n, err := s.SweepTransfers(); err != nil {
			s.log.Error("transfer expiry sweep failed", "err", err)
		} else if n > 0 {
			s.log.Info("transfers expired", "count", n)
		}
	}
	purge := func() {
		if err := s.PurgeSessions(); err != nil {
			s.log.Error("session purge failed", "err", err)
		}
	}
	sweep()
	purge()
	st := time.NewTicker(j.Sweep)
	pt := time.NewTicker(j.Purge)
	defer st.Stop()
	defer pt.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-st.C:
			sweep()
		case <-pt.C:
			purge()
		}
	}
}
