package cli

import (
	"encoding/base64"
	"fmt"

	"licensedesk/app"
)

func runSigningKey(c *cmd, args []string) error {
	fs := c.flagSet("show|rotate [flags]", `Show the install's signing keys (the public key licensed software verifies
license files with, and the retired ones whose files are still valid until
they expire), or rotate: make a new key current. Files signed before a
rotation keep verifying with the old public key; new files name the new
key id. Only while the server is stopped; while it runs, rotate under
Settings.`)
	cf := addConfigFlags(fs, dataFlags...)
	cfg, log, err := c.setup(fs, cf, args, 1, "show or rotate")
	if err != nil {
		return err
	}
	verb := fs.Arg(0)
	if verb != "show" && verb != "rotate" {
		return usagef("unknown action %q: use show or rotate", verb)
	}
	svc, err := c.openService(cfg, log, nil, "while it runs, rotate the key under Settings in the web UI")
	if err != nil {
		return err
	}
	defer svc.Close()
	if verb == "rotate" {
		k, err := svc.RotateSigningKey(app.System)
		if err != nil {
			return fmt.Errorf("rotate the signing key: %w", err)
		}
		fmt.Fprintf(c.stdout, "new signing key %s is current; fingerprint %s\n", k.ID, k.Fingerprint)
	}
	keys, err := svc.SigningKeys()
	if err != nil {
		return err
	}
	for _, k := range keys {
		state := "current"
		if !k.Current {
			state = "retired " + k.Retired.Format("2006-01-02 15:04 UTC")
		}
		fmt.Fprintf(c.stdout, "%s  %s  public key %s  fingerprint %s\n", k.ID, state, base64.StdEncoding.EncodeToString(k.Public), k.Fingerprint)
	}
	return svc.Close()
}
