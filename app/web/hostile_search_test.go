package web

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// Issue 7, item 1: a term of hundreds of wildcards kept a core busy for
// a minute. Every list with a search refuses it at once, naming q and
// saying why.
func TestSearchOverTheLimitsIsRefusedAtOnce(t *testing.T) {
	w := newWebEnv(t)
	w.user("ops@example.com", 0)
	op := w.bearer("ops@example.com")
	q := url.QueryEscape(strings.Repeat("*a", 300))
	for _, path := range []string{"/api/v1/licenses", "/api/v1/products", "/api/v1/partners", "/api/v1/licenses.csv", "/api/v1/licenses/groups?by=product&"} {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = ""
		}
		start := time.Now()
		r := w.do(op, "GET", path+sep+"q="+q, "")
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %s", path, d)
		}
		wantStatus(t, path, r, 422)
		e := r.apiError(t)
		if e.Error.Field != "q" || !strings.Contains(e.Error.Message, "wildcards") {
			t.Errorf("%s: error %+v does not name q and the wildcards", path, e.Error)
		}
	}
}
