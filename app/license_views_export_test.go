package app

import "time"

// WaitCopy waits for the in-memory license copy to be built, so tests of
// its sorts and groups know they read it; it reports whether it is.
func (s *Service) WaitCopy(bound time.Duration) bool { return s.cols.wait(bound) }
