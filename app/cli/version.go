package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"licensedesk/app"
)

// Version is set at build time: go build -ldflags "-X licensedesk/app/cli.Version=1.2.3".
var Version = "dev"

func runVersion(c *cmd, args []string) error {
	fs := c.flagSet("", "Print the version, the data schema version this binary writes, and the Go version.")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := wantArgs(fs, 0, ""); err != nil {
		return err
	}
	v := Version
	if v == "dev" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	fmt.Fprintf(c.stdout, "licensedesk %s (data schema %d, %s %s/%s)\n", v, app.SchemaVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
