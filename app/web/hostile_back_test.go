package web

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// The back field of the licenses forms (notes, bulk actions, checkout,
// renewals) picks where the action returns. It goes into the Location
// header: a line break in it must not add a header (a Set-Cookie of the
// sender's choosing), and a backslash or control character, which
// browsers rewrite, must not survive. Such a back returns to the
// default address.
func TestBackFieldCannotSplitTheAnswer(t *testing.T) {
	wd := newWorld(t)
	w := wd.w
	alice := w.session("alice@alpha.example")
	notes := fmt.Sprintf("/licenses/%d/notes", wd.aLicense)
	for _, back := range []string{
		"/licenses\r\nSet-Cookie: ld_session=attacker",
		"/licenses\nSet-Cookie: ld_session=attacker",
		"/licenses\\..\\..\\\\evil.example",
		"/licenses\t/x",
	} {
		r := w.do(alice, "POST", notes, url.Values{"back": {back}, "notes": {"hi"}}.Encode())
		if r.status != 303 {
			t.Errorf("back %q: %d, want 303", back, r.status)
			continue
		}
		for _, sc := range r.header.Values("Set-Cookie") {
			if strings.Contains(sc, "attacker") {
				t.Errorf("back %q set a cookie of its own: %q", back, sc)
			}
		}
		if loc := r.header.Get("Location"); loc != "/licenses/"+fmt.Sprint(wd.aLicense) {
			t.Errorf("back %q: Location %q, want the license page", back, loc)
		}
	}
	// A list address with its filters still comes back.
	r := w.do(alice, "POST", notes, url.Values{"back": {"/licenses?view=all&q=Office"}, "notes": {"hi"}}.Encode())
	if loc := r.header.Get("Location"); loc != "/licenses?view=all&q=Office" {
		t.Errorf("back to the list: Location %q", loc)
	}
}
