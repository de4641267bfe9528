package cli

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"licensedesk/app"
	"licensedesk/storage"
)

// Issue 7, item 6: one undecodable license record stopped start-up. The
// desk starts, names the record in its log and serves the rest, and
// `licensedesk check` reports every problem in the data file.
func TestUndecodableRecordDoesNotStopTheDesk(t *testing.T) {
	dir := t.TempDir()
	svc := openSvc(t, dir)
	res, err := svc.FillDemo(app.System)
	if err != nil {
		t.Fatal(err)
	}
	svc.Close()
	if r := mustRun(t, "", "check", "--data", dir); !strings.Contains(r.stdout, "sound") {
		t.Errorf("check of sound data printed %q", r.stdout)
	}

	db, err := storage.Open(dir, storage.Options{Migrations: app.Migrations()})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *storage.Tx) error {
		if err := tx.PutRaw(storage.Licenses, storage.EncodeID(2), []byte{1, 0xff, 0xff}); err != nil {
			return err
		}
		if err := tx.PutRaw(storage.Licenses, storage.EncodeID(3), []byte(`{"id":`)); err != nil {
			return err
		}
		return tx.PutRaw(storage.Partners, storage.EncodeID(1), []byte("not json"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	os.RemoveAll(filepath.Join(dir, "index")) // start-up rebuilds it, reading every record

	var logs syncBuffer // background goroutines (the column copy, the indexer) log while the test reads
	svc, err = app.Open(app.Options{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("start with an undecodable license: %v", err)
	}
	defer svc.Close()
	if !strings.Contains(logs.String(), "id=2") || !strings.Contains(logs.String(), "id=3") {
		t.Errorf("the log does not name the damaged records:\n%s", logs.String())
	}
	for _, sort := range []string{"", "id", "key", "-name"} {
		pg, err := svc.ListLicenses(app.System, app.ListParams{Sort: sort, PerPage: 500, Filters: map[string]string{"view": "all"}})
		if err != nil {
			t.Fatalf("list (sort %q) with a damaged record: %v", sort, err)
		}
		if len(pg.Items) < res.Licenses-2 || len(pg.Items) == 0 {
			t.Errorf("list (sort %q) shows %d of %d licenses", sort, len(pg.Items), res.Licenses)
		}
	}
	if pg, err := svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"q": "*A*", "view": "all"}}); err != nil || pg.Total == 0 {
		t.Errorf("search with a damaged record: %v, %d", err, pg.Total)
	}
	var csv bytes.Buffer
	if n, err := svc.ExportLicensesCSV(app.System, app.ListParams{Filters: map[string]string{"view": "all"}}, nil, &csv); err != nil || n < res.Licenses-2 {
		t.Errorf("export with a damaged record: %d rows, %v", n, err)
	}
	svc.Close()

	r := run(t, nil, "", "check", "--data", dir)
	if r.code != exitFailure {
		t.Fatalf("check of damaged data: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"licenses record 2", "licenses record 3", "partners record 1"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("check does not report %q:\n%s", want, r.stdout)
		}
	}
	oneErrorLine(t, r, "3 problems")
}
