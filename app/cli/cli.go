// Package cli is licensedesk's command line: serve (the default), backup,
// restore, reindex, user, token and version. Every command parses its own
// flags and reports an error as one line on stderr: exit status 2 for a
// usage or configuration error, 1 for a failure.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// Main runs the command line with a background context (serve then runs
// until the process is stopped).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return Run(context.Background(), args, stdin, stdout, stderr)
}

// Run runs one command. Cancelling ctx stops serve gracefully; main
// passes a context cancelled by SIGINT, SIGTERM and SIGHUP.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runEnv(ctx, args, stdin, stdout, stderr, os.LookupEnv)
}

// cmd is one invocation: its streams and environment.
type cmd struct {
	ctx    context.Context
	name   string // "user add"
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	env    func(string) (string, bool)
}

// command is one entry of the command table.
type command struct {
	name    string
	args    string // synopsis after the name
	summary string
	run     func(c *cmd, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "[flags]", "start the web server (the default command)", runServe},
		{"backup", "FILE [flags]", "write a consistent copy of the data to FILE (works while the server runs)", runBackup},
		{"restore", "FILE [flags]", "replace the data with a backup (server stopped)", runRestore},
		{"reindex", "[flags]", "rebuild the search index from the data (server stopped)", runReindex},
		{"compact", "[flags]", "rewrite the data file without its free pages (server stopped)", runCompact},
		{"check", "[flags]", "report every record of the data file that does not decode (server stopped)", runCheck},
		{"import", "FILE --partner P-XXXX-XXXX [flags]", "import licenses from a license CSV (server stopped)", runImport},
		{"user", "add|passwd|list [flags]", "manage logins (server stopped)", runUser},
		{"token", "create|revoke|list [flags]", "manage API tokens for scripts (server stopped)", runToken},
		{"signing-key", "show|rotate [flags]", "show the license-file signing keys, or rotate to a new one (server stopped)", runSigningKey},
		{"version", "", "print the version", runVersion},
	}
}

func runEnv(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) (string, bool)) (code int) {
	c := &cmd{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, env: env}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "licensedesk: internal error: %v\n", r)
			code = exitFailure
		}
	}()
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		name, args = "help", nil
	}
	if name == "help" {
		if len(args) > 0 {
			return runEnv(ctx, append(args, "--help"), stdin, stdout, stderr, env)
		}
		fmt.Fprint(stdout, topUsage())
		return exitOK
	}
	for _, cm := range commands() {
		if cm.name == name {
			c.name = name
			return c.report(cm.run(c, args))
		}
	}
	fmt.Fprintf(stderr, "licensedesk: unknown command %q; run 'licensedesk --help' for the commands\n", name)
	return exitUsage
}

// report prints err as one line and returns the exit status.
func (c *cmd) report(err error) int {
	if err == nil || errors.Is(err, pflag.ErrHelp) {
		return exitOK
	}
	var ue *usageError
	var ce *configError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "licensedesk %s: %s; run 'licensedesk %s --help' for usage\n", c.name, oneLine(ue.msg), c.name)
		return exitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(c.stderr, "licensedesk %s: %s\n", c.name, oneLine(ce.msg))
		return exitUsage
	}
	fmt.Fprintf(c.stderr, "licensedesk %s: %s\n", c.name, oneLine(err.Error()))
	return exitFailure
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// usageError is a wrong invocation: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

const precedence = `Settings come from, highest first: flags, then environment variables
(LICENSEDESK_DATA, LICENSEDESK_ADDR, ... one per config key in upper case;
LICENSEDESK_CONFIG names the config file), then the config file (--config),
then the embedded defaults (shown in each command's --help).`

func topUsage() string {
	var b strings.Builder
	b.WriteString("licensedesk: a self-hosted license desk for software resellers.\n\n")
	b.WriteString("Usage: licensedesk [command] [flags]\n\nCommands:\n")
	for _, cm := range commands() {
		fmt.Fprintf(&b, "  %-9s %s\n", cm.name, cm.summary)
	}
	b.WriteString("\nWith no command, licensedesk serves. Run 'licensedesk COMMAND --help' for a command's flags.\n\n")
	b.WriteString(precedence)
	b.WriteString("\n\nExit status: 0 success, 1 failure, 2 usage or configuration error.\n")
	return b.String()
}

// flagSet makes a command's flag set whose --help prints the synopsis, a
// description, the flags and the precedence rule.
func (c *cmd) flagSet(synopsis, about string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(c.name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprintf(c.stdout, "Usage: licensedesk %s %s\n\n%s\n\nFlags:\n%s  -h, --help                  show this help\n",
			c.name, synopsis, about, fs.FlagUsages())
		if fs.Lookup("config") != nil {
			fmt.Fprintf(c.stdout, "\n%s\n", precedence)
		}
	}
	return fs
}

// parse parses args; -h or --help prints the usage and returns pflag.ErrHelp.
func (c *cmd) parse(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err // pflag has called fs.Usage
		}
		return usagef("%v", err)
	}
	return nil
}

// wantArgs checks the number of positional arguments.
func wantArgs(fs *pflag.FlagSet, n int, what string) error {
	switch {
	case fs.NArg() < n:
		return usagef("missing %s", what)
	case fs.NArg() > n:
		return usagef("unexpected argument %q", fs.Arg(n))
	}
	return nil
}
