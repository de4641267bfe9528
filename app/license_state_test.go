package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// legalMoves is the life of a license as the issue describes it (F6, F7,
// F15): ordered → active → suspended ⇄ active, → expired, → cancelled; an
// operation (renewal, migration) runs in_progress from active or expired
// and ends active; cancelled is final.
var legalMoves = map[app.Status][]app.Status{
	app.StatusOrdered:    {app.StatusActive, app.StatusExpired, app.StatusCancelled},
	app.StatusActive:     {app.StatusSuspended, app.StatusInProgress, app.StatusExpired, app.StatusCancelled},
	app.StatusSuspended:  {app.StatusActive, app.StatusExpired, app.StatusCancelled},
	app.StatusInProgress: {app.StatusActive, app.StatusExpired, app.StatusCancelled},
	app.StatusExpired:    {app.StatusInProgress, app.StatusCancelled},
	app.StatusCancelled:  {},
}

// TestCanMoveEveryPair walks all 36 (from, to) pairs: a legal move is
// allowed, an illegal one is a validation error on "status" whose message
// says why in words (naming the states, or a specific reason).
func TestCanMoveEveryPair(t *testing.T) {
	t.Parallel()
	if len(app.Statuses) != 6 {
		t.Fatalf("app.Statuses has %d statuses; F6 names six", len(app.Statuses))
	}
	reasons := map[[2]app.Status]string{
		{app.StatusExpired, app.StatusActive}:       "renew",
		{app.StatusOrdered, app.StatusSuspended}:    "unused",
		{app.StatusActive, app.StatusActive}:        "already active",
		{app.StatusSuspended, app.StatusSuspended}:  "already suspended",
		{app.StatusCancelled, app.StatusActive}:     "cancelled",
		{app.StatusInProgress, app.StatusSuspended}: "operation is running",
	}
	for _, from := range app.Statuses {
		for _, to := range app.Statuses {
			legal := false
			for _, s := range legalMoves[from] {
				legal = legal || s == to
			}
			err := app.CanMove(from, to)
			if legal {
				if err != nil {
					t.Errorf("%s → %s is legal but refused: %v", from, to, err)
				}
				continue
			}
			var ve *app.ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("%s → %s is illegal but CanMove gave %v (%T), want a *ValidationError", from, to, err, err)
				continue
			}
			if ve.Field != "status" {
				t.Errorf("%s → %s: error names field %q, want status", from, to, ve.Field)
			}
			msg := strings.ToLower(ve.Message)
			if want, ok := reasons[[2]app.Status{from, to}]; ok {
				if !strings.Contains(msg, want) {
					t.Errorf("%s → %s: message %q does not say %q", from, to, ve.Message, want)
				}
				continue
			}
			if !strings.Contains(msg, string(from)) && !strings.Contains(msg, "cancelled") {
				t.Errorf("%s → %s: message %q does not say why", from, to, ve.Message)
			}
		}
	}
}

func TestStatusValidity(t *testing.T) {
	t.Parallel()
	for _, s := range app.Statuses {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
	}
	for _, s := range []app.Status{"", "Active", "deleted", "paid"} {
		if s.Valid() {
			t.Errorf("%q accepted as a status", s)
		}
	}
	for _, p := range app.Payments {
		if !p.Valid() {
			t.Errorf("payment %s not valid", p)
		}
	}
	if app.Payment("free").Valid() {
		t.Error("payment free accepted")
	}
}

