package app_test

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
	"licensedesk/storage"
)

func TestLoginWrongPasswordAndUnknownEmailLookAlike(t *testing.T) {
	e := newEnv(t)
	e.operator("ops@example.com")
	_, _, errWrong := e.svc.Login("ops@example.com", "not the password", "192.0.2.1")
	wantErr(t, errWrong, app.ErrBadLogin)
	_, _, errUnknown := e.svc.Login("nobody@example.com", "not the password", "192.0.2.1")
	wantErr(t, errUnknown, app.ErrBadLogin)
	if errWrong.Error() != errUnknown.Error() {
		t.Errorf("an unknown email answers %q, a wrong password %q: the difference tells which accounts exist", errUnknown, errWrong)
	}
	sid, u, err := e.svc.Login(" OPS@example.com ", goodPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if sid == "" || u.Email != "ops@example.com" || u.LastLogin == nil || !u.LastLogin.Equal(e.clk.Now()) {
		t.Fatalf("login gave sid %q, user %+v", sid, u)
	}
	a, csrf, err := e.svc.SessionActor(sid, "192.0.2.1")
	if err != nil || a.UserID != u.ID || !a.IsOperator() || csrf == "" {
		t.Fatalf("session actor %+v csrf %q: %v", a, csrf, err)
	}
}

func TestLoginAudit(t *testing.T) {
	e := newEnv(t)
	e.operator("ops@example.com")
	e.svc.Login("ops@example.com", "wrong password", "203.0.113.5")
	e.svc.Login("ghost@example.com", "wrong password", "203.0.113.6")
	sid, _, err := e.svc.Login("ops@example.com", goodPassword, "203.0.113.7")
	if err != nil {
		t.Fatal(err)
	}
	if !e.audited("login.failed", "ops@example.com", "203.0.113.5") {
		t.Error("no audit entry for a failed login (with the address)")
	}
	if !e.audited("login.failed", "ghost@example.com", "203.0.113.6") {
		t.Error("no audit entry for a failed login of an unknown email")
	}
	if !e.audited("login", "ops@example.com", "203.0.113.7") {
		t.Error("no audit entry for the login")
	}
	if err := e.svc.Logout(sid); err != nil {
		t.Fatal(err)
	}
	if !e.audited("logout", "ops@example.com", "203.0.113.7") {
		t.Error("no audit entry for the logout")
	}
	_, _, err = e.svc.SessionActor(sid, "203.0.113.7")
	wantErr(t, err, app.ErrUnauthorized)
	// Partners may not read the audit log.
	p := e.partner("Alpha")
	_, err = e.svc.ListAudit(e.partnerUser(p, "a@alpha.example"), app.ListParams{})
	wantErr(t, err, app.ErrForbidden)
}

func TestLoginRateLimitPerAccount(t *testing.T) {
	e := newEnv(t)
	e.operator("ops@example.com")
	for i := 0; i < 5; i++ {
		_, _, err := e.svc.Login("ops@example.com", "guess "+uid(uint64(i)), "203.0.113.1")
		wantErr(t, err, app.ErrBadLogin)
	}
	// Locked: even the right password, even from another address.
	_, _, err := e.svc.Login("ops@example.com", goodPassword, "203.0.113.99")
	wantErr(t, err, app.ErrRateLimited)
	_, _, err = e.svc.Login("OPS@example.com", goodPassword, "203.0.113.1")
	wantErr(t, err, app.ErrRateLimited)
	_, _, err = e.svc.CreateTokenWithPassword("ops@example.com", goodPassword, "203.0.113.1", "")
	wantErr(t, err, app.ErrRateLimited)
	if !e.audited("login.failed", "ops@example.com", "203.0.113.99") {
		t.Error("a refused (rate-limited) login is not audited")
	}
	// Another account is not locked by it.
	e.operator("other@example.com")
	if _, _, err := e.svc.Login("other@example.com", goodPassword, "203.0.113.1"); err != nil {
		t.Fatalf("another account from the same address: %v", err)
	}
	// Once the window has passed, the right password works.
	e.clk.Advance(14 * time.Minute)
	_, _, err = e.svc.Login("ops@example.com", goodPassword, "203.0.113.1")
	wantErr(t, err, app.ErrRateLimited)
	e.clk.Advance(2 * time.Minute)
	if _, _, err := e.svc.Login("ops@example.com", goodPassword, "203.0.113.1"); err != nil {
		t.Fatalf("login after the window: %v", err)
	}
}

func TestLoginSuccessResetsAccountCount(t *testing.T) {
	e := newEnv(t)
	e.operator("ops@example.com")
	for round := 0; round < 2; round++ {
		for i := 0; i < 4; i++ {
			e.svc.Login("ops@example.com", "typo", "203.0.113.1")
		}
		if _, _, err := e.svc.Login("ops@example.com", goodPassword, "203.0.113.1"); err != nil {
			t.Fatalf("round %d: 4 typos then the right password: %v", round, err)
		}
	}
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	e := newEnv(t)
	e.operator("ops@example.com")
	// One address spraying many accounts (4 tries each, under the
	// per-account limit) is stopped by the per-address limit.
	const addr = "203.0.113.66"
	for i := 0; i < 20; i++ {
		_, _, err := e.svc.Login("victim"+uid(uint64(i/4))+"@example.com", "password123", addr)
		wantErr(t, err, app.ErrBadLogin)
	}
	_, _, err := e.svc.Login("ops@example.com", goodPassword, addr)
	wantErr(t, err, app.ErrRateLimited)
	// The operator is not locked out from elsewhere.
	if _, _, err := e.svc.Login("ops@example.com", goodPassword, "192.0.2.1"); err != nil {
		t.Fatalf("login from another address: %v", err)
	}
	e.clk.Advance(16 * time.Minute)
	if _, _, err := e.svc.Login("ops@example.com", goodPassword, addr); err != nil {
		t.Fatalf("login from the address after the window: %v", err)
	}
}

func TestSessionsExpire(t *testing.T) {
	e := newEnv(t)
	e.operator("ops@example.com")
	sid, _, err := e.svc.Login("ops@example.com", goodPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	// Activity slides the expiry forward.
	e.clk.Advance(app.SessionTTL - time.Hour)
	if _, _, err := e.svc.SessionActor(sid, "192.0.2.1"); err != nil {
		t.Fatalf("session used within its lifetime: %v", err)
	}
	e.clk.Advance(app.SessionTTL - time.Hour)
	if _, _, err := e.svc.SessionActor(sid, "192.0.2.1"); err != nil {
		t.Fatalf("session used again within its slid lifetime: %v", err)
	}
	// Idle past the lifetime: gone.
	e.clk.Advance(app.SessionTTL + time.Minute)
	_, _, err = e.svc.SessionActor(sid, "192.0.2.1")
	wantErr(t, err, app.ErrUnauthorized)
	_, _, err = e.svc.SessionActor("made-up-session", "192.0.2.1")
	wantErr(t, err, app.ErrUnauthorized)
	_, _, err = e.svc.SessionActor("", "192.0.2.1")
	wantErr(t, err, app.ErrUnauthorized)
	// Purging removes it from the file.
	if err := e.svc.PurgeSessions(); err != nil {
		t.Fatal(err)
	}
	var n int
	e.svc.DB().View(func(tx *storage.Tx) error { n = tx.Count(storage.Sessions); return nil })
	if n != 0 {
		t.Fatalf("%d expired sessions left after purge", n)
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	ops := e.operator("ops@example.com")
	p := e.partner("Alpha")
	alice := e.partnerUser(p, "alice@alpha.example")

	_, _, err := e.svc.CreateTokenWithPassword("ops@example.com", "wrong password", "192.0.2.1", "")
	wantErr(t, err, app.ErrBadLogin)
	if !e.audited("token.failed", "ops@example.com", "192.0.2.1") {
		t.Error("a failed token request is not audited")
	}

	raw, tok, err := e.svc.CreateTokenWithPassword("ops@example.com", goodPassword, "192.0.2.1", "deploy script")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, "ldt_") || len(raw) < 40 || !strings.HasPrefix(raw, tok.Hint) || tok.Hint == raw {
		t.Fatalf("token %q hint %q", raw, tok.Hint)
	}
	a, err := e.svc.TokenActor(raw, "192.0.2.2")
	if err != nil || a.UserID != ops.UserID || !a.IsOperator() || a.Addr != "192.0.2.2" {
		t.Fatalf("token actor %+v: %v", a, err)
	}
	for _, bad := range []string{"", "ldt_", raw + "x", strings.TrimPrefix(raw, "ldt_"), "ldt_" + strings.Repeat("A", 43)} {
		if _, err := e.svc.TokenActor(bad, ""); err == nil {
			t.Errorf("token %q accepted", bad)
		}
	}

	// A partner's token acts as the partner.
	aliceRaw, aliceTok, err := e.svc.CreateTokenWithPassword("alice@alpha.example", goodPassword, "198.51.100.7", "")
	if err != nil {
		t.Fatal(err)
	}
	if a, err := e.svc.TokenActor(aliceRaw, ""); err != nil || a.PartnerID != p.ID || a.IsOperator() {
		t.Fatalf("partner token actor %+v %v", a, err)
	}
	// The operator issues tokens for others; a partner may not.
	_, _, err = e.svc.CreateTokenForUser(alice, "ops@example.com", "")
	wantErr(t, err, app.ErrForbidden)
	cliRaw, _, err := e.svc.CreateTokenForUser(app.System, "ALICE@alpha.example", "cli")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.svc.CreateTokenForUser(app.System, "nobody@example.com", "")
	wantField(t, err, "email")

	// Listing: a partner sees its own tokens, the operator all.
	if ts, _ := e.svc.ListTokens(alice); len(ts) != 2 {
		t.Errorf("alice lists %d tokens, want her 2", len(ts))
	}
	if ts, _ := e.svc.ListTokens(ops); len(ts) != 3 {
		t.Errorf("operator lists %d tokens, want 3", len(ts))
	}

	// Alice cannot revoke the operator's token: to her it does not exist.
	wantErr(t, e.svc.RevokeToken(alice, raw), app.ErrNotFound)
	wantErr(t, e.svc.RevokeToken(alice, uid(tok.ID)), app.ErrNotFound)
	if _, err := e.svc.TokenActor(raw, ""); err != nil {
		t.Fatalf("token revoked by someone else: %v", err)
	}
	// Revoke by value and by id.
	if err := e.svc.RevokeToken(ops, raw); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.TokenActor(raw, "")
	wantErr(t, err, app.ErrUnauthorized)
	if err := e.svc.RevokeToken(alice, uid(aliceTok.ID)); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.TokenActor(aliceRaw, "")
	wantErr(t, err, app.ErrUnauthorized)
	wantErr(t, e.svc.RevokeToken(ops, uid(aliceTok.ID)), app.ErrNotFound)
	if !e.audited("token.revoke", "ops@example.com", "") {
		t.Error("revocation not audited")
	}
	if _, err := e.svc.TokenActor(cliRaw, ""); err != nil {
		t.Fatalf("an unrelated token stopped working: %v", err)
	}
}

func TestSecretsAreHashedAtRest(t *testing.T) {
	e := newEnv(t)
	e.operator("ops@example.com")
	raw, _, err := e.svc.CreateTokenWithPassword("ops@example.com", goodPassword, "192.0.2.1", "")
	if err != nil {
		t.Fatal(err)
	}
	sid, _, err := e.svc.Login("ops@example.com", goodPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.TokenActor(raw, ""); err != nil {
		t.Fatal(err)
	}
	e.svc.Close()
	e.svc = nil
	file, err := os.ReadFile(filepath.Join(e.dir, storage.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string]string{"API token": raw, "token body": strings.TrimPrefix(raw, "ldt_"), "session id": sid, "password": goodPassword} {
		if bytes.Contains(file, []byte(secret)) {
			t.Errorf("the %s appears in the data file in clear", name)
		}
	}
	// What is stored is the hash: the token still works after a restart.
	h := sha256.Sum256([]byte(raw))
	if !bytes.Contains(file, h[:]) {
		t.Error("the token's hash is not in the data file either; where is it kept?")
	}
	e.open()
	if _, err := e.svc.TokenActor(raw, ""); err != nil {
		t.Fatalf("token after restart: %v", err)
	}
	if _, _, err := e.svc.SessionActor(sid, ""); err != nil {
		t.Fatalf("session after restart: %v", err)
	}
}
