package app

import "time"

// LatestValidTo is the latest date a license may run to, shared by every
// path that sets or moves valid_to: renewals (one, bulk, auto-renew), the
// operator's edit, the CSV import and the transfer-file import.
//
// Why a fixed date and why year 9000: JSON and RFC 3339 carry years up to
// 9999 only, so a license past 9999 would make every list that shows it
// answer an error. A fixed date (not "n years from now") keeps a stored
// license valid however the clock moves, and the thousand years left
// below 9999 leave room for everything computed from valid_to (grace
// days, reminders, a renewal's quote). No real license runs anywhere
// near it; it only stops a loop of renewals or a mistyped year.
var LatestValidTo = time.Date(9000, time.January, 1, 0, 0, 0, 0, time.UTC)

// checkLatest refuses a date after LatestValidTo, naming field.
func checkLatest(field string, t *time.Time) error {
	if t != nil && t.After(LatestValidTo) {
		return Invalid(field, "must be on or before %s; %s is too far ahead", LatestValidTo.Format(time.DateOnly), t.UTC().Format(time.DateOnly))
	}
	return nil
}
