package app_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"licensedesk/app"
)

func newClock() *app.ManualClock {
	return app.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
}

// env is one data directory with its service.
type env struct {
	t    *testing.T
	dir  string
	clk  *app.ManualClock
	svc  *app.Service
	smtp app.SMTPConfig // the outbox's server, when a test sets one before open
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), clk: newClock()}
	e.open()
	t.Cleanup(func() {
		if e.svc != nil {
			e.svc.Close()
		}
	})
	return e
}

func (e *env) open() {
	e.t.Helper()
	svc, err := app.Open(app.Options{DataDir: e.dir, Logger: quiet, Now: e.clk.Now, SMTP: e.smtp})
	if err != nil {
		e.t.Fatalf("open %s: %v", e.dir, err)
	}
	e.svc = svc
}

// reopen closes the service and opens the data directory again, as a
// restart of the appliance does.
func (e *env) reopen() {
	e.t.Helper()
	if err := e.svc.Close(); err != nil {
		e.t.Fatalf("close: %v", err)
	}
	e.svc = nil
	e.open()
}

func ptr[T any](v T) *T { return &v }

const goodPassword = "correct horse battery"

// operator creates an operator user and returns its actor.
func (e *env) operator(email string) app.Actor {
	e.t.Helper()
	u, err := e.svc.CreateUser(app.System, app.UserInput{Email: ptr(email), Role: ptr(app.RoleOperator), Password: ptr(goodPassword)})
	if err != nil {
		e.t.Fatalf("create operator %s: %v", email, err)
	}
	return app.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, Addr: "192.0.2.1"}
}

func (e *env) partner(name string) app.Partner {
	e.t.Helper()
	p, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr(name), DiscountBP: ptr(3000)})
	if err != nil {
		e.t.Fatalf("create partner %s: %v", name, err)
	}
	return p
}

// partnerUser creates a login for partner p and returns its actor.
func (e *env) partnerUser(p app.Partner, email string) app.Actor {
	e.t.Helper()
	u, err := e.svc.CreateUser(app.System, app.UserInput{Email: ptr(email), Role: ptr(app.RolePartner), PartnerID: ptr(p.ID), Password: ptr(goodPassword)})
	if err != nil {
		e.t.Fatalf("create partner user %s: %v", email, err)
	}
	return app.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, PartnerID: u.PartnerID, Addr: "198.51.100.7"}
}

// productInput is a valid product: two editions (business upgrades to
// enterprise), 12 and 24 months, every combination priced.
func productInput(code string) app.ProductInput {
	eds := []app.Edition{
		{Code: "business", Name: "Business", UpgradesTo: []string{"enterprise"}},
		{Code: "enterprise", Name: "Enterprise"},
	}
	periods := []int{12, 24}
	var prices []app.Price
	for i, ed := range eds {
		for _, m := range periods {
			prices = append(prices, app.Price{Edition: ed.Code, PeriodMonths: m, PerSeat: int64(1000*(i+1)*m/12 + 99)})
		}
	}
	return app.ProductInput{
		Code: ptr(code), Name: ptr("Product " + code), Description: ptr("protects " + code + " endpoints"),
		Currency: ptr("EUR"), Editions: &eds, Periods: &periods, Prices: &prices,
	}
}

func (e *env) product(code string) app.Product {
	e.t.Helper()
	p, err := e.svc.CreateProduct(app.System, productInput(code))
	if err != nil {
		e.t.Fatalf("create product %s: %v", code, err)
	}
	return p
}

// wantField asserts err is a validation (or conflict) error naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var ve *app.ValidationError
	var ce *app.ConflictError
	switch {
	case err == nil:
		t.Fatalf("accepted; want an error on field %q", field)
	case errors.As(err, &ve):
		if ve.Field != field {
			t.Fatalf("error names field %q (%v); want %q", ve.Field, err, field)
		}
		if ve.Message == "" {
			t.Fatalf("error on %q says nothing about what to change", field)
		}
	case errors.As(err, &ce):
		if ce.Field != field {
			t.Fatalf("conflict names field %q (%v); want %q", ce.Field, err, field)
		}
	default:
		t.Fatalf("error %v (%T) names no field; want one on %q", err, err, field)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v; want %v", err, want)
	}
}

// audited reports whether the audit log holds an entry with action,
// actor email and address.
func (e *env) audited(action, actor, addr string) bool {
	e.t.Helper()
	page, err := e.svc.ListAudit(app.System, app.ListParams{PerPage: app.MaxPerPage, Filters: map[string]string{"action": action}})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range page.Items {
		if a.Action == action && a.Actor == actor && (addr == "" || a.Addr == addr) {
			return true
		}
	}
	return false
}

func uid(n uint64) string { return fmt.Sprint(n) }
