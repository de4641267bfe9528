package web

import (
	"strings"
	"testing"
)

// A token's name is printed by `licensedesk token list` in the operator's
// terminal and shown on the settings page: a name with an escape
// sequence (clearing the screen, setting the window title, faking
// output) or of any length is refused naming the field, and no token is
// made.
func TestTokenNameIsOneLineOfText(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	for _, name := range []string{"nightly\x1b[2J\x1b]0;pwned\x07", "cron\r\n3  ops@example.com  admin", "\u202eylthgin", strings.Repeat("n", 10000)} {
		r := w.do(anonymous, "POST", "/api/v1/tokens", `{"email":"ops@example.com","password":"`+apiPassword+`","name":`+jsonString(name)+`}`)
		if r.status != 422 {
			t.Errorf("token named %.30q: %d, want 422; %s", name, r.status, r.body)
			continue
		}
		if e := r.apiError(t); e.Error.Field != "name" {
			t.Errorf("token named %.30q: refused naming %q", name, e.Error.Field)
		}
	}
	if r := w.do(w.bearer("ops@example.com"), "GET", "/api/v1/tokens", ""); strings.Count(string(r.body), `"hint"`) != 1 {
		t.Errorf("tokens after the refusals: %s", r.body)
	}
}
