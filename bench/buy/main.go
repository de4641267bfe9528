// Command buy measures buying through the HTTP API on a fresh data
// directory, served in this process exactly as `licensedesk serve` does
// (app.Open + web.New on a loopback port):
//
//	go run ./bench/buy [--partners 32] [--duration 10s] [--bulk-runs 10]
//
// Scenario 1: every partner (one API token each) buys one license paid by
// balance, over and over, all partners at once, for --duration; it
// reports purchases per second and the latency percentiles. Scenario 2:
// one partner buys 1,000 keys in one order, --bulk-runs times; it reports
// the end-to-end time per order. The balances and the ledger are checked
// afterwards: each running balance equals the sum of its ledger.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"
	"github.com/valyala/fasthttp"

	"licensedesk/app"
	"licensedesk/app/cli"
	"licensedesk/app/web"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "buy:", err)
		os.Exit(1)
	}
}

func run() error {
	partners := pflag.Int("partners", 32, "concurrent partners buying")
	dur := pflag.Duration("duration", 10*time.Second, "how long the concurrent purchases run")
	bulkRuns := pflag.Int("bulk-runs", 10, "1,000-key orders to time")
	dir := pflag.String("data", "", "data directory (default: a new temporary one)")
	cpuProfile := pflag.String("cpuprofile", "", "write a CPU profile of the concurrent purchases (server and clients) to this file")
	memProfile := pflag.String("memprofile", "", "write an allocation profile of the run (server and clients) to this file")
	pflag.Parse()
	if *dir == "" {
		d, err := os.MkdirTemp("", "licensedesk-buy-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := app.Open(app.Options{DataDir: *dir, Logger: quiet})
	if err != nil {
		return err
	}
	defer svc.Close()
	name, cur, code := "Sentinel Antivirus", "EUR", "sentinel"
	eds := []app.Edition{{Code: "business", Name: "Business"}}
	periods := []int{12}
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 1999}}
	prod, err := svc.CreateProduct(app.System, app.ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices})
	if err != nil {
		return err
	}
	tokens := make([]string, *partners)
	ids := make([]uint64, *partners)
	pw := app.GeneratePassword()
	for i := range *partners {
		pname, bp := fmt.Sprintf("Partner %02d", i+1), 3000
		p, err := svc.CreatePartner(app.System, app.PartnerInput{Name: &pname, DiscountBP: &bp})
		if err != nil {
			return err
		}
		ids[i] = p.ID
		if _, err := svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: 1e12, Kind: app.LedgerTopUp, Reason: "bench"}); err != nil {
			return err
		}
		email, role, pid := fmt.Sprintf("buyer%d@partner%d.example", i+1, i+1), app.RolePartner, p.ID
		if _, err := svc.CreateUser(app.System, app.UserInput{Email: &email, Role: &role, PartnerID: &pid, Password: &pw}); err != nil {
			return err
		}
		if tokens[i], _, err = svc.CreateTokenForUser(app.System, email, "bench"); err != nil {
			return err
		}
	}
	defer cli.HoldGCHeadroom(cli.GCHeadroom)() // as licensedesk serve does
	srv, err := web.New(svc, app.Defaults(), quiet)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.Listener(ln)
	defer srv.ShutdownWithTimeout(5 * time.Second)
	base := "http://" + ln.Addr().String()
	// The load runs in this process on the same cores as the desk, so the
	// client is fasthttp's (already built in, under Fiber): about half the
	// CPU of net/http's per request, left to the desk.
	client := &fasthttp.Client{MaxConnsPerHost: *partners * 2, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	url := base + "/api/v1/orders"
	buy := func(token string, quantity int) error {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI(url)
		req.Header.SetMethod(fasthttp.MethodPost)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.SetContentType("application/json")
		req.SetBodyString(`{"lines":[{"product_id":` + strconv.FormatUint(prod.ID, 10) +
			`,"edition":"business","seats":1,"period_months":12,"quantity":` + strconv.Itoa(quantity) + `}],"payment":"balance"}`)
		if err := client.Do(req, resp); err != nil {
			return err
		}
		if resp.StatusCode() != fasthttp.StatusCreated {
			return fmt.Errorf("status %d: %s", resp.StatusCode(), resp.Body())
		}
		return nil
	}

	// Measure the desk as it runs, not as it starts (as bench/load does): on
	// a big desk the first list waits for the in-memory license copy built
	// at start-up, and the sort orders built after it get a few seconds.
	for t0 := time.Now(); ; {
		t := time.Now()
		if _, err := svc.ListLicenses(app.System, app.ListParams{PerPage: 1, Filters: map[string]string{"q": "*A*"}}); err != nil {
			return err
		}
		if time.Since(t) < time.Second || time.Since(t0) > 3*time.Minute {
			break
		}
	}
	time.Sleep(5 * time.Second)

	// Scenario 1: concurrent single-license purchases.
	var n atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	ws0 := svc.WriteStats()
	stop := time.Now().Add(*dur)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range *partners {
		wg.Add(1)
		go func(tok string) {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(stop) {
				t := time.Now()
				if err := buy(tok, 1); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t))
				n.Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(tokens[i])
	}
	wg.Wait()
	elapsed := time.Since(start)
	ws := svc.WriteStats()
	if *memProfile != "" {
		if err := writeHeapProfile(*memProfile); err != nil {
			return err
		}
	}
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if firstErr != nil {
		return firstErr
	}
	slices.Sort(lat)
	q := func(ds []time.Duration, p float64) time.Duration { return ds[min(len(ds)-1, int(float64(len(ds))*p))] }
	fmt.Printf("| scenario | count | rate | p50 | p99 |\n|---|---|---|---|---|\n")
	fmt.Printf("| buy 1 license by balance, %d partners at once | %d | %.0f/s | %s | %s |\n", *partners, n.Load(),
		float64(n.Load())/elapsed.Seconds(), q(lat, 0.5).Round(10*time.Microsecond), q(lat, 0.99).Round(10*time.Microsecond))
	if c := ws.Commits - ws0.Commits; c > 0 {
		busy := ws.Busy - ws0.Busy
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(c) / 1000 }
		spill, disk := ws.Spill-ws0.Spill, ws.Disk-ws0.Disk
		fmt.Printf("\n%d commits of %.1f writes on average, %.2f ms and %.0f pages each; writer busy %.0f %% of the time\n",
			c, float64(ws.Writes-ws0.Writes)/float64(c), ms(busy), float64(ws.Pages-ws0.Pages)/float64(c), 100*busy.Seconds()/elapsed.Seconds())
		fmt.Printf("a commit's time: %.2f ms running the purchases, %.2f ms laying out pages, %.2f ms writing and syncing them\n\n",
			ms(busy-spill-disk), ms(spill), ms(disk))
	}

	// Scenario 2: 1,000-key orders, end to end.
	var bulk []time.Duration
	for range *bulkRuns {
		t := time.Now()
		if err := buy(tokens[0], 1000); err != nil {
			return err
		}
		bulk = append(bulk, time.Since(t))
	}
	if len(bulk) > 0 {
		slices.Sort(bulk)
		fmt.Printf("| one order of 1,000 keys | %d | | %s | %s (worst) |\n", len(bulk), q(bulk, 0.5).Round(time.Millisecond), bulk[len(bulk)-1].Round(time.Millisecond))
	}

	// Every running balance equals its ledger's sum.
	for _, id := range ids {
		acc, err := svc.GetAccount(app.System, id)
		if err != nil {
			return err
		}
		var sum int64
		for _, e := range acc.Entries {
			sum += e.Amount
		}
		if sum != acc.Balance.Amount {
			return fmt.Errorf("partner %d: balance %d, ledger sum %d", id, acc.Balance.Amount, sum)
		}
	}
	out, _ := json.Marshal(map[string]any{"purchases": n.Load(), "seconds": elapsed.Seconds()})
	fmt.Fprintln(os.Stderr, string(out))
	return nil
}

// writeHeapProfile writes the allocations so far (go tool pprof
// -sample_index=alloc_space) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
