package cli

import (
	"fmt"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"licensedesk/app"
)

func runImport(c *cmd, args []string) error {
	fs := c.flagSet("FILE --partner P-XXXX-XXXX [flags]", `Import licenses from a license CSV (the format this desk's export writes;
columns matched by header name, other columns ignored) for one partner, with
a progress bar on stderr. Every row is checked first; a file with invalid or
conflicting rows imports nothing unless --valid-only. Rows whose key already
exists with the same values are left as they are, so importing the same file
again changes nothing. Only while the server is stopped; while it runs, use
POST /api/v1/licenses/import?partner=P-… with an operator's API token.`)
	partner := fs.String("partner", "", "public ID of the partner the licenses go to (required)")
	dry := fs.Bool("dry-run", false, "check every row and report; write nothing")
	valid := fs.Bool("valid-only", false, "import the valid new rows even when others have problems")
	cf := addConfigFlags(fs, dataFlags...)
	cfg, log, err := c.setup(fs, cf, args, 1, "the CSV FILE to import")
	if err != nil {
		return err
	}
	if *partner == "" {
		return usagef("--partner is required: the public ID (P-XXXX-XXXX) of the partner the licenses go to")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if cfg.LogLevel == "info" {
		cfg.LogLevel = "warn" // the bar says what the info messages would
		log = newLogger(c.stderr, cfg)
	}
	svc, err := c.openService(cfg, log, nil, "while it runs, import through it: POST /api/v1/licenses/import?partner=P-… with an operator's API token")
	if err != nil {
		return err
	}
	defer svc.Close()
	defer boundMemory(importMemory)()
	bar := newProgress(c.stderr, "check")
	pass := 1
	// The bar follows the bytes read, the one total known in advance.
	pr := &countingReader{f: f}
	// Ctrl-C or SIGTERM (main cancels c.ctx) stops the import between
	// two batches instead of being ignored until it ends.
	rep, err := svc.ImportLicensesCSV(app.System, pr, app.CSVImportOptions{Partner: *partner, DryRun: *dry, ImportValid: *valid,
		Stop: c.ctx.Done(),
		Progress: func(p, rows int) {
			if p != pass {
				bar.finish()
				bar, pass = newProgress(c.stderr, "import"), p
			}
			if !bar.known {
				bar.start(int(st.Size()))
			}
			bar.update(int(pr.pos))
		}})
	if err != nil {
		bar.abandon() // not 100%: the import stopped short
		return err
	}
	bar.finish()
	if rep.Imported > 0 {
		// Search finds the imported rows when the command ends: wait
		// for the index here, with a bar, rather than silently in Close.
		if err := waitIndex(c, svc); err != nil {
			log.Warn("the search index did not catch up; it does on the next start", "err", err)
		}
	}
	for _, r := range rep.Outcomes {
		if r.Outcome == app.RowInvalid || r.Outcome == app.RowConflict {
			fmt.Fprintf(c.stdout, "line %d: %s %s: %s %s\n", r.Line, r.Outcome, shown(r.Key), shown(r.Field), shown(r.Reason))
		}
	}
	fmt.Fprintf(c.stdout, "%d rows: %d new, %d same, %d conflicting, %d invalid; %d imported for %s\n",
		rep.Rows, rep.New, rep.Same, rep.Conflict, rep.Invalid, rep.Imported, rep.Partner)
	if !*dry && rep.Imported == 0 && rep.Invalid+rep.Conflict > 0 {
		return fmt.Errorf("nothing imported: %d rows have problems; fix them, or pass --valid-only", rep.Invalid+rep.Conflict)
	}
	return svc.Close()
}

// importMemory is how much memory the import may use above what the
// opened desk holds: bbolt's write transaction of one batch, the next
// batch being read, and the search index's batches and merges.
const importMemory = 256 << 20

// boundMemory sets a soft limit on the Go runtime's memory at what it
// holds now plus budget, so the garbage collector collects before the
// process grows past it (by default it lets the heap reach twice what is
// live: about 2.5 times the import's own peak). It returns a function
// that puts the previous limit back. A lower limit already set (the
// GOMEMLIMIT environment variable) is kept.
func boundMemory(budget int64) func() {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	held := int64(s[0].Value.Uint64() - s[1].Value.Uint64())
	prev := debug.SetMemoryLimit(-1) // a lower GOMEMLIMIT of the user's stays
	debug.SetMemoryLimit(min(prev, held+budget))
	return func() { debug.SetMemoryLimit(prev) }
}

// countingReader tracks how far the importer has read the file.
type countingReader struct {
	f   *os.File
	pos int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	r.pos += int64(n)
	return n, err
}

func (r *countingReader) Seek(off int64, whence int) (int64, error) {
	n, err := r.f.Seek(off, whence)
	r.pos = n
	return n, err
}

// waitIndex brings the search index up to date with what the import
// wrote, drawing how many changes it has taken so far.
func waitIndex(c *cmd, svc *app.Service) error {
	from, last := svc.IndexBacklog()
	if last <= from {
		return nil
	}
	bar := newProgress(c.stderr, "index")
	bar.start(int(last - from))
	done := make(chan error, 1)
	go func() { done <- svc.SyncIndex() }()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			bar.finish()
			return err
		case <-tick.C:
			applied, _ := svc.IndexBacklog()
			bar.update(int(applied - min(from, applied)))
		}
	}
}
