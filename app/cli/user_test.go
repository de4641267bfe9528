package cli

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"licensedesk/app"
)

func newPartner(t *testing.T, dir, name string) app.Partner {
	t.Helper()
	svc := openSvc(t, dir)
	defer svc.Close()
	p, err := svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUserCommands: user add (operator; partner by public ID and by
// numeric id; generated password), duplicate refused, user list, passwd.
func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	p := newPartner(t, dir, "Northwind IT")
	q := newPartner(t, dir, "Brightline MSP")

	r := mustRun(t, "operator-secret-1\n", "user", "add", "--data", dir, "--email", "Ops@Example.com", "--role", "operator", "--name", "Olga Ops", "--password-stdin")
	if !strings.Contains(r.stdout, "added operator ops@example.com") || strings.Contains(r.stdout, "password:") {
		t.Errorf("user add operator printed %q", r.stdout)
	}
	r = mustRun(t, "partner-secret-1\r\n", "user", "add", "--data", dir, "--email", "anna@northwind.example", "--role", "partner",
		"--partner", strings.ToLower(p.PublicID), "--password-stdin")
	if !strings.Contains(r.stdout, p.PublicID) || !strings.Contains(r.stdout, "Northwind IT") {
		t.Errorf("user add partner printed %q", r.stdout)
	}
	r = mustRun(t, "", "user", "add", "--data", dir, "--email", "ben@brightline.example", "--role", "partner",
		"--partner", strconv.FormatUint(q.ID, 10))
	gen := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(r.stdout)
	if gen == nil {
		t.Fatalf("no generated password printed: %q", r.stdout)
	}

	// Duplicate email and unknown partner are failures (exit 1) naming the flag.
	dup := run(t, nil, "another-secret-1\n", "user", "add", "--data", dir, "--email", "ops@example.com", "--role", "operator", "--password-stdin")
	if dup.code != exitFailure {
		t.Fatalf("duplicate user: exit %d", dup.code)
	}
	oneErrorLine(t, dup, "--email", "already exists")
	unk := run(t, nil, "", "user", "add", "--data", dir, "--email", "x@example.com", "--role", "partner", "--partner", "P-2222-3333")
	if unk.code != exitFailure {
		t.Fatalf("unknown partner: exit %d", unk.code)
	}
	oneErrorLine(t, unk, "--partner", `"P-2222-3333"`)
	short := run(t, nil, "short\n", "user", "add", "--data", dir, "--email", "y@example.com", "--role", "operator", "--password-stdin")
	if short.code != exitUsage {
		t.Fatalf("short password: exit %d", short.code)
	}
	oneErrorLine(t, short, "at least")

	r = mustRun(t, "", "user", "list", "--data", dir)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("user list:\n%s", r.stdout)
	}
	for _, want := range []string{"ops@example.com", "Olga Ops", "anna@northwind.example", p.PublicID + " Northwind IT", "ben@brightline.example", q.PublicID, "operator", "partner", "never"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("user list does not show %q:\n%s", want, r.stdout)
		}
	}

	svc := openSvc(t, dir)
	check := func(email, pw string, role app.Role, partner uint64) {
		t.Helper()
		_, u, err := svc.Login(email, pw, "127.0.0.1")
		if err != nil || u.Role != role || u.PartnerID != partner {
			t.Errorf("login %s: %v, role %q, partner %d", email, err, u.Role, u.PartnerID)
		}
	}
	check("ops@example.com", "operator-secret-1", app.RoleOperator, 0)
	check("anna@northwind.example", "partner-secret-1", app.RolePartner, p.ID)
	check("ben@brightline.example", gen[1], app.RolePartner, q.ID)
	svc.Close()

	// passwd: the new password works, the old one no longer.
	r = mustRun(t, "operator-secret-2\n", "user", "passwd", "--data", dir, "--email", "OPS@example.com", "--password-stdin")
	if !strings.Contains(r.stdout, "password changed for ops@example.com") {
		t.Errorf("passwd printed %q", r.stdout)
	}
	svc = openSvc(t, dir)
	check("ops@example.com", "operator-secret-2", app.RoleOperator, 0)
	if _, _, err := svc.Login("ops@example.com", "operator-secret-1", "127.0.0.1"); !errors.Is(err, app.ErrBadLogin) {
		t.Errorf("old password still works: %v", err)
	}
	svc.Close()
	nobody := run(t, nil, "whatever-secret\n", "user", "passwd", "--data", dir, "--email", "nobody@example.com", "--password-stdin")
	if nobody.code != exitFailure {
		t.Fatalf("passwd of a missing user: exit %d", nobody.code)
	}
	oneErrorLine(t, nobody, "--email", "no user nobody@example.com")
}

// TestTokenCommands: token create prints only a token that authenticates
// as the user; revoke by value and by id ends it.
func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "operator-secret-1\n", "user", "add", "--data", dir, "--email", "ops@example.com", "--role", "operator", "--password-stdin")

	r := mustRun(t, "", "token", "create", "--data", dir, "--email", "ops@example.com", "--name", "nightly")
	tok := strings.TrimSuffix(r.stdout, "\n")
	if !regexp.MustCompile(`^ldt_[A-Za-z0-9_-]{20,}$`).MatchString(tok) {
		t.Fatalf("token create stdout is not just a token: %q", r.stdout)
	}
	r2 := mustRun(t, "", "token", "create", "--data", dir, "--email", "ops@example.com")
	tok2 := strings.TrimSpace(r2.stdout)

	svc := openSvc(t, dir)
	a, err := svc.TokenActor(tok, "127.0.0.1")
	if err != nil || a.Email != "ops@example.com" || a.Role != app.RoleOperator {
		t.Fatalf("the printed token does not authenticate: %v %+v", err, a)
	}
	tokens, err := svc.ListTokens(app.System)
	if err != nil || len(tokens) != 2 {
		t.Fatalf("tokens: %v %v", tokens, err)
	}
	svc.Close()

	r = mustRun(t, "", "token", "list", "--data", dir)
	if !strings.Contains(r.stdout, "nightly") || !strings.Contains(r.stdout, tok[:10]) || strings.Contains(r.stdout, tok) {
		t.Errorf("token list should show the name and hint, never the token:\n%s", r.stdout)
	}

	mustRun(t, "", "token", "revoke", "--data", dir, tok)
	var id2 uint64
	for _, tk := range tokens {
		if strings.HasPrefix(tok2, tk.Hint) {
			id2 = tk.ID
		}
	}
	mustRun(t, "", "token", "revoke", "--data", dir, strconv.FormatUint(id2, 10))
	svc = openSvc(t, dir)
	for _, x := range []string{tok, tok2} {
		if _, err := svc.TokenActor(x, "127.0.0.1"); !errors.Is(err, app.ErrUnauthorized) {
			t.Errorf("revoked token still works: %v", err)
		}
	}
	svc.Close()

	again := run(t, nil, "", "token", "revoke", "--data", dir, tok)
	if again.code != exitFailure {
		t.Fatalf("revoking twice: exit %d", again.code)
	}
	oneErrorLine(t, again, "there is no token")
	nobody := run(t, nil, "", "token", "create", "--data", dir, "--email", "nobody@example.com")
	if nobody.code != exitFailure || nobody.stdout != "" {
		t.Fatalf("token for a missing user: exit %d, stdout %q", nobody.code, nobody.stdout)
	}
	oneErrorLine(t, nobody, "--email", "no user")
}
