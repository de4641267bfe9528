package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"licensedesk/app"
	"licensedesk/app/web"
)

const (
	chromiumPath = "/usr/bin/chromium"
	viewWidth    = 1366
	viewHeight   = 900
)

// screenshotDir is where the browser test leaves a PNG of each main page
// for a reviewer: $LICENSEDESK_SCREENSHOTS, or a fixed directory under
// the system's temporary directory.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("LICENSEDESK_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "licensedesk-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Drop the previous run's pictures (only ours: NN-name.png).
	old, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9]-*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	return dir
}

// browserRun is one browser session against a real server.
type browserRun struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
	n    int

	mu       sync.Mutex
	problems []string // console errors, CSP violations, uncaught exceptions
}

// do runs steps with a time limit; the browser itself lives on.
func (b *browserRun) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	// A step ends once htmx is idle, so what it swapped in is wired up
	// before the next step clicks it (as a user's second click is).
	if err := chromedp.Do(ctx, append(steps, htmxIdle())...); err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browserRun) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// eval runs a JavaScript expression and returns its string value.
func (b *browserRun) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// shot saves a full-page PNG named for the page. The window is made as
// tall as the page first, so the sticky sidebar is drawn as a visitor
// scrolling the page would see it.
func (b *browserRun) shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`window.innerWidth`))
	var height int64
	if err == nil {
		height, err = chromedp.Run(ctx, chromedp.Evaluate[int64](`Math.ceil(document.documentElement.scrollHeight)`))
	}
	if err == nil {
		err = chromedp.Do(ctx, chromedp.EmulateViewport(width, max(height, viewHeight)))
	}
	var png []byte
	if err == nil {
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	}
	if err == nil {
		err = chromedp.Do(ctx, chromedp.EmulateViewport(width, viewHeight))
	}
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	b.n++
	path := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Error(err)
	}
}

func (b *browserRun) open(path, waitFor string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// submit clicks a form's button and waits for the next page: the old
// document is marked first, so its elements are never mistaken for the new one's.
func (b *browserRun) submit(what, button, waitFor string) {
	b.t.Helper()
	b.do(what,
		chromedp.Evaluate[chromedp.Void](`document.documentElement.setAttribute("data-stale", "1")`),
		chromedp.Click(chromedp.CSS(button)),
		chromedp.WaitNotPresent(chromedp.CSS(`html[data-stale]`)),
		chromedp.WaitVisible(chromedp.CSS(waitFor)),
	)
}

// countSettles starts counting htmx:afterSettle events on the page.
// htmx wires up swapped-in content only when it settles: acting on it
// before then (a click, Enter) falls back to a plain request.
func countSettles() chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`window.ldSettled = 0;
		document.body.addEventListener("htmx:afterSettle", () => { window.ldSettled++ })`)
}

// settled waits until htmx has settled n swaps since countSettles.
func settled(n int) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](fmt.Sprintf("window.ldSettled >= %d", n))
}

// htmxIdle waits until no htmx request, swap or settle is in flight: the
// content a swap brought in is only wired up (its hx-get, hx-post) once
// it has settled, and a click before that follows the plain link.
func htmxIdle() chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added") === null`)
}

func (b *browserRun) fill(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS(sel), value)
}

func (b *browserRun) problem(s string) {
	b.mu.Lock()
	b.problems = append(b.problems, s)
	b.mu.Unlock()
}

