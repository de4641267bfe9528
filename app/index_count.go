package app

import "licensedesk/storage"

// IndexableRecords is about how many records a search index rebuild walks
// (every record of every searchable kind, deleted licenses included): the
// total behind the command line's reindex progress bar.
func (s *Service) IndexableRecords() int {
	n := 0
	_ = s.db.View(func(tx *storage.Tx) error {
		for _, src := range docSources {
			n += tx.Count(src.bucket)
		}
		return nil
	})
	return n
}