// TestSuspendEnableThroughService: a partner suspends and re-enables its
// active license, a repeated move is refused with the reason, and the
// period stays where it was.
func TestSuspendEnableThroughService(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.Customer = "Kowalski Sp. z o.o."
	l := f.one(f.ua, in)
	if l.Status != app.StatusActive || l.ValidFrom == nil || l.ValidTo == nil {
		t.Fatalf("created with a customer: status %s from %v to %v; want active with a period", l.Status, l.ValidFrom, l.ValidTo)
	}
	from, to := *l.ValidFrom, *l.ValidTo

	f.clk.AddDate(0, 0, 10)
	s, err := f.svc.SuspendLicense(f.ua, l.ID)
	if err != nil || s.Status != app.StatusSuspended {
		t.Fatalf("suspend: %v %v", s.Status, err)
	}
	_, err = f.svc.SuspendLicense(f.ua, l.ID)
	if ve := licWantField(t, err, "status"); !strings.Contains(ve.Message, "already suspended") {
		t.Errorf("second suspend says %q", ve.Message)
	}
	e, err := f.svc.EnableLicense(f.ua, l.ID)
	if err != nil || e.Status != app.StatusActive {
		t.Fatalf("enable: %v %v", e.Status, err)
	}
	if !e.ValidFrom.Equal(from) || !e.ValidTo.Equal(to) {
		t.Errorf("suspend/enable moved the period to %v–%v; want %v–%v", e.ValidFrom, e.ValidTo, from, to)
	}
	_, err = f.svc.EnableLicense(f.ua, l.ID)
	if ve := licWantField(t, err, "status"); !strings.Contains(ve.Message, "already active") {
		t.Errorf("second enable says %q", ve.Message)
	}
	// Another partner cannot touch it.
	_, err = f.svc.SuspendLicense(f.ub, l.ID)
	licWantIs(t, err, app.ErrNotFound)
	if got := f.get(l.ID).Status; got != app.StatusActive {
		t.Errorf("after another partner's suspend the license is %s", got)
	}
}

// TestEnableStartsPeriodCalendar: enabling an unused key starts its period
// now, and the end date is calendar months later, clamped to the month's
// last day (31 Jan + 1 month = 28 Feb, or 29 in a leap year).
func TestEnableStartsPeriodCalendar(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	cases := []struct {
		enable time.Time
		months int
		want   time.Time
	}{
		{time.Date(2026, 1, 31, 14, 30, 0, 0, time.UTC), 1, time.Date(2026, 2, 28, 14, 30, 0, 0, time.UTC)},
		{time.Date(2028, 1, 31, 8, 0, 0, 0, time.UTC), 1, time.Date(2028, 2, 29, 8, 0, 0, 0, time.UTC)},
		{time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC), 1, time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC), 12, time.Date(2027, 3, 31, 23, 59, 59, 0, time.UTC)},
		{time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC), 12, time.Date(2029, 2, 28, 12, 0, 0, 0, time.UTC)},
		{time.Date(2026, 12, 15, 6, 0, 0, 0, time.UTC), 24, time.Date(2028, 12, 15, 6, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		f.clk.Set(c.enable.AddDate(0, -1, 0)) // bought a month before
		in := f.lic()
		in.PeriodMonths = c.months
		l := f.one(f.op, in)
		if l.Status != app.StatusOrdered || l.ValidFrom != nil || l.ValidTo != nil {
			t.Fatalf("a key bought without a customer is %s from %v to %v; want ordered, no period yet (F7)", l.Status, l.ValidFrom, l.ValidTo)
		}
		f.clk.Set(c.enable)
		e, err := f.svc.EnableLicense(f.op, l.ID)
		if err != nil {
			t.Fatalf("enable: %v", err)
		}
		if e.Status != app.StatusActive {
			t.Fatalf("enabled key is %s", e.Status)
		}
		if e.ValidFrom == nil || !e.ValidFrom.Equal(c.enable) {
			t.Errorf("enabled on %v: valid_from %v; want the enable time", c.enable, e.ValidFrom)
		}
		if e.ValidTo == nil || !e.ValidTo.Equal(c.want) {
			t.Errorf("enabled on %v for %d months: valid_to %v; want %v", c.enable, c.months, e.ValidTo, c.want)
		}
		if got := f.get(l.ID); !got.ValidTo.Equal(c.want) {
			t.Errorf("stored valid_to %v; want %v", got.ValidTo, c.want)
		}
	}
}

