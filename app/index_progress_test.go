package app_test

import (
	"testing"

	"licensedesk/app"
)

// IndexBacklog: after writes the newest change is ahead of, or at, what
// the index holds; once the index is synced they meet. Without an index
// there is no backlog.
func TestIndexBacklog(t *testing.T) {
	svc, err := app.Open(app.Options{DataDir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	_, before := svc.IndexBacklog()
	if _, err := svc.CreateProduct(app.System, productInput("av")); err != nil {
		t.Fatal(err)
	}
	applied, last := svc.IndexBacklog()
	if last <= before || applied > last {
		t.Fatalf("after a write: applied %d, last %d (before %d)", applied, last, before)
	}
	if err := svc.SyncIndex(); err != nil {
		t.Fatal(err)
	}
	if applied, last := svc.IndexBacklog(); applied != last || last == 0 {
		t.Errorf("after a sync: applied %d, last %d", applied, last)
	}
	bare, err := app.Open(app.Options{DataDir: t.TempDir(), Logger: quiet, NoIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	if applied, last := bare.IndexBacklog(); applied != 0 || last != 0 {
		t.Errorf("without an index: %d, %d", applied, last)
	}
}
