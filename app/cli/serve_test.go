package cli

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
	"licensedesk/app/web"
	"licensedesk/storage"
)

var passwordRE = regexp.MustCompile(`(?m)^\s*Password\s+(\S+)\s*$`)

// TestFirstStartPrintsAWorkingLogin: the first start creates the operator
// with a generated password, prints it once, and that login works both in
// the service and over HTTP; the second start prints no password.
func TestFirstStartPrintsAWorkingLogin(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // serve creates it
	s := startServe(t, dir)
	out := s.out.String()
	m := passwordRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no password printed:\n%s", out)
	}
	pw := m[1]
	for _, want := range []string{FirstOperatorEmail, s.url + "/login", "Settings"} {
		if !strings.Contains(out, want) {
			t.Errorf("first-start message does not mention %q:\n%s", want, out)
		}
	}
	if len(pw) < app.MinPasswordLen {
		t.Errorf("generated password %q is too short", pw)
	}

	// The admin socket exists, for this OS user only.
	st, err := os.Stat(filepath.Join(dir, web.AdminSocketName))
	if err != nil || st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o600 {
		t.Fatalf("admin socket: %v, mode %v", err, st.Mode())
	}

	// The login works over HTTP: POST /api/v1/tokens with it.
	resp, err := http.Post(s.url+"/api/v1/tokens", "application/json",
		strings.NewReader(`{"email":"`+FirstOperatorEmail+`","password":"`+pw+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var tok struct{ Token string }
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &tok) != nil || !strings.HasPrefix(tok.Token, "ldt_") {
		t.Fatalf("POST /api/v1/tokens with the printed login: %d %s", resp.StatusCode, body)
	}
	if resp, err := http.Get(s.url + "/login"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}

	if code := s.stop(); code != 0 {
		t.Fatalf("serve exited %d after a graceful stop: %s", code, s.errb)
	}
	if !strings.Contains(s.out.String(), "licensedesk stopped") {
		t.Errorf("no stop message:\n%s", s.out)
	}
	if _, err := os.Stat(filepath.Join(dir, web.AdminSocketName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("admin socket left behind after shutdown: %v", err)
	}

	// The login works in the service too.
	svc := openSvc(t, dir)
	if _, u, err := svc.Login(FirstOperatorEmail, pw, "127.0.0.1"); err != nil || u.Role != app.RoleOperator {
		t.Fatalf("login with the printed password: %v (role %q)", err, u.Role)
	}
	if _, _, err := svc.Login(FirstOperatorEmail, pw+"x", "127.0.0.1"); !errors.Is(err, app.ErrBadLogin) {
		t.Fatalf("a wrong password was accepted: %v", err)
	}
	svc.Close()

	// A second start creates nobody and prints no password.
	s2 := startServe(t, dir)
	if passwordRE.MatchString(s2.out.String()) {
		t.Fatalf("second start printed a password:\n%s", s2.out)
	}
	if code := s2.stop(); code != 0 {
		t.Fatalf("second serve exited %d: %s", code, s2.errb)
	}
	svc = openSvc(t, dir)
	if n := svc.CountUsers(); n != 1 {
		t.Fatalf("%d users after two starts, want 1", n)
	}
}

// TestLockedDataDirectory: a data directory held by another process gives
// one clear line naming the pid, after the lock timeout, for every command.
func TestLockedDataDirectory(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", "user", "list", "--data", dir) // create the data file
	held, err := storage.Open(dir, storage.Options{Migrations: app.Migrations()})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	pid := "pid " + strconv.Itoa(os.Getpid())
	backupFile := filepath.Join(t.TempDir(), "b.db")
	for _, tc := range []struct {
		args  []string
		wants []string
	}{
		{[]string{"user", "list"}, []string{"in use by a running licensedesk server", pid, "UI"}},
		{[]string{"user", "add", "--email", "x@example.com", "--role", "operator"}, []string{pid, "stop it first"}},
		{[]string{"token", "create", "--email", "x@example.com"}, []string{pid, "POST /api/v1/tokens"}},
		{[]string{"reindex"}, []string{pid, "POST /api/v1/reindex"}},
		{[]string{"restore", backupFile}, []string{pid, "stop the server before restoring"}},
		{[]string{"serve", "--addr", "127.0.0.1:0"}, []string{pid, "already serving"}},
		{[]string{"backup", backupFile}, []string{pid, "admin socket"}},
	} {
		if tc.args[0] == "restore" {
			os.WriteFile(backupFile, []byte("x"), 0o600)
		}
		start := time.Now()
		r := run(t, nil, "", append(tc.args, "--data", dir, "--lock-timeout", "300ms")...)
		took := time.Since(start)
		if r.code != exitFailure {
			t.Errorf("%v: exit %d, want 1\nstdout: %s\nstderr: %s", tc.args, r.code, r.stdout, r.stderr)
			continue
		}
		oneErrorLine(t, r, tc.wants...)
		if took > 10*time.Second {
			t.Errorf("%v took %v: the lock timeout was not honoured", tc.args, took)
		}
		if tc.args[0] == "backup" {
			if _, err := os.Stat(backupFile + ".tmp"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("failed backup left %s.tmp behind", backupFile)
			}
		}
	}
}

// TestDemo: --demo fills a fresh directory with a believable catalogue
// and working logins, and refuses a directory that has data.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, dir, "--demo")
	out := s.out.String()
	if code := s.stop(); code != 0 {
		t.Fatalf("serve --demo exited %d: %s", code, s.errb)
	}
	if !regexp.MustCompile(`Demo data: 4 products, 5 partners, [1-9][0-9]* licenses, 6 users`).MatchString(out) {
		t.Fatalf("demo summary missing:\n%s", out)
	}
	if passwordRE.MatchString(out) {
		t.Errorf("--demo also printed the first-start login:\n%s", out)
	}
	loginRE := regexp.MustCompile(`(?m)^\s+(\S+@\S+)\s+(\S+)\s+(operator|partner)`)
	logins := loginRE.FindAllStringSubmatch(out, -1)
	if len(logins) != 6 {
		t.Fatalf("want 6 demo logins printed, got %d:\n%s", len(logins), out)
	}
	svc := openSvc(t, dir)
	for _, l := range logins {
		if _, u, err := svc.Login(l[1], l[2], "127.0.0.1"); err != nil || string(u.Role) != l[3] {
			t.Errorf("demo login %s: %v (role %q)", l[1], err, u.Role)
		}
	}
	all := app.ListParams{PerPage: app.MaxPerPage}
	pr, _ := svc.ListProducts(app.System, all)
	pa, _ := svc.ListPartners(app.System, all)
	if pr.Total != 4 || pa.Total != 5 || svc.CountUsers() != 6 {
		t.Fatalf("demo counts: %d products, %d partners, %d users", pr.Total, pa.Total, svc.CountUsers())
	}
	svc.Close()

	// Refused on the same directory, and on one that has only the first operator.
	r := run(t, nil, "", "serve", "--demo", "--data", dir, "--addr", "127.0.0.1:0")
	if r.code != exitFailure {
		t.Fatalf("second --demo: exit %d, stdout %s", r.code, r.stdout)
	}
	oneErrorLine(t, r, "--demo", "already has data")
	used := t.TempDir()
	startServe(t, used).stop()
	r = run(t, nil, "", "serve", "--demo", "--data", used, "--addr", "127.0.0.1:0")
	if r.code != exitFailure {
		t.Fatalf("--demo after a first start: exit %d", r.code)
	}
	oneErrorLine(t, r, "already has data")
}