// TestBrowserOperatorSetsUpPartner drives the real UI in headless
// Chromium: the operator creates a product and a partner with a user, and
// that partner then signs in and sees its account.
func TestBrowserOperatorSetsUpPartner(t *testing.T) {
	h := newUIHarness(t)
	h.user("operator@example.com", 0)
	// A refused form answers 422 on purpose; anything else is a fault.
	b := startBrowser(t, h, screenshotDir(t), "status of 422")
	t.Logf("screenshots: %s", b.dir)

	// Sign in as the operator.
	b.open("/login", `form[action="/login"]`)
	b.shot("login")
	b.do("type the operator's credentials",
		b.fill(`#f-email`, "operator@example.com"),
		b.fill(`#f-password`, uiPassword),
	)
	b.submit("sign in as operator", `form[action="/login"] button[type=submit]`, `.stat`)

	// A product with two editions, two periods and a price for each, made
	// through the form; the spare rows and the JavaScript-added ones stay blank.
	b.open("/products/new", `#f-name`)
	b.do("fill the product form",
		b.fill(`#f-name`, "Office Shield"),
		b.fill(`#f-description`, "Endpoint protection for small offices"),
		b.fill(`input[name="editions[0].code"]`, "business"),
		b.fill(`input[name="editions[0].name"]`, "Business"),
		b.fill(`input[name="editions[0].upgrades_to"]`, "enterprise"),
		b.fill(`input[name="editions[1].code"]`, "enterprise"),
		b.fill(`input[name="editions[1].name"]`, "Enterprise"),
		chromedp.SetValue(chromedp.CSS(`select[name="periods[1]"]`), "24"),
		b.fill(`input[name="prices[0][0]"]`, "12.50"),
		b.fill(`input[name="prices[0][1]"]`, "23"),
		b.fill(`input[name="prices[1][0]"]`, "20.00"),
		b.fill(`input[name="prices[1][1]"]`, "37.00"),
		chromedp.Click(chromedp.CSS(`button[data-add-row="editions"]`)),
		chromedp.Click(chromedp.CSS(`button[data-add-col="matrix"]`)),
		chromedp.WaitVisible(chromedp.CSS(`select[name="periods[3]"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="prices[2][3]"]`)),
		b.fill(`input[name="config_fields[0].name"]`, "Max devices"),
		chromedp.SetValue(chromedp.CSS(`select[name="config_fields[0].type"]`), "number"),
		b.fill(`input[name="config_fields[0].default"]`, "5"),
	)
	b.shot("product-form")
	b.submit("save the product", `form[action="/products"] button[type=submit]`, `.flash`)
	if got := b.text(".flash"); !strings.Contains(got, "Product saved") {
		t.Fatalf("after saving the product the page says %q", got)
	}
	if got := b.text("table.matrix"); !strings.Contains(got, "12.50 EUR") || !strings.Contains(got, "37.00 EUR") {
		t.Errorf("price matrix shows %q", got)
	}
	b.shot("product-detail")

	// A mistyped price comes back beside its field, the rest kept.
	b.do("open the product's edit form",
		chromedp.Click(chromedp.CSS(`.page-head a[href$="/edit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="prices[1][1]"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="prices[1][1]"]`), "37,5O"),
	)
	b.submit("save a bad price", `form[action^="/products/"] button[type=submit]`, `#f-prices-1-1-error`)
	if got := b.text("#f-prices-1-1-error"); !strings.Contains(got, "is not an amount") {
		t.Errorf("beside the bad price: %q", got)
	}
	b.shot("product-form-error")
	b.open("/products", `table`)
	if got := b.text("#results"); !strings.Contains(got, "Office Shield") {
		t.Errorf("product list shows %q", got)
	}
	b.shot("products-list")

	// A partner on the manual program, with a top-up and a user.
	b.open("/partners/new", `#f-name`)
	b.do("fill the partner form",
		b.fill(`#f-name`, "Northwind IT"),
		b.fill(`#f-email`, "orders@northwind.example"),
		chromedp.SetValue(chromedp.CSS(`#f-discount`), "25"),
		chromedp.Click(chromedp.CSS(`input[name="program"][value="manual"]`)),
		b.fill(`#f-notes`, "MSP, 40 clients in the region"),
	)
	b.shot("partner-form")
	b.submit("save the partner", `form[action="/partners"] button[type=submit]`, `.flash`)
	pubID := strings.TrimSpace(b.text(".page-head .pubid"))
	if !strings.HasPrefix(pubID, "P-") {
		t.Fatalf("partner page shows public ID %q", pubID)
	}
	b.do("fill the top-up form",
		b.fill(`#f-b-amount`, "500.00"),
		b.fill(`#f-b-reason`, "Bank transfer 2024-118"),
	)
	b.submit("record the top-up", `form[action$="/balance"] button[type=submit]`, `.flash`)
	b.do("fill the add-user form",
		b.fill(`#f-u-email`, "anna@northwind.example"),
		b.fill(`#f-u-name`, "Anna Berg"),
		b.fill(`#f-u-password`, uiPassword),
	)
	b.submit("add the user", `form[action$="/users"] button[type=submit]`, `.flash`)
	if got := b.text(".main"); !strings.Contains(got, "anna@northwind.example") || !strings.Contains(got, "500.00 EUR") {
		t.Errorf("partner page after adding a user and a top-up shows:\n%s", got)
	}
	b.shot("partner-detail")
	b.open("/partners", `table`)
	b.shot("partners-list")
	b.open("/users", `table`)
	b.shot("users")

	// Disable and enable the partner's user in place (htmx, no reload).
	rowID := b.eval(`[...document.querySelectorAll("tbody tr")].find(r => r.textContent.includes("anna@northwind.example")).id`)
	// htmx wires up a swapped row only once it has settled: a click before
	// that is a plain form post (which works, but reloads the page), so
	// the second click waits for htmx:afterSettle.
	b.do("disable the user in place",
		chromedp.Evaluate[chromedp.Void](`document.documentElement.setAttribute("data-same-page", "1")`),
		countSettles(),
		chromedp.Click(chromedp.CSS(`#`+rowID+` form[hx-post] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#`+rowID+` .badge.off`)),
		settled(1),
		chromedp.Click(chromedp.CSS(`#`+rowID+` form[hx-post] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#`+rowID+` .badge.ok`)),
		chromedp.WaitVisible(chromedp.CSS(`html[data-same-page]`)),
	)

	// The product search box filters as one types, in place.
	b.open("/products", `#f-q`)
	b.do("search the products",
		b.fill(`#f-q`, "nothing-like-this"),
		chromedp.WaitVisible(chromedp.CSS(`#results td.empty`)),
	)
	if loc := b.eval(`location.search`); !strings.Contains(loc, "q=nothing-like-this") {
		t.Errorf("after searching, the URL's query is %q", loc)
	}
	b.open("/audit", `table`)
	b.shot("audit")
	b.open("/", `.stat`)
	b.shot("dashboard-operator")

	// Sign out, and in again as the partner's user.
	b.submit("sign out", `form[action="/logout"] button`, `form[action="/login"]`)
	b.do("type the partner user's credentials",
		b.fill(`#f-email`, "anna@northwind.example"),
		b.fill(`#f-password`, uiPassword),
	)
	b.submit("sign in as partner", `form[action="/login"] button[type=submit]`, `.stat`)
	b.shot("dashboard-partner")
	b.open("/account", `#coupon-h`)
	acc := b.text(".main")
	for _, want := range []string{"Northwind IT", "25%", pubID, "Manual month-end checkout", "500.00 EUR", "Bank transfer 2024-118"} {
		if !strings.Contains(acc, want) {
			t.Errorf("the partner's account page does not show %q:\n%s", want, acc)
		}
	}
	b.shot("account")
	b.do("narrow the window to a phone's", chromedp.EmulateViewport(390, 844))
	b.shot("account-phone")
	b.do("widen the window again", chromedp.EmulateViewport(viewWidth, viewHeight))
	b.open("/settings", `#f-current_password`)
	b.do("fill the new-token form",
		b.fill(`#f-t-name`, "billing export"),
		b.fill(`#f-t-password`, uiPassword),
	)
	b.submit("create an API token", `form[action="/settings/tokens"] button[type=submit]`, `#new-token`)
	b.shot("settings")

	// No page so far logged an error, broke the Content-Security-Policy
	// or threw an exception.
	b.mu.Lock()
	for _, p := range b.problems {
		t.Errorf("browser reported: %s", p)
	}
	b.mu.Unlock()

	b.open("/partners", `.error-card`)
	if got := b.text(".error-card"); !strings.Contains(strings.ToLower(got), "do not have permission") {
		t.Errorf("a partner opening /partners sees %q", got)
	}
}

