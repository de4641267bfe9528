package cli

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"licensedesk/app"
	"licensedesk/storage"
)

func fillDemo(t *testing.T, dir string) {
	t.Helper()
	svc := openSvc(t, dir)
	if _, err := svc.FillDemo(app.System); err != nil {
		t.Fatal(err)
	}
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
}

func sameData(t *testing.T, what string, got, want snapshot) {
	t.Helper()
	if len(want.Products) == 0 || len(want.Partners) == 0 || len(want.Users) == 0 {
		t.Fatalf("%s: the reference snapshot is empty: %+v", what, want)
	}
	if !reflect.DeepEqual(got.Products, want.Products) {
		t.Errorf("%s: products differ\n got %+v\nwant %+v", what, got.Products, want.Products)
	}
	if !reflect.DeepEqual(got.Partners, want.Partners) {
		t.Errorf("%s: partners differ\n got %+v\nwant %+v", what, got.Partners, want.Partners)
	}
	if !reflect.DeepEqual(got.Users, want.Users) {
		t.Errorf("%s: users differ\n got %+v\nwant %+v", what, got.Users, want.Users)
	}
	if !reflect.DeepEqual(got.Balances, want.Balances) {
		t.Errorf("%s: balances differ\n got %v\nwant %v", what, got.Balances, want.Balances)
	}
}

// TestBackupThenRestore: a backup of a stopped server, restored over
// changed data and into a fresh directory, gives back the same data; the
// replaced file is kept and the index is rebuilt.
func TestBackupThenRestore(t *testing.T) {
	dir := t.TempDir()
	fillDemo(t, dir)
	before := takeSnapshot(t, dir)
	file := filepath.Join(t.TempDir(), "backup.db")

	r := mustRun(t, "", "backup", file, "--data", dir)
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.stdout, "("+strconv.FormatInt(st.Size(), 10)+" bytes)") || !strings.Contains(r.stdout, "stopped data file") {
		t.Errorf("backup printed %q for a %d-byte file", r.stdout, st.Size())
	}
	if _, err := os.Stat(file + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s.tmp left behind", file)
	}

	// Change the data after the backup.
	svc := openSvc(t, dir)
	name := "Added After The Backup"
	if _, err := svc.CreatePartner(app.System, app.PartnerInput{Name: &name}); err != nil {
		t.Fatal(err)
	}
	svc.Close()

	r = mustRun(t, "", "restore", file, "--data", dir)
	for _, want := range []string{"restored", "schema version " + strconv.Itoa(app.SchemaVersion()), beforeRestore, "rebuilt on the next start"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("restore output does not mention %q:\n%s", want, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, beforeRestore)); err != nil {
		t.Errorf("the replaced data file was not kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the search index was not deleted: %v", err)
	}
	sameData(t, "restored over changed data", takeSnapshot(t, dir), before)

	// The restored index finds what the data holds, and not the partner added later.
	svc = openSvc(t, dir)
	if p, err := svc.ListPartners(app.System, app.ListParams{Filters: map[string]string{"q": "Northwind"}}); err != nil || p.Total != 1 {
		t.Errorf("search after restore: %d, %v", p.Total, err)
	}
	if p, _ := svc.ListPartners(app.System, app.ListParams{Filters: map[string]string{"q": "Backup"}}); p.Total != 0 {
		t.Errorf("the partner added after the backup is still found")
	}
	svc.Close()

	// A second restore keeps the earlier before-restore file too.
	mustRun(t, "", "restore", file, "--data", dir)
	kept, _ := filepath.Glob(filepath.Join(dir, beforeRestore+"*"))
	if len(kept) != 2 {
		t.Errorf("after two restores want two kept files, got %v", kept)
	}

	// Into a fresh directory.
	fresh := filepath.Join(t.TempDir(), "fresh")
	mustRun(t, "", "restore", file, "--data", fresh)
	sameData(t, "restored into a fresh directory", takeSnapshot(t, fresh), before)
}

