package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"licensedesk/app"
)

// subcommand dispatches "user add" and the like.
func (c *cmd) subcommand(args []string, subs map[string]func(*cmd, []string) error, synopsis string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintf(c.stdout, "Usage: licensedesk %s %s\n\nRun 'licensedesk %s SUBCOMMAND --help' for its flags.\n", c.name, synopsis, c.name)
			return nil
		}
		return usagef("missing subcommand: %s", synopsis)
	}
	run, ok := subs[args[0]]
	if !ok {
		return usagef("unknown subcommand %q: %s", args[0], synopsis)
	}
	c.name += " " + args[0]
	return run(c, args[1:])
}

func runUser(c *cmd, args []string) error {
	return c.subcommand(args, map[string]func(*cmd, []string) error{
		"add": runUserAdd, "passwd": runUserPasswd, "list": runUserList,
	}, "add|passwd|list")
}

// userFlags names the flag behind each field a validation error names.
var userFlags = map[string]string{
	"email": "--email", "role": "--role", "partner_id": "--partner", "password": "password", "name": "--name",
}

func runUserAdd(c *cmd, args []string) error {
	fs := c.flagSet("--email E --role operator|partner [--partner PARTNER_ID] [--password-stdin] [flags]",
		`Add a login while the server is stopped (while it runs: Users in the UI, or
POST /api/v1/users). A partner user acts for the partner named by its public
ID (P-ABCD-EFGH) or numeric id. Without --password-stdin a password is
generated and printed once.`)
	email := fs.String("email", "", "the login's email address (required)")
	role := fs.String("role", "", "operator or partner (required)")
	partner := fs.String("partner", "", "for a partner user: the partner's public ID (P-ABCD-EFGH) or numeric id")
	name := fs.String("name", "", "the person's name")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	cf := addConfigFlags(fs, dataFlags...)
	cfg, log, err := c.setup(fs, cf, args, 0, "")
	if err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return usagef("--email is required")
	}
	r := app.Role(*role)
	switch {
	case *role == "":
		return usagef("--role is required: operator or partner")
	case !r.Valid():
		return usagef("--role must be operator or partner, not %q", *role)
	case r == app.RolePartner && *partner == "":
		return usagef("--partner is required for a partner user: the partner's public ID such as P-ABCD-EFGH")
	case r == app.RoleOperator && *partner != "":
		return usagef("--partner is only for partner users")
	}
	pw, generated, err := c.password(fs, *pwStdin)
	if err != nil {
		return err
	}
	svc, err := c.openData(cfg, log, "stop it first, or add the user in the UI (Users) or with POST /api/v1/users while it runs")
	if err != nil {
		return err
	}
	defer svc.Close()
	in := app.UserInput{Email: email, Role: &r, Password: &pw}
	if *name != "" {
		in.Name = name
	}
	var partnerName string
	if r == app.RolePartner {
		p, err := findPartner(svc, *partner)
		if err != nil {
			return err
		}
		in.PartnerID, partnerName = &p.ID, p.Name+" ("+p.PublicID+")"
	}
	u, err := svc.CreateUser(app.System, in)
	if err != nil {
		return fieldError(err, userFlags)
	}
	if partnerName != "" {
		fmt.Fprintf(c.stdout, "added partner user %s (id %d) for %s\n", u.Email, u.ID, shown(partnerName))
	} else {
		fmt.Fprintf(c.stdout, "added operator %s (id %d)\n", u.Email, u.ID)
	}
	if generated {
		fmt.Fprintf(c.stdout, "password: %s\n(shown only this once: sign in and change it under Settings)\n", pw)
	}
	return svc.Close()
}

// findPartner resolves a public ID (P-ABCD-EFGH) or a numeric id.
func findPartner(svc *app.Service, ref string) (app.Partner, error) {
	ref = strings.TrimSpace(ref)
	var p app.Partner
	var err error
	if id, perr := strconv.ParseUint(ref, 10, 64); perr == nil {
		p, err = svc.GetPartner(app.System, id)
	} else {
		p, err = svc.PartnerByPublicID(app.System, ref)
	}
	if errors.Is(err, app.ErrNotFound) {
		return p, fmt.Errorf("--partner: there is no partner %q (give its public ID such as P-ABCD-EFGH, or its numeric id)", ref)
	}
	return p, err
}

