package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"

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
