package app

import "licensedesk/storage"

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
