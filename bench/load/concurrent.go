package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"licensedesk/storage"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// concurrent runs the many-users scenarios: each for a fixed time with a
// number of clients, every client one keep-alive connection sending its
// next request as soon as the last is answered.
type concurrent struct {
	get    func(token, path string, q url.Values) (int, error)
	client *http.Client
	base   string
	st     setup
	pid    int
	dur    time.Duration
	n      int

	stats func() storage.WriteStats // the desk's group commit figures
	only  string                    // run only the scenarios whose name holds this
	nonce string                    // in every note written: a rerun on the same data still changes it

	licenses int // the operator's total
	rows     []concResult
	mem      []string
}

type concResult struct {
	name         string
	clients      int
	requests     int
	rate         float64
	p50, p99, mx time.Duration
	note         string
}

func (c *concurrent) load(name string, clients int, do func(r *rand.Rand, i int) error) (concResult, error) {
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	deadline := time.Now().Add(c.dur)
	start := time.Now()
	ws0 := c.stats()
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w)+1, 99))
			var ds []time.Duration
			for i := 0; time.Now().Before(deadline); i++ {
				t := time.Now()
				if err := do(r, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					break
				}
				ds = append(ds, time.Since(t))
			}
			mu.Lock()
			all = append(all, ds...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if firstErr != nil {
		return concResult{}, fmt.Errorf("%s: %w", name, firstErr)
	}
	slices.Sort(all)
	q := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p))] }
	r := concResult{name: name, clients: clients, requests: len(all), rate: float64(len(all)) / took.Seconds(),
		p50: q(0.5), p99: q(0.99), mx: all[len(all)-1]}
	if ws := c.stats(); ws.Commits > ws0.Commits {
		n, w := ws.Commits-ws0.Commits, ws.Writes-ws0.Writes
		busy := ws.Busy - ws0.Busy
		r.note = fmt.Sprintf("%d commits of %.1f writes on average, %.2f ms each; writer busy %.0f %% of the time",
			n, float64(w)/float64(n), float64(busy.Microseconds())/float64(n)/1000, 100*busy.Seconds()/took.Seconds())
	}
	return r, nil
}

