package cli

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

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

// A data file with damaged pages and no freelist written (a hot backup,
// or any file after a crash: the server does not write the freelist on
// each commit) made every command that opens it for writing (check,
// compact, serve) die with a bbolt panic and a stack trace: bbolt walks
// such a file in a goroutine of its own to rebuild the freelist, where
// nothing can recover. Each now says in one line that the file is damaged
// and to restore a backup, exit 1. Run as the real binary: on the old code
// the panic would take the test process down with it.
func TestDamagedPagesAreReportedNotAPanic(t *testing.T) {
	dir := t.TempDir()
	fillDemo(t, dir)
	path := filepath.Join(dir, storage.FileName)
	// Commit once the way a running server does, and stop without the
	// clean close that writes the freelist.
	b, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(storage.Meta)).Put([]byte("test-touch"), []byte("1"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	if out, err := exec.Command(bin, "check", "--data", dir).CombinedOutput(); err != nil || !strings.Contains(string(out), "sound") {
		t.Fatalf("check of a sound file without its freelist: %v\n%s", err, out)
	}
	// The check above closed cleanly, writing the freelist: take it off
	// again, then damage the middle third of the file's pages.
	b, err = bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(storage.Meta)).Delete([]byte("test-touch"))
	}); err != nil {
		t.Fatal(err)
	}
	pageSize := int64(b.Info().PageSize)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	pages := st.Size() / pageSize
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, pages/3*pageSize), pages/3*pageSize); err != nil {
		t.Fatal(err)
	}
	f.Close()

	for _, args := range [][]string{
		{"check", "--data", dir},
		{"compact", "--data", dir},
		{"serve", "--data", dir, "--addr", "127.0.0.1:0"},
	} {
		var stdout, stderr bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		if err != nil && code < 0 {
			t.Fatalf("%s: %v", args[0], err)
		}
		if code != exitFailure {
			t.Errorf("%s of a damaged file: exit %d, want %d\n%s", args[0], code, exitFailure, stderr.String())
			continue
		}
		oneErrorLine(t, result{code, stdout.String(), stderr.String()}, "is damaged", "restore")
	}
}

// check on a data file that was closed cleanly (its freelist written, so
// opening it reads no page) and then damaged answered "licensedesk:
// internal error: assertion failed: Page expected to be: N …", the panic
// of the first record read on a damaged page. It now reads every page
// first and says which file is damaged and to restore a backup.
func TestCheckNamesDamagedPagesOfACleanlyClosedFile(t *testing.T) {
	dir := t.TempDir()
	fillDemo(t, dir) // closed cleanly: the freelist is written
	path := filepath.Join(dir, storage.FileName)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	const pageSize = 4096
	pages := st.Size() / pageSize
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, pages/3*pageSize), pages/3*pageSize); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r := run(t, nil, "", "check", "--data", dir)
	if r.code != exitFailure {
		t.Fatalf("check of a damaged file: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	oneErrorLine(t, r, "is damaged", "restore")
	if strings.Contains(r.stderr, "internal error") {
		t.Errorf("check reported the damage as an internal error: %s", r.stderr)
	}
}
