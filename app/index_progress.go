package app

import "licensedesk/storage"

// IndexBacklog says how far the search index is behind the data: the
// change-log sequence it holds and the newest one committed. A command
// that waits for the index (a bulk import) shows the difference as it
// shrinks. Without an index both are 0.
func (s *Service) IndexBacklog() (applied, last uint64) {
	if s.idx == nil {
		return 0, 0
	}
	s.ix.mu.Lock()
	applied = s.ix.applied
	s.ix.mu.Unlock()
	_ = s.db.View(func(tx *storage.Tx) error { last = tx.LastChange(); return nil })
	return applied, max(applied, last)
}