// TestRestoreRefusesWhatIsNotABackup: not a bbolt file, a bbolt file of
// something else, a newer schema, a missing file; the data is untouched.
func TestRestoreRefusesWhatIsNotABackup(t *testing.T) {
	dir := t.TempDir()
	fillDemo(t, dir)
	before := takeSnapshot(t, dir)
	tmp := t.TempDir()

	text := filepath.Join(tmp, "notes.txt")
	os.WriteFile(text, []byte(strings.Repeat("not a database\n", 2000)), 0o600)

	other := filepath.Join(tmp, "other.db")
	b, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err })
	b.Close()

	newerDir := t.TempDir()
	db, err := storage.Open(newerDir, storage.Options{Migrations: app.Migrations()})
	if err != nil {
		t.Fatal(err)
	}
	next := strconv.Itoa(app.SchemaVersion() + 1)
	if err := db.Update(func(tx *storage.Tx) error {
		return tx.PutRaw(storage.Meta, []byte("schema_version"), []byte(next))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	newer := filepath.Join(newerDir, storage.FileName)

	for _, tc := range []struct {
		file  string
		wants []string
	}{
		{text, []string{"is not a licensedesk backup"}},
		{other, []string{"not a licensedesk backup", `"meta"`}},
		{newer, []string{"schema version " + next, "newer"}},
		{filepath.Join(tmp, "missing.db"), []string{"cannot read the backup"}},
		{tmp, []string{"is not a file"}},
	} {
		r := run(t, nil, "", "restore", tc.file, "--data", dir)
		if r.code != exitFailure {
			t.Errorf("restore %s: exit %d, want 1 (%s)", tc.file, r.code, r.stderr)
			continue
		}
		oneErrorLine(t, r, tc.wants...)
	}
	if _, err := os.Stat(filepath.Join(dir, beforeRestore)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused restore moved the data file aside")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".restore-*")); len(left) > 0 {
		t.Errorf("a refused restore left its staging directory: %v", left)
	}
	sameData(t, "after refused restores", takeSnapshot(t, dir), before)
}

// TestBackupThroughRunningServer: while serve holds the data file,
// backups go through its admin socket, several at once, while the server
// keeps answering; the copy restores to the same data.
func TestBackupThroughRunningServer(t *testing.T) {
	dir := t.TempDir()
	fillDemo(t, dir)
	before := takeSnapshot(t, dir)
	s := startServe(t, dir)
	out := t.TempDir()

	const n = 3
	var wg sync.WaitGroup
	results := make([]result, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = run(t, nil, "", "backup", filepath.Join(out, fmt.Sprintf("b%d.db", i)), "--data", dir, "--lock-timeout", "300ms")
		}()
	}
	// The server keeps serving meanwhile.
	for range 5 {
		resp, err := httpGet(s.url + "/healthz")
		if err != nil || resp != 200 {
			t.Errorf("healthz during backup: %d %v", resp, err)
		}
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Fatalf("backup %d: exit %d: %s", i, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "through the running server") {
			t.Errorf("backup %d did not go through the server: %q", i, r.stdout)
		}
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("serve exited %d: %s", code, s.errb)
	}
	for i := range n {
		copyDir := t.TempDir()
		mustRun(t, "", "restore", filepath.Join(out, fmt.Sprintf("b%d.db", i)), "--data", copyDir)
		sameData(t, fmt.Sprintf("copy %d taken through the server", i), takeSnapshot(t, copyDir), before)
	}
	sameData(t, "the live data after the server stopped", takeSnapshot(t, dir), before)
}

