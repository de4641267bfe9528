package web_test

import (
	"net/url"
	"strings"
	"testing"
)

// The license page's history reads newest first, as its heading says:
// after suspend then enable, the enable row comes before the suspend row.
func TestLicensePageHistoryNewestFirst(t *testing.T) {
	w := newLicWorld(t)
	c := w.h.login(w.operator)
	page := "/licenses/" + id(w.farA.ID)
	for _, action := range []string{"suspend", "enable"} {
		resp, body := c.post(page+"/"+action, url.Values{})
		wantStatus(t, resp, body, 303)
	}
	_, body := c.get(page)
	hist := body[strings.Index(body, `id="history"`):]
	enable := strings.Index(hist, `<span class="badge">enable</span>`)
	suspend := strings.Index(hist, `<span class="badge">suspend</span>`)
	create := strings.Index(hist, `<span class="badge">create</span>`)
	if enable < 0 || suspend < 0 || create < 0 {
		t.Fatalf("history rows missing (enable %d, suspend %d, create %d)", enable, suspend, create)
	}
	if !(enable < suspend && suspend < create) {
		t.Errorf("history is not newest first: enable at %d, suspend at %d, create at %d", enable, suspend, create)
	}
}