// TestExpiredCannotBeEnabled: once its period ended a license comes back
// only by renewing; a suspended license past its end date is refused even
// before the sweep has run.
func TestExpiredCannotBeEnabled(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.PeriodMonths = 1
	in.Customer = "Nordwind AG"
	a := f.one(f.ua, in)
	b := f.one(f.ua, in)
	if _, err := f.svc.SuspendLicense(f.ua, b.ID); err != nil {
		t.Fatal(err)
	}
	f.clk.AddDate(0, 1, 1)
	// b is suspended and past its end, not yet swept.
	_, err := f.svc.EnableLicense(f.ua, b.ID)
	if ve := licWantField(t, err, "status"); !strings.Contains(ve.Message, "renew") {
		t.Errorf("enabling a suspended license past its end says %q; want it to say renew", ve.Message)
	}
	if n, err := f.svc.SweepExpired(); err != nil || n != 2 {
		t.Fatalf("sweep moved %d (%v); want 2", n, err)
	}
	for _, id := range []uint64{a.ID, b.ID} {
		if got := f.get(id).Status; got != app.StatusExpired {
			t.Fatalf("license %d is %s after the sweep; want expired", id, got)
		}
		_, err := f.svc.EnableLicense(f.op, id)
		if ve := licWantField(t, err, "status"); !strings.Contains(ve.Message, "renew") {
			t.Errorf("enabling an expired license says %q", ve.Message)
		}
		_, err = f.svc.SuspendLicense(f.op, id)
		licWantField(t, err, "status")
		if got := f.get(id).Status; got != app.StatusExpired {
			t.Errorf("refused moves changed license %d to %s", id, got)
		}
	}
}

// TestCancelOperatorOnly: a partner cannot cancel even its own license;
// the operator can, and a cancelled license is final.
func TestCancelOperatorOnly(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	l := f.one(f.ua, f.lic())
	_, err := f.svc.CancelLicense(f.ua, l.ID)
	licWantIs(t, err, app.ErrForbidden)
	if got := f.get(l.ID).Status; got != app.StatusOrdered {
		t.Fatalf("partner's cancel left it %s", got)
	}
	c, err := f.svc.CancelLicense(f.op, l.ID)
	if err != nil || c.Status != app.StatusCancelled {
		t.Fatalf("operator cancel: %v %v", c.Status, err)
	}
	for name, fn := range map[string]func(app.Actor, uint64) (app.LicenseView, error){
		"enable": f.svc.EnableLicense, "suspend": f.svc.SuspendLicense, "cancel": f.svc.CancelLicense,
	} {
		_, err := fn(f.op, l.ID)
		if ve := licWantField(t, err, "status"); !strings.Contains(ve.Message, "cancelled") {
			t.Errorf("%s of a cancelled license says %q", name, ve.Message)
		}
	}
	if got := f.get(l.ID).Status; got != app.StatusCancelled {
		t.Errorf("cancelled license is now %s", got)
	}
	// Cancelling a suspended license is also a legal move for the operator.
	in := f.lic()
	in.Customer = "Harbor Ltd"
	s := f.one(f.op, in)
	if _, err := f.svc.SuspendLicense(f.op, s.ID); err != nil {
		t.Fatal(err)
	}
	if c, err := f.svc.CancelLicense(f.op, s.ID); err != nil || c.Status != app.StatusCancelled {
		t.Fatalf("cancel suspended: %v %v", c.Status, err)
	}
}

// TestUnusedKeyCannotBeSuspended: the one illegal move a partner meets
// most, with its reason.
func TestUnusedKeyCannotBeSuspended(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	l := f.one(f.ua, f.lic())
	_, err := f.svc.SuspendLicense(f.ua, l.ID)
	if ve := licWantField(t, err, "status"); !strings.Contains(ve.Message, "unused key") {
		t.Errorf("suspending an unused key says %q", ve.Message)
	}
	if h := f.history(l.ID); len(h) == 0 || h[0].Action != "create" {
		t.Errorf("a refused move wrote history: %+v", h[0])
	}
}