// TestBackupIgnoresAStaleSocket: an admin socket left by a server that
// died does not stop a backup of the stopped data.
func TestBackupIgnoresAStaleSocket(t *testing.T) {
	dir := t.TempDir()
	fillDemo(t, dir)
	// A plain file where the socket would be: nothing listens on it.
	if err := os.WriteFile(filepath.Join(dir, "admin.sock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "b.db")
	r := mustRun(t, "", "backup", file, "--data", dir)
	if !strings.Contains(r.stdout, "stopped data file") {
		t.Fatalf("backup: %q", r.stdout)
	}
	none := run(t, nil, "", "backup", file, "--data", filepath.Join(t.TempDir(), "nothing"))
	if none.code != exitFailure {
		t.Fatalf("backup of a missing data directory: exit %d", none.code)
	}
	oneErrorLine(t, none, "no data file")
}

func httpGet(url string) (int, error) {
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestBackupThroughServerWithALongDataPath: a data directory whose socket
// path is longer than a Unix socket address holds still gets its backup
// through the running server.
func TestBackupThroughServerWithALongDataPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	s := startServe(t, dir)
	file := filepath.Join(t.TempDir(), "b.db")
	r := mustRun(t, "", "backup", file, "--data", dir, "--lock-timeout", "300ms")
	if !strings.Contains(r.stdout, "through the running server") {
		t.Fatalf("backup: %q", r.stdout)
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("serve exited %d: %s", code, s.errb)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "admin.sock")); len(left) != 0 {
		t.Errorf("socket left behind: %v", left)
	}
}

// A backup whose pages are damaged was restored: restore read only its
// header and schema version, moved the good data file aside, put the
// damaged one in place and deleted the index, and the desk then would not
// start. Restore now reads every page of the backup first and refuses a
// damaged one, naming it, with nothing changed.
func TestRestoreRefusesADamagedBackup(t *testing.T) {
	src, dir := t.TempDir(), t.TempDir()
	fillDemo(t, src)
	fillDemo(t, dir)
	before := takeSnapshot(t, dir)
	file := filepath.Join(t.TempDir(), "backup.db")
	mustRun(t, "", "backup", file, "--data", src)

	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	const pageSize = 4096
	pages := st.Size() / pageSize
	f, err := os.OpenFile(file, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, pages/3*pageSize), pages/3*pageSize); err != nil {
		t.Fatal(err)
	}
	f.Close()

	r := run(t, nil, "", "restore", file, "--data", dir)
	if r.code != exitFailure {
		t.Fatalf("restore of a damaged backup: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	oneErrorLine(t, r, file, "is damaged", "nothing was restored")
	if _, err := os.Stat(filepath.Join(dir, beforeRestore)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused restore moved the data file aside")
	}
	if _, err := os.Stat(filepath.Join(dir, "index")); err != nil {
		t.Errorf("a refused restore deleted the search index: %v", err)
	}
	sameData(t, "after a refused restore", takeSnapshot(t, dir), before)
}

// `backup DATA/licensedesk.db` while the server ran renamed the copy over
// the live data file: the server went on writing to the unlinked old file,
// so every change after the backup was lost at the next start, and the new
// file had no lock, so a second server could open it. A FILE that is the
// data file is now refused (exit 2) and the data file is left alone.
func TestBackupRefusesToOverwriteTheDataFile(t *testing.T) {
	dir := t.TempDir()
	fillDemo(t, dir)
	live := filepath.Join(dir, storage.FileName)
	before, err := os.Stat(live)
	if err != nil {
		t.Fatal(err)
	}
	s := startServe(t, dir)
	for _, file := range []string{live, filepath.Join(dir, ".", storage.FileName)} {
		r := run(t, nil, "", "backup", file, "--data", dir)
		if r.code != exitUsage {
			t.Errorf("backup %s over the live data file: exit %d, want %d\n%s%s", file, r.code, exitUsage, r.stdout, r.stderr)
			continue
		}
		oneErrorLine(t, r, "is the data file itself")
	}
	after, err := os.Stat(live)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Errorf("backup replaced the live data file under the running server")
	}
	if _, err := os.Stat(live + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused backup left %s.tmp", live)
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("serve exited %d: %s", code, s.errb)
	}
}

// Each restore keeps the data file it replaces as DATA/licensedesk.db.
// before-restore, moving an earlier one to a name with the time to the
// second; a second restore within that second renamed over the file kept
// there, so the data that file held was gone. Every data file a restore
// replaces is now kept under a name of its own.
func TestRestoresInOneSecondKeepEveryDataFile(t *testing.T) {
	dir := t.TempDir()
	fillDemo(t, dir)
	backup := filepath.Join(t.TempDir(), "b.db")
	mustRun(t, "", "backup", backup, "--data", dir)
	kept := filepath.Join(dir, beforeRestore)
	// Names a restore in this second or the next few would move the
	// earlier kept file to: taken already, each by a file of its own.
	now := time.Now().UTC()
	taken := map[string]string{}
	for i := range 5 {
		name := kept + "." + now.Add(time.Duration(i)*time.Second).Format("20060102-150405")
		content := "earlier data file " + strconv.Itoa(i)
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		taken[name] = content
	}
	mustRun(t, "", "restore", backup, "--data", dir) // keeps the first data file as before-restore
	mustRun(t, "", "restore", backup, "--data", dir) // moves that one aside
	for name, content := range taken {
		got, err := os.ReadFile(name)
		if err != nil || string(got) != content {
			t.Errorf("%s was replaced by a restore (%d bytes now), %v", filepath.Base(name), len(got), err)
		}
	}
	moved, _ := filepath.Glob(kept + ".*")
	if len(moved) != len(taken)+1 {
		t.Errorf("want the %d files kept before plus the one moved aside, got %v", len(taken), moved)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("the replaced data file is not kept: %v", err)
	}
}
