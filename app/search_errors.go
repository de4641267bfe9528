package app

import (
	"errors"

	"licensedesk/search"
)

// ErrSearchUnavailable is a search that could not run because the index
// could not be read. The index is rebuilt from the data in the background;
// the user's query was not at fault.
var ErrSearchUnavailable = errors.New("search is unavailable while its index is rebuilt from the data; try again in a minute")

// searchError turns an index error into what the caller answers: a query
// over the limits names the q field; anything else is a damaged index,
// logged and rebuilt in the background, and answered as unavailable.
func (s *Service) searchError(err error) error {
	var qe *search.QueryError
	if errors.As(err, &qe) {
		return Invalid("q", "%s", qe.Message)
	}
	s.log.Error("search index could not be read: rebuilding it from the data", "err", err)
	s.scheduleRebuild()
	return ErrSearchUnavailable
}

// scheduleRebuild starts one background rebuild of the index; a rebuild
// already scheduled or running absorbs further calls.
func (s *Service) scheduleRebuild() {
	if !s.rebuilding.CompareAndSwap(false, true) {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer s.rebuilding.Store(false)
		if err := s.Reindex(); err != nil {
			s.log.Error("search index rebuild failed", "err", err)
			return
		}
		s.log.Info("search index rebuilt after a read error")
	}()
}