// startBrowser serves the harness's service on a loopback port and starts
// headless Chromium with the flags that work on this kind of machine
// (see STACK-NOTES). Console errors, uncaught exceptions and CSP reports
// become problems of the run, except network errors whose text contains
// one of expected (a refused form answers 422 on purpose). A missing
// Chromium fails the test: the README's test command installs it.
func startBrowser(t *testing.T, h *uiHarness, dir string, expected ...string) *browserRun {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium is not installed at %s (%v): run the README's test command, bash scripts/test.sh, which installs it", chromiumPath, err)
	}
	srv, err := web.New(h.svc, app.Defaults(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Listener(ln)
	t.Cleanup(func() { srv.ShutdownWithTimeout(5 * time.Second) })
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(viewWidth, viewHeight),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	b := &browserRun{t: t, ctx: ctx, base: "http://" + ln.Addr().String(), dir: dir}
	if err := chromedp.Do(ctx); err != nil { // no time limit on the first call: it starts the browser
		t.Fatalf("start Chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			isExpected := false
			if ev.Entry.Source == log.EntrySourceNetwork {
				for _, e := range expected {
					isExpected = isExpected || strings.Contains(ev.Entry.Text, e)
				}
			}
			if !isExpected && (ev.Entry.Level == log.EntryLevelError || strings.Contains(ev.Entry.Text, "Content Security Policy")) {
				b.problem(fmt.Sprintf("%s: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		case *runtime.EventExceptionThrown:
			b.problem("uncaught exception: " + ev.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				b.problem("console.error")
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	return b
}
