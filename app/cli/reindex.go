package cli

import "fmt"

func runReindex(c *cmd, args []string) error {
	fs := c.flagSet("[flags]", `Rebuild the search index from the data, with a progress bar on stderr.
Only while the server is stopped; while it runs, ask it instead:
POST /api/v1/reindex with an operator's API token. At log level info the bar
stands in for the info messages.`)
	cf := addConfigFlags(fs, dataFlags...)
	cfg, log, err := c.setup(fs, cf, args, 0, "")
	if err != nil {
		return err
	}
	if cfg.LogLevel == "info" {
		cfg.LogLevel = "warn" // the bar says what the info messages would
		log = newLogger(c.stderr, cfg)
	}
	bar := newProgress(c.stderr, "reindex")
	svc, err := c.openService(cfg, log, bar.update,
		"while it runs, rebuild through it: POST /api/v1/reindex with an operator's API token")
	if err != nil {
		return err
	}
	defer svc.Close()
	if bar.drawn {
		// The index was missing or stale, and opening rebuilt it already.
		bar.finish()
	} else {
		bar.start(svc.IndexableRecords())
		if err := svc.Reindex(); err != nil {
			bar.finish()
			return fmt.Errorf("rebuild the search index: %w", err)
		}
		bar.finish()
	}
	fmt.Fprintf(c.stdout, "search index rebuilt: %d documents\n", svc.IndexedDocs())
	return svc.Close()
}