// TestReindex: reindex rebuilds the index with a progress bar and reports
// the documents; a deleted index is rebuilt once, counting documents.
func TestReindex(t *testing.T) {
	dir := t.TempDir()
	svc := openSvc(t, dir)
	res, err := svc.FillDemo(app.System)
	if err != nil {
		t.Fatal(err)
	}
	svc.Close()
	// Every product, partner and license is a search document.
	want := res.Products + res.Partners + res.Licenses
	n := strconv.Itoa(want)
	r := mustRun(t, "", "reindex", "--data", dir)
	if !strings.Contains(r.stderr, "100%") || !strings.Contains(r.stderr, n+"/"+n) {
		t.Errorf("no finished progress bar on stderr: %q", r.stderr)
	}
	if strings.TrimSpace(r.stdout) != "search index rebuilt: "+n+" documents" {
		t.Errorf("stdout %q", r.stdout)
	}
	if err := os.RemoveAll(filepath.Join(dir, "index")); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, "", "reindex", "--data", dir)
	if !strings.Contains(r.stderr, "reindex: "+n+" documents") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("deleted index: want one progress line counting %s documents, got %q", n, r.stderr)
	}
	if strings.TrimSpace(r.stdout) != "search index rebuilt: "+n+" documents" {
		t.Errorf("stdout %q", r.stdout)
	}
	svc = openSvc(t, dir)
	if got := svc.IndexedDocs(); got != uint64(want) {
		t.Fatalf("%d documents indexed, want %d", got, want)
	}
	page, err := svc.ListPartners(app.System, app.ListParams{Filters: map[string]string{"q": "Northwind"}})
	if err != nil || page.Total != 1 {
		t.Fatalf("search after reindex: %d hits, %v", page.Total, err)
	}
}

// While `licensedesk import` (or any other command) held the data
// directory, every other command said it was "in use by a running
// licensedesk server" and gave a server's advice (stop it, use the UI,
// restart it for a backup), so an operator could kill a long import
// believing it a stray server. The pid file now says what holds the
// directory, and the message names that command.
func TestLockedByAnotherCommandNamesIt(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", "user", "list", "--data", dir) // create the data file
	held, err := storage.Open(dir, storage.Options{Migrations: app.Migrations()})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	// What `licensedesk import` writes into the pid file while it runs.
	pid := strconv.Itoa(os.Getpid())
	if err := os.WriteFile(filepath.Join(dir, "licensedesk.pid"), []byte(pid+" import\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	backupFile := filepath.Join(t.TempDir(), "b.db")
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0"},
		{"user", "list"},
		{"reindex"},
		{"compact"},
		{"restore", backupFile},
		{"backup", backupFile},
	} {
		if args[0] == "restore" {
			os.WriteFile(backupFile, []byte("x"), 0o600)
		}
		r := run(t, nil, "", append(args, "--data", dir, "--lock-timeout", "300ms")...)
		if r.code != exitFailure {
			t.Errorf("%v: exit %d, want 1\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
			continue
		}
		oneErrorLine(t, r, "'licensedesk import'", "pid "+pid, "finished")
		if strings.Contains(r.stderr, "server") {
			t.Errorf("%v calls the import a server: %s", args, r.stderr)
		}
	}
}
