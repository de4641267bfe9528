package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"licensedesk/app"
	"licensedesk/app/cli"
	"licensedesk/app/web"
)

// The client API scenario (--client): what licensed software does, with
// many concurrent keep-alive connections against the client API's own
// listener (client_addr), on a data directory filled by bench/gen.
//
// Before measuring it registers one machine on each of --machines active
// licenses (the known machines); the new-machine scenario activates a
// fresh fingerprint on other active licenses, one license per request.

type clientKeys struct {
	known []string // keys with machine "bench-<key>" registered
	spare []string // active keys for new machines
}

func prepareClient(svc *app.Service, machines, spare int) (clientKeys, error) {
	var ck clientKeys
	for page := 1; len(ck.known)+len(ck.spare) < machines+spare; page++ {
		p, err := svc.ListLicenses(app.System, app.ListParams{Page: page, PerPage: 500, Sort: "id", Filters: map[string]string{"status": "active", "view": "all"}})
		if err != nil {
			return ck, err
		}
		if len(p.Items) == 0 {
			return ck, fmt.Errorf("only %d active licenses with a free seat", len(ck.known)+len(ck.spare))
		}
		for _, l := range p.Items {
			if l.ValidTo == nil || l.ValidTo.Before(time.Now().Add(24*time.Hour)) || len(l.Registrations) >= l.Seats {
				continue
			}
			if len(ck.known) < machines {
				ck.known = append(ck.known, l.Key)
			} else if len(ck.spare) < spare {
				ck.spare = append(ck.spare, l.Key)
			}
		}
	}
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ck.known); i += 8 {
				k := ck.known[i]
				if _, err := svc.ClientActivate(app.ClientCall{Key: k, Fingerprint: "bench-" + app.NormaliseKey(k), Hostname: "bench", Addr: "127.0.0.1"}); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		return ck, fmt.Errorf("%d of %d machines could not be registered", n, len(ck.known))
	}
	return ck, nil
}

type loadResult struct {
	name     string
	n        int
	perSec   float64
	p50, p99 time.Duration
	codes    map[int]int
}

// hammer runs body from conns goroutines for dur and records latencies
// and statuses.
func hammer(name string, conns int, dur time.Duration, tr *http.Transport, body func(worker, i int) (method, path string, payload []byte)) loadResult {
	var mu sync.Mutex
	var all []time.Duration
	codes := map[int]int{}
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(dur)
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
			ds := make([]time.Duration, 0, 1<<14)
			my := map[int]int{}
			for i := 0; time.Now().Before(deadline); i++ {
				method, path, payload := body(w, i)
				req, _ := http.NewRequest(method, path, bytes.NewReader(payload))
				req.Header.Set("Content-Type", "application/json")
				t := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					my[-1]++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				ds = append(ds, time.Since(t))
				my[resp.StatusCode]++
			}
			mu.Lock()
			all = append(all, ds...)
			for k, v := range my {
				codes[k] += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	took := time.Since(start)
	slices.Sort(all)
	q := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(float64(len(all))*p))]
	}
	return loadResult{name: name, n: len(all), perSec: float64(len(all)) / took.Seconds(), p50: q(0.5), p99: q(0.99), codes: codes}
}

func runClient(data string, conns int, dur time.Duration, machines int) error {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := app.Open(app.Options{DataDir: data, Logger: log})
	if err != nil {
		return err
	}
	defer svc.Close()
	t := time.Now()
	spare := int(dur.Seconds()) * 8000 // more than the new-machine scenario uses at 5,000/s
	ck, err := prepareClient(svc, machines, spare)
	if err != nil {
		return err
	}
	fmt.Printf("prepared %d known machines, %d spare licenses in %s\n\n", len(ck.known), len(ck.spare), time.Since(t).Round(time.Millisecond))
	addr, err := freePort()
	if err != nil {
		return err
	}
	cfg := app.Defaults()
	cfg.ClientAddr = addr
	defer cli.HoldGCHeadroom(cli.GCHeadroom)() // as licensedesk serve does
	srv := web.NewClient(svc, cfg, log)
	go srv.Listen(addr)
	defer srv.Shutdown()
	base := "http://" + addr + "/api/v1/client/"
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	for i := 0; ; i++ {
		resp, err := http.Get(base + "public-key")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i > 1000 {
			return fmt.Errorf("client API did not answer: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	call := func(key, fp string, host bool) []byte {
		m := map[string]string{"key": key, "fingerprint": fp}
		if host {
			m["hostname"] = "bench"
		}
		b, _ := json.Marshal(m)
		return b
	}
	known := func(w, i int) string { return ck.known[(w*7919+i)%len(ck.known)] }
	var results []loadResult
	results = append(results, hammer("validate, registered machine", conns, dur, tr, func(w, i int) (string, string, []byte) {
		k := known(w, i)
		return "POST", base + "validate", call(k, "bench-"+app.NormaliseKey(k), false)
	}))
	results = append(results, hammer("activate, machine already registered", conns, dur, tr, func(w, i int) (string, string, []byte) {
		k := known(w, i)
		return "POST", base + "activate", call(k, "bench-"+app.NormaliseKey(k), true)
	}))
	var next atomic.Int64
	results = append(results, hammer("activate, new machine", conns, dur, tr, func(w, i int) (string, string, []byte) {
		n := int(next.Add(1))
		k := ck.spare[n%len(ck.spare)]
		return "POST", base + "activate", call(k, "new-"+strconv.Itoa(n), true)
	}))
	results = append(results, hammer("license-file", conns, dur, tr, func(w, i int) (string, string, []byte) {
		k := known(w, i)
		return "POST", base + "license-file", call(k, "bench-"+app.NormaliseKey(k), false)
	}))
	fmt.Printf("%d concurrent keep-alive connections, %s per scenario, client API on its own listener\n\n", conns, dur)
	fmt.Printf("| scenario | requests | per second | p50 | p99 | statuses |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		fmt.Printf("| %s | %d | %.0f | %s | %s | %v |\n", r.name, r.n, r.perSec, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.codes)
	}
	return nil
}
