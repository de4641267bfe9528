// Command licensedesk is a self-hosted license desk for software resellers:
// one binary with its data in bbolt, its search in Bleve and its web UI
// embedded. Run `licensedesk --help` for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"licensedesk/app/cli"
)

func main() {
	// SIGHUP (the ssh session that started it closed) stops it as cleanly
	// as Ctrl-C and SIGTERM do, instead of killing it mid-write.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
