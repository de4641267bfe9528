package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"licensedesk/app"
)

// result is one command's exit status and output.
type result struct {
	code           int
	stdout, stderr string
}

// env is a fake environment for runEnv.
type env map[string]string

func (e env) lookup(k string) (string, bool) { v, ok := e[k]; return v, ok }

// run runs one command in-process with the given environment (nil: an
// empty one, so the test runner's LICENSEDESK_* variables cannot leak in).
func run(t *testing.T, e env, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := runEnv(context.Background(), args, strings.NewReader(stdin), &out, &errb, e.lookup)
	return result{code, out.String(), errb.String()}
}

// mustRun runs a command that must succeed.
func mustRun(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := run(t, nil, stdin, args...)
	if r.code != 0 {
		t.Fatalf("licensedesk %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// oneErrorLine checks that stderr is one line mentioning every want and no
// stack trace.
func oneErrorLine(t *testing.T, r result, wants ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || lines[0] == "" {
		t.Fatalf("want one error line on stderr, got %d:\n%s", len(lines), r.stderr)
	}
	for _, bad := range []string{"goroutine ", "panic", ".go:"} {
		if strings.Contains(r.stderr, bad) {
			t.Fatalf("stderr looks like a stack trace (%q):\n%s", bad, r.stderr)
		}
	}
	for _, w := range wants {
		if !strings.Contains(lines[0], w) {
			t.Fatalf("stderr %q does not mention %q", lines[0], w)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a server goroutine writing while
// the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is `licensedesk serve` running in-process.
type server struct {
	t      *testing.T
	url    string
	out    *syncBuffer
	errb   *syncBuffer
	cancel context.CancelFunc
	done   chan int
	code   int
	exited bool
}

var listeningRE = regexp.MustCompile(`listening on (https?://\S+)`)

// startServe runs serve on a free port of 127.0.0.1 with data in dir and
// waits until it listens. It is stopped at the end of the test.
func startServe(t *testing.T, dir string, extra ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, out: &syncBuffer{}, errb: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	args := append([]string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--log-level", "warn"}, extra...)
	go func() {
		s.done <- runEnv(ctx, args, strings.NewReader(""), s.out, s.errb, env(nil).lookup)
	}()
	t.Cleanup(func() { s.stop() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningRE.FindStringSubmatch(s.out.String()); m != nil {
			s.url = m[1]
			return s
		}
		select {
		case code := <-s.done:
			s.exited, s.code = true, code
			t.Fatalf("serve exited with %d before listening:\nstdout: %s\nstderr: %s", code, s.out, s.errb)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start listening in time:\nstdout: %s\nstderr: %s", s.out, s.errb)
	return nil
}

// stop cancels serve's context (as SIGINT would) and waits for it to end.
func (s *server) stop() int {
	s.t.Helper()
	if s.exited {
		return s.code
	}
	s.cancel()
	select {
	case s.code = <-s.done:
		s.exited = true
	case <-time.After(60 * time.Second):
		s.t.Fatalf("serve did not stop within a minute of being cancelled")
	}
	return s.code
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// openSvc opens a stopped data directory for checking what commands did.
func openSvc(t *testing.T, dir string) *app.Service {
	t.Helper()
	svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

// snapshot is what a data directory holds, read back through the services.
type snapshot struct {
	Products []app.Product
	Partners []app.Partner
	Users    []app.User
	Balances map[string]app.Money
}

func takeSnapshot(t *testing.T, dir string) snapshot {
	t.Helper()
	svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	defer svc.Close()
	all := app.ListParams{PerPage: app.MaxPerPage, Sort: "id"}
	pr, err := svc.ListProducts(app.System, all)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := svc.ListPartners(app.System, all)
	if err != nil {
		t.Fatal(err)
	}
	us, err := svc.ListUsers(app.System, all)
	if err != nil {
		t.Fatal(err)
	}
	snap := snapshot{Products: pr.Items, Partners: pa.Items, Users: us.Items, Balances: map[string]app.Money{}}
	for _, p := range pa.Items {
		acc, err := svc.GetAccount(app.System, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		snap.Balances[p.PublicID] = acc.Balance
	}
	return snap
}