func runUserPasswd(c *cmd, args []string) error {
	fs := c.flagSet("--email E [--password-stdin] [flags]",
		`Set a user's password while the server is stopped; the user's sessions end.
Without --password-stdin a password is generated and printed once.`)
	email := fs.String("email", "", "the login's email address (required)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	cf := addConfigFlags(fs, dataFlags...)
	cfg, log, err := c.setup(fs, cf, args, 0, "")
	if err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return usagef("--email is required")
	}
	pw, generated, err := c.password(fs, *pwStdin)
	if err != nil {
		return err
	}
	svc, err := c.openData(cfg, log, "stop it first, or change the password in the UI while it runs")
	if err != nil {
		return err
	}
	defer svc.Close()
	if err := svc.SetPassword(app.System, *email, pw); err != nil {
		return fieldError(err, userFlags)
	}
	fmt.Fprintf(c.stdout, "password changed for %s\n", strings.ToLower(strings.TrimSpace(*email)))
	if generated {
		fmt.Fprintf(c.stdout, "password: %s\n(shown only this once)\n", pw)
	}
	return svc.Close()
}

// password reads the first line of stdin, or generates a password.
func (c *cmd) password(fs *pflag.FlagSet, fromStdin bool) (pw string, generated bool, err error) {
	if !fromStdin {
		return app.GeneratePassword(), true, nil
	}
	if c.stdin == nil {
		return "", false, usagef("--password-stdin: there is no stdin to read")
	}
	line, err := bufio.NewReader(io.LimitReader(c.stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("--password-stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", false, usagef("--password-stdin: stdin has no password (pipe it in, such as: echo \"$PW\" | licensedesk user add ...)")
	}
	if len([]rune(line)) < app.MinPasswordLen {
		return "", false, usagef("--password-stdin: the password must be at least %d characters", app.MinPasswordLen)
	}
	return line, false, nil
}

func runUserList(c *cmd, args []string) error {
	fs := c.flagSet("[flags]", "List the logins: id, email, name, role, partner, status and last sign-in.")
	cf := addConfigFlags(fs, dataFlags...)
	cfg, log, err := c.setup(fs, cf, args, 0, "")
	if err != nil {
		return err
	}
	svc, err := c.openData(cfg, log, "stop it first, or see Users in the UI or GET /api/v1/users while it runs")
	if err != nil {
		return err
	}
	defer svc.Close()
	var users []app.User
	for page := 1; ; page++ {
		p, err := svc.ListUsers(app.System, app.ListParams{Page: page, PerPage: app.MaxPerPage, Sort: "id"})
		if err != nil {
			return err
		}
		users = append(users, p.Items...)
		if len(p.Items) < app.MaxPerPage {
			break
		}
	}
	partners := map[uint64]string{}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tPARTNER\tSTATUS\tLAST SIGN-IN")
	for _, u := range users {
		partner := "-"
		if u.PartnerID != 0 {
			name, ok := partners[u.PartnerID]
			if !ok {
				if p, err := svc.GetPartner(app.System, u.PartnerID); err == nil {
					name = p.PublicID + " " + p.Name
				} else {
					name = strconv.FormatUint(u.PartnerID, 10)
				}
				partners[u.PartnerID] = name
			}
			partner = name
		}
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		last := "never"
		if u.LastLogin != nil {
			last = u.LastLogin.UTC().Format("2006-01-02 15:04 UTC")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, shown(u.Email), orDash(shown(u.Name)), u.Role, shown(partner), status, last)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return svc.Close()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// fieldError names the flag behind a validation or conflict error.
func fieldError(err error, flags map[string]string) error {
	var ve *app.ValidationError
	if errors.As(err, &ve) {
		if f, ok := flags[ve.Field]; ok {
			return fmt.Errorf("%s: %s", f, ve.Message)
		}
		return err
	}
	var ce *app.ConflictError
	if errors.As(err, &ce) {
		if f, ok := flags[ce.Field]; ok {
			return fmt.Errorf("%s: %s", f, ce.Message)
		}
	}
	return err
}