func (c *concurrent) patchNotes(id int, notes string) error {
	body, _ := json.Marshal(map[string]string{"notes": notes})
	req, _ := http.NewRequest("PATCH", c.base+"/api/v1/licenses/"+strconv.Itoa(id), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.st.opToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode == http.StatusNotFound {
		return nil // a deleted license: the write was refused, as it must be
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("PATCH license %d: status %d", id, resp.StatusCode)
	}
	return nil
}

// total fetches a list's total.
func (c *concurrent) total(q url.Values) (int, error) {
	req, _ := http.NewRequest("GET", c.base+"/api/v1/licenses?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+c.st.opToken)
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var page struct {
		Total int `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return 0, err
	}
	return page.Total, nil
}

// memory is what the process would need under pressure (anonymous and
// dirty pages) apart from clean page cache it maps (bbolt's file, Bleve's
// segments), from /proc/PID/smaps_rollup, in MiB.
func memory(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return "?"
	}
	v := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		k, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
		v[k] = n
	}
	dirty := v["Private_Dirty"] + v["Shared_Dirty"]
	clean := v["Rss"] - dirty
	return fmt.Sprintf("anonymous %d MiB, dirty %d MiB (needed); clean page cache mapped %d MiB", v["Anonymous"]/1024, dirty/1024, clean/1024)
}

func (c *concurrent) add(r concResult, err error) error {
	if err != nil {
		return err
	}
	c.rows = append(c.rows, r)
	c.mem = append(c.mem, r.name+": "+memory(c.pid))
	return nil
}

func (c *concurrent) run() error {
	var err error
	if c.licenses, err = c.total(url.Values{"per_page": {"1"}}); err != nil {
		return err
	}
	// Measure the desk as it runs, not as it starts: the first search
	// waits for the in-memory copy built at start-up, and the sort orders
	// built after it get a few seconds.
	for t0 := time.Now(); ; {
		t := time.Now()
		if _, err := c.total(url.Values{"q": {"*A*"}, "per_page": {"1"}}); err != nil {
			return err
		}
		if time.Since(t) < time.Second || time.Since(t0) > 3*time.Minute {
			break
		}
	}
	time.Sleep(5 * time.Second)
	op := c.st.opToken
	list := func(q url.Values) error { _, err := c.get(op, "/api/v1/licenses", q); return err }
	letters := "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	frag := func(r *rand.Rand, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = letters[r.IntN(len(letters))]
		}
		return string(b)
	}
	scenarios := []struct {
		name    string
		clients int
		do      func(r *rand.Rand, i int) error
	}{
		{"reads: one license by id", 64, func(r *rand.Rand, i int) error {
			_, err := c.get(op, "/api/v1/licenses/"+strconv.Itoa(1+r.IntN(c.licenses)), nil)
			if err != nil && strings.Contains(err.Error(), "status 404") {
				return nil
			}
			return err
		}},
		{"writes: note edit (PATCH notes), each durable before its answer", 32, func(r *rand.Rand, i int) error {
			return c.patchNotes(1+r.IntN(c.licenses), "bench note "+c.nonce+" "+strconv.Itoa(i))
		}},
		{"\"All\" tab, 50 rows, one user", 1, func(r *rand.Rand, i int) error {
			return list(url.Values{"per_page": {"50"}})
		}},
		{"\"All\" tab, 50 rows", 16, func(r *rand.Rand, i int) error {
			return list(url.Values{"per_page": {"50"}})
		}},
		{"`status=active` by expiry, pages 1–100", 16, func(r *rand.Rand, i int) error {
			return list(url.Values{"status": {"active"}, "sort": {"valid_to"}, "per_page": {"50"}, "page": {strconv.Itoa(1 + r.IntN(100))}})
		}},
		{"search `*XY*` (two characters), first page", 1, func(r *rand.Rand, i int) error {
			return list(url.Values{"q": {"*" + frag(r, 2) + "*"}, "per_page": {"50"}})
		}},
		{"search `*X*` (one character), first page", 1, func(r *rand.Rand, i int) error {
			return list(url.Values{"q": {"*" + frag(r, 1) + "*"}, "per_page": {"50"}})
		}},
		{"search `*XY*` (two characters), first page", 16, func(r *rand.Rand, i int) error {
			return list(url.Values{"q": {"*" + frag(r, 2) + "*"}, "per_page": {"50"}})
		}},
		{"search `*XXXX*`, first page", 16, func(r *rand.Rand, i int) error {
			return list(url.Values{"q": {"*" + c.st.fragments[r.IntN(len(c.st.fragments))] + "*"}, "per_page": {"50"}})
		}},
		{"searches with many matches (`stone`, `*O-11*`, `*1234*`), first page", 16, func(r *rand.Rand, i int) error {
			return list(url.Values{"q": {[]string{"stone", "*O-11*", "*1234*"}[i%3]}, "per_page": {"50"}})
		}},
	}
	for _, sc := range scenarios {
		if c.only != "" && !strings.Contains(sc.name, c.only) {
			continue
		}
		if err := c.add(c.load(sc.name+fmt.Sprintf(" (%d clients)", sc.clients), sc.clients, sc.do)); err != nil {
			return err
		}
	}
	if c.only != "" && !strings.Contains("mix", c.only) {
		return nil
	}
	// The mix: 32 writers and 32 readers at once, measured apart.
	var wr, rd concResult
	var werr, rerr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		wr, werr = c.load("mix: note edits (32 writers beside 32 readers)", 32, func(r *rand.Rand, i int) error {
			return c.patchNotes(1+r.IntN(c.licenses), "mix note "+c.nonce+" "+strconv.Itoa(i))
		})
	}()
	go func() {
		defer wg.Done()
		rd, rerr = c.load("mix: reads by id, list pages and `*XXXX*` searches (32 readers beside 32 writers)", 32, func(r *rand.Rand, i int) error {
			switch i % 3 {
			case 0:
				_, err := c.get(op, "/api/v1/licenses/"+strconv.Itoa(1+r.IntN(c.licenses)), nil)
				if err != nil && strings.Contains(err.Error(), "status 404") {
					return nil
				}
				return err
			case 1:
				return list(url.Values{"status": {"active"}, "sort": {"valid_to"}, "per_page": {"50"}, "page": {strconv.Itoa(1 + r.IntN(100))}})
			}
			return list(url.Values{"q": {"*" + c.st.fragments[r.IntN(len(c.st.fragments))] + "*"}, "per_page": {"50"}})
		})
	}()
	wg.Wait()
	if err := c.add(wr, werr); err != nil {
		return err
	}
	if err := c.add(rd, rerr); err != nil {
		return err
	}
	// Totals of searches with many matches, and what an export of the
	// same search holds.
	for _, q := range []string{"stone", "*O-11*", "*1234*", "*AB*", "*A*"} {
		t0 := time.Now()
		n, err := c.total(url.Values{"q": {q}, "per_page": {"50"}})
		if err != nil {
			return err
		}
		took := time.Since(t0)
		t0 = time.Now()
		rows, err := c.csvRows(url.Values{"q": {q}})
		if err != nil {
			return err
		}
		c.rows = append(c.rows, concResult{name: "total and export of `" + q + "`", clients: 1, requests: 1, p50: took, p99: took, mx: took,
			note: fmt.Sprintf("total %d; CSV export %d rows in %s", n, rows, time.Since(t0).Round(time.Millisecond))})
	}
	return nil
}

func (c *concurrent) csvRows(q url.Values) (int, error) {
	req, _ := http.NewRequest("GET", c.base+"/api/v1/licenses.csv?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+c.st.opToken)
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	recs, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		return 0, err
	}
	return len(recs) - 1, nil
}

func (c *concurrent) print() {
	fmt.Printf("| scenario | clients | requests | req/s | p50 | p99 | max | note |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range c.rows {
		fmt.Printf("| %s | %d | %d | %.0f | %s | %s | %s | %s |\n", r.name, r.clients, r.requests, r.rate,
			r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.mx.Round(10*time.Microsecond), r.note)
	}
	fmt.Println()
	fmt.Println("Memory after each scenario (from /proc/PID/smaps_rollup):")
	fmt.Println()
	for _, m := range c.mem {
		fmt.Println("- " + m)
	}
	fmt.Println()
}
