package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"licensedesk/app"
	"licensedesk/storage"
)

// setup parses the flags, loads the effective configuration, checks that
// there are nargs positional arguments (what names them when missing) and
// makes the logger (slog to stderr at the configured level and format).
func (c *cmd) setup(fs *pflag.FlagSet, cf *configFlags, args []string, nargs int, what string) (app.Config, *slog.Logger, error) {
	if err := c.parse(fs, args); err != nil {
		return app.Config{}, nil, err
	}
	cfg, err := cf.load(c.env)
	if err != nil {
		return cfg, nil, err
	}
	if err := wantArgs(fs, nargs, what); err != nil {
		return cfg, nil, err
	}
	return cfg, newLogger(c.stderr, cfg), nil
}

func newLogger(w io.Writer, cfg app.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated already
	opt := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opt))
	}
	return slog.New(slog.NewTextHandler(w, opt))
}

// openService opens the data directory for a one-shot command. A
// directory held by a running server gives an error naming its pid and
// what to do instead.
func (c *cmd) openService(cfg app.Config, log *slog.Logger, progress func(int), instead string) (*app.Service, error) {
	return c.open(cfg, log, progress, instead, openCommand)
}

// openServer opens the data directory with everything a server keeps,
// the in-memory copy of the license columns included.
func (c *cmd) openServer(cfg app.Config, log *slog.Logger, instead string) (*app.Service, error) {
	return c.open(cfg, log, nil, instead, openServing)
}

// openData opens the data directory without the search index, for the
// commands that never search (user, token): a damaged index cannot stop
// them, and the server applies their changes to the index on start.
func (c *cmd) openData(cfg app.Config, log *slog.Logger, instead string) (*app.Service, error) {
	return c.open(cfg, log, nil, instead, openDataOnly)
}

// openKind is what a command opens besides the data file.
type openKind int

const (
	// openCommand: the search index, which the command keeps current,
	// but not the in-memory copy of the license columns that lists and
	// searches read (about 330 bytes a license; a million-row import
	// would hold it for nothing). The server builds it when it starts.
	openCommand  openKind = iota
	openServing           // the index and the copy
	openDataOnly          // neither
)

func (c *cmd) open(cfg app.Config, log *slog.Logger, progress func(int), instead string, kind openKind) (*app.Service, error) {
	svc, err := app.Open(app.Options{
		NoIndex:         kind == openDataOnly,
		NoColumnCopy:    kind != openServing,
		DataDir:         cfg.Data,
		Holder:          holder(c.name),
		LockTimeout:     cfg.LockTimeout,
		Logger:          log,
		ReindexProgress: progress,
		ExpiringDays:    cfg.ExpiringDays,
		RefundDays:      cfg.RefundDays,
		BaseURL:         mailBaseURL(cfg),
		SMTP:            cfg.SMTP,
		TransferTTL:     cfg.TransferTTL,
		Invoice:         cfg.Invoice,
		AutoRenewDays:   cfg.AutoRenewDays,
		ReminderDay:     cfg.ReminderDay,
	})
	if err != nil {
		return nil, c.lockedHint(err, instead)
	}
	return svc, nil
}

// holder is what a command writes into the pid file after its pid. A
// server writes its pid alone, as the README promises (kill $(cat
// DATA/licensedesk.pid), a service manager's PID file); a pid file with no
// command is read as a server's.
func holder(command string) string {
	if command == "serve" {
		return ""
	}
	return command
}

// lockedHint rewrites a locked-data-file error into one line naming the
// process that holds it and what to do instead.
func (c *cmd) lockedHint(err error, instead string) error {
	var locked *storage.ErrLocked
	if !errors.As(err, &locked) {
		return err
	}
	dir := filepath.Dir(locked.Path)
	if locked.PID > 0 && locked.Holder != "" && locked.Holder != "serve" {
		// Another command, not a server: the hint for a server is wrong.
		return fmt.Errorf("the data directory %q is in use by 'licensedesk %s' (pid %d), which is still running: try again when it has finished", dir, locked.Holder, locked.PID)
	}
	if locked.PID > 0 {
		return fmt.Errorf("the data directory %q is in use by a running licensedesk server (pid %d): %s", dir, locked.PID, instead)
	}
	return fmt.Errorf("the data directory %q is in use by another process: %s", dir, instead)
}

// mailBaseURL is where links in mails point: base_url, or the listen
// address when none is set.
func mailBaseURL(cfg app.Config) string {
	if cfg.BaseURL != "" {
		return strings.TrimRight(cfg.BaseURL, "/")
	}
	return "http://" + cfg.Addr
}
