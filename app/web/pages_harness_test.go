package web_test

import (
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
	"licensedesk/app/web"
)

// uiPassword is every test user's password.
const uiPassword = "correct-horse-battery"

// uiHarness is the real service and Fiber app over a fresh data directory.
type uiHarness struct {
	t   *testing.T
	svc *app.Service
	app *fiber.App
}

func newUIHarness(t *testing.T) *uiHarness {
	t.Helper()
	return newUIHarnessWith(t, app.Options{})
}

// newUIHarnessWith is newUIHarness with the service's options (the data
// directory and logger are the harness's own).
func newUIHarnessWith(t *testing.T, opt app.Options) *uiHarness {
	t.Helper()
	opt.DataDir, opt.Logger = t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := app.Open(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	f, err := web.New(svc, app.Defaults(), slog.New(slog.NewTextHandler(testLog{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &uiHarness{t: t, svc: svc, app: f}
}

// user creates a login; partnerID 0 makes an operator.
func (h *uiHarness) user(email string, partnerID uint64) app.User {
	h.t.Helper()
	role := app.RoleOperator
	if partnerID != 0 {
		role = app.RolePartner
	}
	pw := uiPassword
	u, err := h.svc.CreateUser(app.System, app.UserInput{Email: &email, Role: &role, PartnerID: &partnerID, Password: &pw})
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// uiClient is a browser: it keeps cookies and the page's CSRF token.
type uiClient struct {
	h       *uiHarness
	cookies map[string]string
	csrf    string
}

func (h *uiHarness) client() *uiClient { return &uiClient{h: h, cookies: map[string]string{}} }

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

func (c *uiClient) do(req *http.Request) (*http.Response, string) {
	c.h.t.Helper()
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := c.h.app.Test(req, -1)
	if err != nil {
		c.h.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	if m := csrfMeta.FindSubmatch(body); m != nil {
		c.csrf = string(m[1])
	}
	return resp, string(body)
}

func (c *uiClient) get(path string) (*http.Response, string) {
	c.h.t.Helper()
	return c.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post sends a form with the CSRF token of the last page seen.
func (c *uiClient) post(path string, form url.Values) (*http.Response, string) {
	c.h.t.Helper()
	if form.Get("_csrf") == "" {
		form.Set("_csrf", c.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// login signs in through the form and fails the test if it does not work.
func (h *uiHarness) login(email string) *uiClient {
	h.t.Helper()
	c := h.client()
	c.get("/login")
	resp, body := c.post("/login", url.Values{"email": {email}, "password": {uiPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("login as %s: status %d\n%s", email, resp.StatusCode, body)
	}
	c.follow(resp) // the signed-in page carries the session's CSRF token
	return c
}

// follow fetches where a redirect points.
func (c *uiClient) follow(resp *http.Response) (*http.Response, string) {
	c.h.t.Helper()
	loc := resp.Header.Get("Location")
	if loc == "" {
		c.h.t.Fatalf("status %d is not a redirect", resp.StatusCode)
	}
	return c.get(loc)
}

func wantStatus(t *testing.T, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("status %d, want %d\n%s", resp.StatusCode, want, body)
	}
}

// wantContains checks the page's text (entities decoded) shows each part.
func wantContains(t *testing.T, body string, parts ...string) {
	t.Helper()
	text := html.UnescapeString(body)
	for _, p := range parts {
		if !strings.Contains(body, p) && !strings.Contains(text, p) {
			t.Errorf("page does not show %q", p)
		}
	}
}

// testLog sends the server's log to the test's output.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Helper()
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// fieldError is the message shown beside the form field named name, or "".
func fieldError(body, name string) string {
	var b strings.Builder
	b.WriteString("f-")
	dash := false
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	id := strings.TrimRight(b.String(), "-") + "-error"
	re := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(id) + `">([^<]*)</p>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// formAlert is the message at the top of a form, or "".
func formAlert(body string) string {
	m := regexp.MustCompile(`<div class="alert alert-error" role="alert">([^<]*)</div>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}
