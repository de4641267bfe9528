package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"licensedesk/storage"
)

func runCheck(c *cmd, args []string) error {
	fs := c.flagSet("[flags]", `Read every record of the data file and report each one that does not
decode, and each index entry that points at a missing record, one per line.
Changes nothing. Exit status 0 when the data is sound, 1 when it reports a
problem. Only while the server is stopped.`)
	cf := addConfigFlags(fs, dataFlags...)
	cfg, log, err := c.setup(fs, cf, args, 0, "")
	if err != nil {
		return err
	}
	// Read every page first, in this goroutine: a damaged page makes
	// bbolt panic wherever it is read.
	path := filepath.Join(cfg.Data, storage.FileName)
	if _, err := os.Stat(path); err == nil {
		if err := storage.CheckPages(path, cfg.LockTimeout); err != nil {
			return c.lockedHint(err, "stop it first to check the data file")
		}
	}
	svc, err := c.openData(cfg, log, "stop it first to check the data file")
	if err != nil {
		return err
	}
	defer svc.Close()
	problems, err := svc.Check()
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintln(c.stdout, p)
	}
	if len(problems) > 0 {
		return errors.New(plural(len(problems), "problem") + " in the data file (listed on stdout)")
	}
	fmt.Fprintln(c.stdout, "the data file is sound")
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
