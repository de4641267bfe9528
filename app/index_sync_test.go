package app_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"licensedesk/app"
	"licensedesk/storage"
)

// A rebuild of the search index does not stop the desk: while it is being
// built (checked from its progress callback, mid-build), a license can be
// edited and a search finds the edit; after the swap the rebuilt index has
// the edit made during the build too. The change log is trimmed behind.
func TestReindexLetsWritesAndSearchesGoOn(t *testing.T) {
	var svc *app.Service
	var once sync.Once
	var during []string
	var duringErr error
	var target uint64
	progress := func(n int) {
		if svc == nil || target == 0 || n == 0 {
			return
		}
		once.Do(func() {
			done := make(chan struct{})
			go func() {
				defer close(done)
				if _, duringErr = svc.EditLicense(app.System, target, app.LicenseEdit{Notes: licP("marmalade")}); duringErr != nil {
					return
				}
				page, err := svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"q": "marmalade"}})
				if duringErr = err; err == nil {
					for _, l := range page.Items {
						during = append(during, l.Key)
					}
				}
			}()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				duringErr = errTimeout
			}
		})
	}
	f := newLicFix(t)
	if err := f.svc.Close(); err != nil {
		t.Fatal(err)
	}
	f.svc = nil
	svc, err := app.Open(app.Options{DataDir: f.dir, Logger: licQuiet, Now: f.clk.Now, ReindexProgress: progress})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	prod := f.av
	batch := make([]app.License, 3000)
	for i := range batch {
		batch[i] = app.License{Name: "bulk", ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Status: app.StatusOrdered}
	}
	if err := svc.ImportLicenses(app.System, batch); err != nil {
		t.Fatal(err)
	}
	lv, err := svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12, Count: 1, Name: "target"})
	if err != nil {
		t.Fatal(err)
	}
	target = lv[0].ID
	if err := svc.Reindex(); err != nil {
		t.Fatal(err)
	}
	if duringErr != nil {
		t.Fatalf("a write and a search during the rebuild: %v", duringErr)
	}
	if !slices.Equal(during, []string{lv[0].Key}) {
		t.Fatalf("search during the rebuild found %v, want the license just edited", during)
	}
	page, err := svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"q": "marmalade"}})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || page.Items[0].ID != target {
		t.Fatalf("after the swap the search finds %d licenses, want the one edited during the rebuild", page.Total)
	}
	if n := svc.IndexedDocs(); n != 3001+6 {
		t.Fatalf("%d documents indexed, want 3,007 (2 products, 4 partners, 3,001 licenses)", n)
	}
	var left int
	svc.DB().View(func(tx *storage.Tx) error {
		changes, _ := tx.ChangesAfter(0, 100)
		left = len(changes)
		return nil
	})
	if left != 0 {
		t.Fatalf("%d change log entries left after the rebuild caught up", left)
	}
}

var errTimeout = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string { return "timed out: the rebuild blocked it" }
