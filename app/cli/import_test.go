package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// TestImportCommand: a dry run writes nothing, the import writes with a
// progress bar, the same file again changes nothing, and a partner is
// required.
func TestImportCommand(t *testing.T) {
	dir, p := importDesk(t)
	var b strings.Builder
	b.WriteString("key,product,status,valid_to,customer\n")
	const rows = 25000
	for i := range rows {
		fmt.Fprintf(&b, "K%07d-ABCD,av,active,2027-01-31,Customer %d\n", i, i)
	}
	file := csvFile(t, b.String())
	r := mustRun(t, "", "import", file, "--partner", p.PublicID, "--data", dir, "--dry-run")
	if !strings.Contains(r.stdout, "25000 rows: 25000 new") || !strings.Contains(r.stdout, "0 imported") {
		t.Errorf("dry run: %q", r.stdout)
	}
	r = mustRun(t, "", "import", file, "--partner", p.PublicID, "--data", dir)
	if !strings.Contains(r.stdout, "25000 imported for "+p.PublicID) || !strings.Contains(r.stderr, "import [") {
		t.Errorf("import: stdout %q stderr %q", r.stdout, r.stderr)
	}
	r = mustRun(t, "", "import", file, "--partner", p.PublicID, "--data", dir)
	if !strings.Contains(r.stdout, "25000 same") || !strings.Contains(r.stdout, "0 imported") {
		t.Errorf("again: %q", r.stdout)
	}
	svc := openSvc(t, dir)
	l, err := svc.LicenseByKey(app.System, "K0012345-ABCD")
	if err != nil || l.PartnerID != p.ID || l.Customer != "Customer 12345" {
		t.Errorf("imported license %+v, %v", l, err)
	}
	pg, err := svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"q": "Customer 24999"}})
	if err != nil || pg.Total < 1 {
		t.Errorf("search after the import: %d, %v", pg.Total, err)
	}
	svc.Close()
	if bad := run(t, nil, "", "import", file, "--data", dir); bad.code != exitUsage {
		t.Errorf("without --partner: exit %d", bad.code)
	}
}

// TestBoundMemory: the import's soft memory limit sits its budget above
// what the process holds, and is put back when the import ends.
func TestBoundMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	restore := boundMemory(64 << 20)
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	held := int64(s[0].Value.Uint64() - s[1].Value.Uint64())
	lim := debug.SetMemoryLimit(-1)
	if want := held + 64<<20; lim < want-16<<20 || lim > want+16<<20 {
		t.Errorf("limit %d MiB with %d MiB held, want about %d MiB", lim>>20, held>>20, (held+64<<20)>>20)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit after the import %d, want %d as before", got, before)
	}
	// A user's lower GOMEMLIMIT is kept.
	debug.SetMemoryLimit(held / 2)
	defer debug.SetMemoryLimit(before)
	restore = boundMemory(64 << 20)
	if got := debug.SetMemoryLimit(-1); got != held/2 {
		t.Errorf("with a lower limit set, the import's limit is %d, want %d kept", got, held/2)
	}
	restore()
}

// TestImportReportCannotDriveTheTerminal: a row of another desk's CSV
// with escape sequences in its key is reported with them escaped, never
// written raw to the operator's terminal.
func TestImportReportCannotDriveTheTerminal(t *testing.T) {
	dir, p := importDesk(t)
	file := csvFile(t, "key,product,status,valid_to\nK0000001-ABCD,av,active,2027-01-31\n\"EVIL\x1b[2J\x1b]0;owned\x07\",av,active,2027-01-31\n")
	r := run(t, nil, "", "import", file, "--partner", p.PublicID, "--data", dir, "--dry-run")
	if strings.ContainsAny(r.stdout+r.stderr, "\x1b\x07") {
		t.Fatalf("the report wrote escape sequences raw:\n%q", r.stdout)
	}
	if !strings.Contains(r.stdout, `EVIL\x1b[2J\x1b]0;owned\a`) || !strings.Contains(r.stdout, "line 3: invalid") {
		t.Fatalf("the bad row is not reported, escaped:\n%s", r.stdout)
	}
}

// importDesk is a data directory with the product "av" and a partner to
// import licenses for, closed again for a command to open.
func importDesk(t *testing.T) (string, app.Partner) {
	t.Helper()
	dir := t.TempDir()
	p := newPartner(t, dir, "Northwind IT")
	svc := openSvc(t, dir)
	avProduct(t, svc)
	svc.Close()
	return dir, p
}

// csvFile writes content to a CSV file in a temporary directory.
func csvFile(t *testing.T, content string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "licenses.csv")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// Ctrl-C or SIGTERM during `licensedesk import` was ignored: main turns
// the signal into a cancelled context, which the import never read, so a
// large file ran on to its end (or to a kill -9). The import now stops
// before its next batch: exit 1, one line saying how many rows it wrote,
// each whole, and importing the same file again adds exactly the rest.
func TestImportStopsOnInterrupt(t *testing.T) {
	dir, p := importDesk(t)
	const rows = 40000
	var b strings.Builder
	b.WriteString("key,product,status,valid_to,customer\n")
	for i := range rows {
		fmt.Fprintf(&b, "K%07d-STOP,av,active,2027-01-31,Kunde%07d\n", i, i)
	}
	file := csvFile(t, b.String())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runEnv(ctx, []string{"import", file, "--partner", p.PublicID, "--data", dir}, strings.NewReader(""), &out, &errb, env(nil).lookup)
	}()
	// Interrupt once the writing pass has drawn its bar (10,000 rows read).
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(errb.String(), "import [") {
		if time.Now().After(deadline) {
			t.Fatalf("the import never started writing:\n%s", errb.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	var code int
	select {
	case code = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the import did not stop within a minute of the interrupt")
	}
	if code != exitFailure {
		t.Fatalf("interrupted import: exit %d, want %d\nstdout: %s\nstderr: %s", code, exitFailure, out.String(), errb.String())
	}
	m := regexp.MustCompile(`licensedesk import: stopped after importing (\d+) of 40000 new rows`).FindStringSubmatch(errb.String())
	if m == nil {
		t.Fatalf("interrupted import does not say what it wrote:\n%s", errb.String())
	}
	for _, line := range strings.Split(errb.String(), "\n") {
		if strings.Contains(line, "import [") && strings.Contains(line, "100%") {
			t.Errorf("the writing pass's bar of a stopped import was drawn at 100%%:\n%s", line)
		}
	}
	kept, _ := strconv.Atoi(m[1])
	if kept == 0 || kept >= rows || kept%5000 != 0 {
		t.Fatalf("interrupted import kept %d rows, want whole batches short of %d", kept, rows)
	}
	count := func() int {
		t.Helper()
		svc := openSvc(t, dir)
		defer svc.Close()
		pg, err := svc.ListLicenses(app.System, app.ListParams{PerPage: 1, Filters: map[string]string{"partner_id": fmt.Sprint(p.ID), "view": "all"}})
		if err != nil {
			t.Fatal(err)
		}
		return pg.Total
	}
	if n := count(); n != kept {
		t.Fatalf("the desk holds %d licenses, the import said %d", n, kept)
	}
	r := mustRun(t, "", "import", file, "--partner", p.PublicID, "--data", dir)
	want := fmt.Sprintf("%d new, %d same", rows-kept, kept)
	if !strings.Contains(r.stdout, want) {
		t.Errorf("import again: %q, want %q", r.stdout, want)
	}
	if n := count(); n != rows {
		t.Errorf("after importing again the desk holds %d licenses, want %d", n, rows)
	}
}
