package app_test

import (
	"testing"

	"licensedesk/app"
)

// A mistyped filter is refused by name instead of quietly listing
// everything.
func TestListsRefuseUnknownFilters(t *testing.T) {
	e := newEnv(t)
	op := e.operator("ops@desk.example")
	bad := app.ListParams{Filters: map[string]string{"colour": "red"}}
	_, err := e.svc.ListProducts(op, bad)
	wantField(t, err, "colour")
	_, err = e.svc.ListPartners(op, bad)
	wantField(t, err, "colour")
	_, err = e.svc.ListUsers(op, bad)
	wantField(t, err, "colour")
	_, err = e.svc.ListAudit(op, bad)
	wantField(t, err, "colour")
	_, err = e.svc.ListLicenses(op, bad)
	wantField(t, err, "colour")
	if _, err := e.svc.ListProducts(op, app.ListParams{Filters: map[string]string{"currency": "EUR", "q": "x"}}); err != nil {
		t.Errorf("known filters refused: %v", err)
	}
}
