package cli

import (
	"os"
	"path/filepath"
	"testing"

	"licensedesk/app"
)

// damageIndex flips bytes of every segment of dir's search index: at the
// end (the footer) or in the middle.
func damageIndex(t *testing.T, dir string, middle bool) {
	t.Helper()
	segs, _ := filepath.Glob(filepath.Join(dir, "index", "store", "*.zap"))
	if len(segs) == 0 {
		t.Fatal("the index has no segment files")
	}
	for _, seg := range segs {
		b, err := os.ReadFile(seg)
		if err != nil {
			t.Fatal(err)
		}
		at := len(b) - 24
		if middle {
			at = len(b) / 2
		}
		for i := at; i < at+16; i++ {
			b[i] ^= 0x5a
		}
		if err := os.WriteFile(seg, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 7, item 5: with bytes damaged at the end of a segment, serve,
// reindex, user list, token list and token create all exited with a
// slice-bounds panic. The commands that do not search never open the
// index; reindex and a start rebuild it.
func TestDamagedIndexStopsNoCommand(t *testing.T) {
	for _, middle := range []bool{false, true} {
		dir := t.TempDir()
		svc := openSvc(t, dir)
		res, err := svc.FillDemo(app.System)
		if err != nil {
			t.Fatal(err)
		}
		svc.Close()
		damageIndex(t, dir, middle)

		mustRun(t, "", "user", "list", "--data", dir)
		mustRun(t, "", "token", "create", "--data", dir, "--email", app.DemoOperatorEmail)
		mustRun(t, "", "token", "list", "--data", dir)
		mustRun(t, "operator-secret-9\n", "user", "add", "--data", dir, "--email", "late@example.com", "--role", "operator", "--password-stdin")
		mustRun(t, "", "reindex", "--data", dir)

		damageIndex(t, dir, middle)
		svc = openSvc(t, dir) // what serve does on start
		pg, err := svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"q": "*A*", "view": "all"}})
		if err != nil {
			t.Fatalf("search after a start on a damaged index (middle %v): %v", middle, err)
		}
		if pg.Total == 0 || res.Licenses == 0 {
			t.Errorf("search after the rebuild found %d of %d licenses", pg.Total, res.Licenses)
		}
		if n := svc.IndexedDocs(); n < uint64(res.Licenses) {
			t.Errorf("the rebuilt index holds %d documents, want at least %d", n, res.Licenses)
		}
		svc.Close()
	}
}
