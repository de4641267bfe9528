package cli

import (
	"fmt"

	"licensedesk/storage"
)

func runCompact(c *cmd, args []string) error {
	fs := c.flagSet("[flags]", `Rewrite the data file without its free pages. Only while the server is stopped.
The data file never shrinks by itself: pages freed by deletes, edits and bulk
imports are reused but stay in the file. Compacting copies the records into
a fresh file and puts it in place of the old one; the search index is kept.`)
	cf := addConfigFlags(fs, dataFlags...)
	cfg, _, err := c.setup(fs, cf, args, 0, "")
	if err != nil {
		return err
	}
	before, after, err := storage.Compact(cfg.Data, cfg.LockTimeout)
	if err != nil {
		return c.lockedHint(err, "stop the server before compacting")
	}
	fmt.Fprintf(c.stdout, "data file compacted: %s -> %s\n", mib(before), mib(after))
	return nil
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
