// Command load measures licensedesk's speed targets through the HTTP API
// against a data directory filled by bench/gen:
//
//	go run ./bench/load --data DIR
//
// It prepares a bench operator and partner user with API tokens, then
// opens the data directory and serves it on a loopback port in this
// process exactly as `licensedesk serve` does (app.Open + web.New), timing
// start-up to the first healthy answer. Each scenario runs sequentially
// over keep-alive connections (bounded count, loopback only); the process
// RSS is sampled during the full CSV export (the client side only
// discards bytes). It prints a Markdown table.
package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"licensedesk/app"
	"licensedesk/app/cli"
	"licensedesk/app/web"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type setup struct {
	opToken, partnerToken string
	opEmail, opPassword   string // the operator signs in to the web UI with these
	partnerID             uint64
	productID             uint64
	fragments             []string // 4-character fragments of real keys
}

func prepare(dir string) (setup, error) {
	var st setup
	svc, err := app.Open(app.Options{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return st, err
	}
	defer svc.Close()
	// The partner with the most licenses: the generator's first.
	parts, err := svc.ListPartners(app.System, app.ListParams{Sort: "id", PerPage: 1})
	if err != nil || len(parts.Items) == 0 {
		return st, fmt.Errorf("no partners in %s: fill it with bench/gen first", dir)
	}
	st.partnerID = parts.Items[0].ID
	prods, err := svc.ListProducts(app.System, app.ListParams{Sort: "id", PerPage: 1})
	if err != nil || len(prods.Items) == 0 {
		return st, fmt.Errorf("no products in %s", dir)
	}
	st.productID = prods.Items[0].ID
	pw := app.GeneratePassword()
	for _, u := range []struct {
		email string
		role  app.Role
		pid   uint64
		tok   *string
	}{{"bench-operator@licensedesk.test", app.RoleOperator, 0, &st.opToken}, {"bench-partner@licensedesk.test", app.RolePartner, st.partnerID, &st.partnerToken}} {
		if _, err := svc.UserByEmail(app.System, u.email); err != nil {
			email, role, pid := u.email, u.role, u.pid
			if _, err := svc.CreateUser(app.System, app.UserInput{Email: &email, Role: &role, PartnerID: &pid, Password: &pw}); err != nil {
				return st, err
			}
		}
		if u.role == app.RoleOperator {
			// The password of an operator made by an earlier run is not
			// known: set it again.
			if err := svc.SetPassword(app.System, u.email, pw); err != nil {
				return st, err
			}
			st.opEmail, st.opPassword = u.email, pw
		}
		tok, _, err := svc.CreateTokenForUser(app.System, u.email, "bench")
		if err != nil {
			return st, err
		}
		*u.tok = tok
	}
	page, err := svc.ListLicenses(app.System, app.ListParams{Sort: "id", PerPage: 500, Page: 7})
	if err != nil {
		return st, err
	}
	r := rand.New(rand.NewPCG(7, 7))
	for _, l := range page.Items {
		k := app.NormaliseKey(l.Key)
		i := r.IntN(len(k) - 4)
		st.fragments = append(st.fragments, k[i:i+4])
	}
	return st, nil
}

type result struct {
	name            string
	n               int
	p50, p99, worst time.Duration
	note            string
}

func measure(name string, n int, do func(i int) error) (result, error) {
	ds := make([]time.Duration, 0, n)
	for i := range n {
		t := time.Now()
		if err := do(i); err != nil {
			return result{}, fmt.Errorf("%s: %w", name, err)
		}
		ds = append(ds, time.Since(t))
	}
	slices.Sort(ds)
	q := func(p float64) time.Duration { return ds[min(len(ds)-1, int(float64(len(ds))*p))] }
	return result{name: name, n: n, p50: q(0.50), p99: q(0.99), worst: ds[len(ds)-1]}, nil
}

// rss is the resident set in KiB: in all, anonymous (heap, stacks) and
// file-backed (bbolt's memory-mapped data file, evictable page cache).
type rss struct{ total, anon, file int }

func readRSS(pid int) rss {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return rss{}
	}
	var r rss
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		switch k {
		case "VmRSS":
			r.total = n
		case "RssAnon":
			r.anon = n
		case "RssFile":
			r.file = n
		}
	}
	return r
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func run() error {
	data := pflag.String("data", "", "data directory filled by bench/gen")
	n := pflag.Int("n", 300, "requests per scenario")
	conc := pflag.Duration("concurrent", 0, "also run the concurrent scenarios, each for this long (e.g. 10s)")
	skipOne := pflag.Bool("skip-sequential", false, "skip the one-user scenarios and the export")
	clientMode := pflag.Bool("client", false, "measure the client API (validate, activate, license-file) instead (client.go)")
	conns := pflag.Int("conns", 64, "concurrent keep-alive connections (--client)")
	dur := pflag.Duration("duration", 10*time.Second, "time per scenario (--client)")
	machines := pflag.Int("machines", 20000, "licenses with a registered machine (--client)")
	only := pflag.String("only", "", "with --concurrent: run only the scenarios whose name holds this text (e.g. \"note edit\", \"mix\")")
	cpuProfile := pflag.String("cpuprofile", "", "write a CPU profile of the concurrent scenarios (server and clients) to this file")
	views := pflag.Duration("views", 0, "measure the sorted and grouped views only, then 16 users on them for this long (e.g. 10s)")
	pflag.Parse()
	if *data == "" {
		return fmt.Errorf("--data is required")
	}
	if *clientMode {
		return runClient(*data, *conns, *dur, *machines)
	}
	st, err := prepare(*data)
	if err != nil {
		return err
	}
	addr, err := freePort()
	if err != nil {
		return err
	}
	start := time.Now()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := app.Open(app.Options{DataDir: *data, Logger: log})
	if err != nil {
		return err
	}
	defer svc.Close()
	defer cli.HoldGCHeadroom(cli.GCHeadroom)() // as licensedesk serve does
	srv, err := web.New(svc, app.Defaults(), log)
	if err != nil {
		return err
	}
	go srv.Listen(addr)
	defer srv.Shutdown()
	pid := os.Getpid()
	base := "http://" + addr
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxIdleConns: 256}}
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Since(start) > 60*time.Second {
			return fmt.Errorf("server did not answer /healthz within 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	startup := time.Since(start)
	// fetch GETs path and reads the whole answer, which must be a 200:
	// the size read, as a token (API) or a signed-in session (web UI).
	fetch := func(path string, q url.Values, auth func(*http.Request)) (int, error) {
		req, _ := http.NewRequest("GET", base+path+"?"+q.Encode(), nil)
		auth(req)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		nb, _ := io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("%s: status %d", path, resp.StatusCode)
		}
		return int(nb), nil
	}
	get := func(token, path string, q url.Values) (int, error) {
		return fetch(path, q, func(req *http.Request) { req.Header.Set("Authorization", "Bearer "+token) })
	}
	time.Sleep(500 * time.Millisecond) // let start-up work settle
	idle := readRSS(pid)
	words := strings.Fields("renewal invoice migrated datacenter budget warehouse compliance urgent clinic handover")
	var results []result
	add := func(r result, err error) error {
		if err != nil {
			return err
		}
		results = append(results, r)
		return nil
	}
	if *views > 0 {
		// The first request of each sort builds its order: one each first.
		for _, s := range []string{"name", "customer", "product"} {
			t := time.Now()
			if _, err := get(st.opToken, "/api/v1/licenses", url.Values{"view": {"all"}, "sort": {s}}); err != nil {
				return err
			}
			fmt.Printf("first sort by %s (builds its order): %s\n", s, time.Since(t).Round(time.Millisecond))
		}
		// The web UI's pages, signed in as the operator.
		sid, _, err := svc.Login(st.opEmail, st.opPassword, "127.0.0.1")
		if err != nil {
			return err
		}
		getWeb := func(path string, q url.Values) (int, error) {
			return fetch(path, q, func(req *http.Request) { req.AddCookie(&http.Cookie{Name: "ld_session", Value: sid}) })
		}
		rs, err := viewScenarios(get, st.opToken, getWeb, *n, *views)
		if err != nil {
			return err
		}
		fmt.Printf("| scenario | requests | p50 | p99 | max | note |\n|---|---|---|---|---|---|\n")
		fmt.Printf("| start-up to first healthy answer | 1 | %s | | | |\n", startup.Round(time.Millisecond))
		for _, r := range rs {
			fmt.Printf("| %s | %d | %s | %s | %s | %s |\n", r.name, r.n, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.worst.Round(10*time.Microsecond), r.note)
		}
		return nil
	}
	if *conc > 0 {
		c := &concurrent{get: get, client: client, base: base, st: st, pid: pid, dur: *conc, n: *n, stats: svc.WriteStats,
			only: *only, nonce: strconv.FormatInt(time.Now().UnixNano(), 36)}
		if *cpuProfile != "" {
			f, err := os.Create(*cpuProfile)
			if err != nil {
				return err
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			defer f.Close()
			// Where goroutines wait, beside where they run.
			runtime.SetBlockProfileRate(int(50 * time.Microsecond))
		}
		err := c.run()
		if *cpuProfile != "" {
			pprof.StopCPUProfile()
			if bf, err := os.Create(*cpuProfile + ".block"); err == nil {
				_ = pprof.Lookup("block").WriteTo(bf, 0)
				bf.Close()
			}
		}
		if err != nil {
			return err
		}
		c.print()
	}
	if *skipOne {
		return nil
	}
	if err := add(measure("wildcard `*XXXX*` on keys (operator)", *n, func(i int) error {
		_, err := get(st.opToken, "/api/v1/licenses", url.Values{"q": {"*" + st.fragments[i%len(st.fragments)] + "*"}, "per_page": {"50"}})
		return err
	})); err != nil {
		return err
	}
	if err := add(measure("plain word in notes (operator)", *n, func(i int) error {
		_, err := get(st.opToken, "/api/v1/licenses", url.Values{"q": {words[i%len(words)]}, "per_page": {"50"}})
		return err
	})); err != nil {
		return err
	}
	page := func(token string) func(int) error {
		return func(i int) error {
			_, err := get(token, "/api/v1/licenses", url.Values{"status": {"active"}, "product_id": {strconv.FormatUint(st.productID, 10)},
				"view": {"expiring"}, "days": {strconv.Itoa(30 + i%60)}, "sort": {"valid_to"}, "per_page": {"50"}})
			return err
		}
	}
	if err := add(measure("status+product+expiring page, 50 rows (operator)", *n, page(st.opToken))); err != nil {
		return err
	}
	if err := add(measure("status+product+expiring page, 50 rows (partner)", *n, page(st.partnerToken))); err != nil {
		return err
	}
	// Full CSV export with RSS sampled every 20 ms. The idle figure is
	// taken again now: the searches above mapped index files too, and what
	// counts is what the export adds.
	startIdle := idle
	time.Sleep(time.Second)
	idle = readRSS(pid)
	peak := idle
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r := readRSS(pid)
				peak.total, peak.anon, peak.file = max(peak.total, r.total), max(peak.anon, r.anon), max(peak.file, r.file)
			}
		}
	}()
	t := time.Now()
	req, _ := http.NewRequest("GET", base+"/api/v1/licenses.csv", nil)
	req.Header.Set("Authorization", "Bearer "+st.opToken)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	rows := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		rows++
	}
	resp.Body.Close()
	exportTook := time.Since(t)
	close(done)
	<-sampled
	results = append(results, result{name: "CSV export of every license", n: 1, p50: exportTook, p99: exportTook, worst: exportTook,
		note: fmt.Sprintf("%d data rows; RSS at start-up %d MiB; idle before the export→peak: total %d→%d MiB (+%d), anonymous %d→%d MiB (+%d), file-backed %d→%d MiB (+%d)",
			rows-1, startIdle.total/1024, idle.total/1024, peak.total/1024, (peak.total-idle.total)/1024, idle.anon/1024, peak.anon/1024, (peak.anon-idle.anon)/1024,
			idle.file/1024, peak.file/1024, (peak.file-idle.file)/1024)})

	fmt.Printf("| scenario | requests | p50 | p99 | max | note |\n|---|---|---|---|---|---|\n")
	fmt.Printf("| start-up to first healthy answer | 1 | %s | | | |\n", startup.Round(time.Millisecond))
	for _, r := range results {
		fmt.Printf("| %s | %d | %s | %s | %s | %s |\n", r.name, r.n, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.worst.Round(10*time.Microsecond), r.note)
	}
	return nil
}
