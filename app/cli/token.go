package cli

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"licensedesk/app"
)

func runToken(c *cmd, args []string) error {
	return c.subcommand(args, map[string]func(*cmd, []string) error{
		"create": runTokenCreate, "revoke": runTokenRevoke, "list": runTokenList,
	}, "create|revoke|list")
}

func runTokenCreate(c *cmd, args []string) error {
	fs := c.flagSet("--email E [--name N] [flags]",
		`Create an API token for a user and print only the token on stdout, for
scripts: TOKEN=$(licensedesk token create --email E). Send it as
"Authorization: Bearer TOKEN". While the server runs, use POST /api/v1/tokens
with {"email","password"} or Settings in the UI instead.`)
	email := fs.String("email", "", "the user the token acts as (required)")
	name := fs.String("name", "", "a name to tell the token apart, such as nightly-export")
	cf := addConfigFlags(fs, dataFlags...)
	cfg, log, err := c.setup(fs, cf, args, 0, "")
	if err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return usagef("--email is required")
	}
	svc, err := c.openData(cfg, log, "stop it first, or create the token with POST /api/v1/tokens while it runs")
	if err != nil {
		return err
	}
	defer svc.Close()
	raw, _, err := svc.CreateTokenForUser(app.System, *email, *name)
	if err != nil {
		return fieldError(err, map[string]string{"email": "--email", "name": "--name"})
	}
	if err := svc.Close(); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, raw)
	return nil
}

func runTokenRevoke(c *cmd, args []string) error {
	fs := c.flagSet("ID_OR_TOKEN [flags]", "Revoke an API token by its id (see 'licensedesk token list') or its full value.")
	cf := addConfigFlags(fs, dataFlags...)
	cfg, log, err := c.setup(fs, cf, args, 1, "the token's ID or value")
	if err != nil {
		return err
	}
	ref := strings.TrimSpace(fs.Arg(0))
	svc, err := c.openData(cfg, log, "stop it first, or revoke it with DELETE /api/v1/tokens/ID while it runs")
	if err != nil {
		return err
	}
	defer svc.Close()
	if err := svc.RevokeToken(app.System, ref); err != nil {
		if errors.Is(err, app.ErrNotFound) {
			return fmt.Errorf("there is no token %q (see 'licensedesk token list')", ref)
		}
		return err
	}
	fmt.Fprintln(c.stdout, "token revoked")
	return svc.Close()
}

func runTokenList(c *cmd, args []string) error {
	fs := c.flagSet("[flags]", "List API tokens: id, user, name, the first characters, created and last used.")
	cf := addConfigFlags(fs, dataFlags...)
	cfg, log, err := c.setup(fs, cf, args, 0, "")
	if err != nil {
		return err
	}
	svc, err := c.openData(cfg, log, "stop it first, or use GET /api/v1/tokens while it runs")
	if err != nil {
		return err
	}
	defer svc.Close()
	tokens, err := svc.ListTokens(app.System)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tSTARTS WITH\tCREATED\tLAST USED")
	for _, t := range tokens {
		last := "never"
		if t.LastUsed != nil {
			last = t.LastUsed.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\n", t.ID, shown(t.Email), orDash(shown(t.Name)), t.Hint, t.Created.UTC().Format("2006-01-02 15:04"), last)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return svc.Close()
}
