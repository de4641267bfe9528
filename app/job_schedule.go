package app

import (
	"fmt"
	"time"
)

// Schedule says when a job is due. Build one with Every, Daily, Weekly or
// Monthly; calendar schedules are in UTC unless moved with In.
//
// Catching up: an Every job that missed several periods (the server was
// down) runs once, for the latest one; its work covers everything (the
// expiry sweep). A Daily, Weekly or Monthly job runs each missed period
// once, oldest first, so three missed monthly billings are three runs.
type Schedule struct {
	kind    scheduleKind
	every   time.Duration
	hour    int
	minute  int
	weekday time.Weekday
	day     int // day of the month, 1..31; clamped to the month's last day
	loc     *time.Location
}

type scheduleKind int

const (
	schedEvery scheduleKind = iota + 1
	schedDaily
	schedWeekly
	schedMonthly
)

// Every is due every d, at multiples of d since the Unix epoch (so
// Every(time.Hour) is due on the hour). d must be at least a second.
func Every(d time.Duration) Schedule { return Schedule{kind: schedEvery, every: d} }

// Daily is due every day at hh:mm.
func Daily(hh, mm int) Schedule { return Schedule{kind: schedDaily, hour: hh, minute: mm} }

// Weekly is due every week on day at hh:mm.
func Weekly(day time.Weekday, hh, mm int) Schedule {
	return Schedule{kind: schedWeekly, weekday: day, hour: hh, minute: mm}
}

// Monthly is due every month on day (1..31; in shorter months on the
// last day) at hh:mm.
func Monthly(day, hh, mm int) Schedule {
	return Schedule{kind: schedMonthly, day: day, hour: hh, minute: mm}
}

// In returns the schedule with its calendar times in loc.
func (s Schedule) In(loc *time.Location) Schedule { s.loc = loc; return s }

func (s Schedule) location() *time.Location {
	if s.loc == nil {
		return time.UTC
	}
	return s.loc
}

// catchUpEach reports whether every missed period runs (calendar
// schedules) or only the latest (Every).
func (s Schedule) catchUpEach() bool { return s.kind != schedEvery }

func (s Schedule) validate() error {
	switch s.kind {
	case schedEvery:
		if s.every < time.Second {
			return fmt.Errorf("interval %v is shorter than a second", s.every)
		}
		return nil
	case schedDaily, schedWeekly, schedMonthly:
	default:
		return fmt.Errorf("no schedule")
	}
	if s.hour < 0 || s.hour > 23 || s.minute < 0 || s.minute > 59 {
		return fmt.Errorf("time %02d:%02d is not a time of day", s.hour, s.minute)
	}
	if s.kind == schedWeekly && (s.weekday < time.Sunday || s.weekday > time.Saturday) {
		return fmt.Errorf("weekday %d is not a weekday", s.weekday)
	}
	if s.kind == schedMonthly && (s.day < 1 || s.day > 31) {
		return fmt.Errorf("day %d is not a day of the month", s.day)
	}
	return nil
}

// String describes the schedule for the operator.
func (s Schedule) String() string {
	at := fmt.Sprintf("%02d:%02d", s.hour, s.minute)
	if s.loc != nil && s.loc != time.UTC {
		at += " " + s.loc.String()
	} else {
		at += " UTC"
	}
	switch s.kind {
	case schedEvery:
		return "every " + s.every.String()
	case schedDaily:
		return "daily at " + at
	case schedWeekly:
		return s.weekday.String() + "s at " + at
	case schedMonthly:
		return fmt.Sprintf("monthly on day %d at %s", s.day, at)
	}
	return "never"
}

// occurrence is the schedule's time in the period that contains t's day
// (daily), week (weekly) or month (monthly).
func (s Schedule) occurrence(t time.Time) time.Time {
	t = t.In(s.location())
	y, m, d := t.Date()
	switch s.kind {
	case schedWeekly:
		d -= int(t.Weekday()-s.weekday+7) % 7
	case schedMonthly:
		d = min(s.day, daysIn(y, m))
	}
	return time.Date(y, m, d, s.hour, s.minute, 0, 0, s.location()).UTC()
}

// step moves an occurrence by n periods.
func (s Schedule) step(occ time.Time, n int) time.Time {
	l := occ.In(s.location())
	y, m, d := l.Date()
	switch s.kind {
	case schedDaily:
		d += n
	case schedWeekly:
		d += 7 * n
	case schedMonthly:
		m += time.Month(n)
		first := time.Date(y, m, 1, 0, 0, 0, 0, s.location())
		y, m = first.Year(), first.Month()
		d = min(s.day, daysIn(y, m))
	}
	return time.Date(y, m, d, s.hour, s.minute, 0, 0, s.location()).UTC()
}

// Prev is the latest time the schedule is due at or before t.
func (s Schedule) Prev(t time.Time) time.Time {
	if s.kind == schedEvery {
		return t.Truncate(s.every).UTC()
	}
	occ := s.occurrence(t)
	if occ.After(t) {
		occ = s.step(occ, -1)
	}
	return occ
}

// Next is the earliest time the schedule is due strictly after t.
func (s Schedule) Next(t time.Time) time.Time {
	if s.kind == schedEvery {
		return t.Truncate(s.every).Add(s.every).UTC()
	}
	occ := s.occurrence(t)
	if !occ.After(t) {
		occ = s.step(occ, 1)
	}
	return occ
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
