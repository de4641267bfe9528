package main

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// viewScenarios measures the sorted and grouped views of the license list
// through the API and as the web UI's pages (one user, then 16 at once
// for dur): each request's time and the largest answer.
func viewScenarios(get func(token, path string, q url.Values) (int, error), token string, getWeb func(path string, q url.Values) (int, error), n int, dur time.Duration) ([]result, error) {
	type view struct {
		name string
		path string
		q    func(i int) url.Values
		web  bool
	}
	sorted := func(sort string) func(int) url.Values {
		return func(i int) url.Values {
			s := sort
			if i%2 == 1 {
				s = "-" + sort
			}
			return url.Values{"view": {"all"}, "sort": {s}, "per_page": {"50"}, "page": {strconv.Itoa(1 + i*37%1000)}}
		}
	}
	grouped := func(by string) func(int) url.Values {
		return func(i int) url.Values {
			return url.Values{"view": {"all"}, "by": {by}, "sort": {[]string{"count", "name"}[i%2]}, "page": {strconv.Itoa(1 + i%3)}}
		}
	}
	views := []view{
		{"all, sorted by name (random page 1–1000, both ways)", "/api/v1/licenses", sorted("name"), false},
		{"all, sorted by customer", "/api/v1/licenses", sorted("customer"), false},
		{"all, sorted by product", "/api/v1/licenses", sorted("product"), false},
		{"expired, sorted by name, page 200", "/api/v1/licenses", func(int) url.Values {
			return url.Values{"view": {"expired"}, "sort": {"name"}, "per_page": {"50"}, "page": {"200"}}
		}, false},
		{"groups by status (page of 50 groups)", "/api/v1/licenses/groups", grouped("status"), false},
		{"groups by product", "/api/v1/licenses/groups", grouped("product"), false},
		{"groups by partner", "/api/v1/licenses/groups", grouped("partner"), false},
		{"groups by customer", "/api/v1/licenses/groups", grouped("customer"), false},
	}
	// The same views as pages of the web UI (the list with its filter
	// bar, tabs and pager; groups as a page of collapsed groups).
	webGrouped := func(by string) func(int) url.Values {
		return func(i int) url.Values {
			return url.Values{"view": {"all"}, "group": {by}, "gsort": {[]string{"count", "name"}[i%2]}, "page": {strconv.Itoa(1 + i%3)}}
		}
	}
	views = append(views,
		view{"web page: all, sorted by name", "/licenses", sorted("name"), true},
		view{"web page: all, sorted by customer", "/licenses", sorted("customer"), true},
		view{"web page: all, sorted by product", "/licenses", sorted("product"), true},
		view{"web page: expired, sorted by name, page 200", "/licenses", func(int) url.Values {
			return url.Values{"view": {"expired"}, "sort": {"name"}, "page": {"200"}}
		}, true},
		view{"web page: grouped by status", "/licenses", webGrouped("status"), true},
		view{"web page: grouped by product", "/licenses", webGrouped("product"), true},
		view{"web page: grouped by partner", "/licenses", webGrouped("partner"), true},
		view{"web page: grouped by customer", "/licenses", webGrouped("customer"), true},
	)
	fetch := func(v view, i int) (int, error) {
		if v.web {
			return getWeb(v.path, v.q(i))
		}
		return get(token, v.path, v.q(i))
	}
	var out []result
	for _, v := range views {
		largest := 0
		r, err := measure(v.name, n, func(i int) error {
			nb, err := fetch(v, i)
			largest = max(largest, nb)
			return err
		})
		if err != nil {
			return nil, err
		}
		r.note = fmt.Sprintf("largest answer %d KB", largest/1024)
		out = append(out, r)
	}
	if dur <= 0 {
		return out, nil
	}
	// 16 users at once, each cycling through the views.
	var mu sync.Mutex
	var ds []time.Duration
	var firstErr error
	stop := time.Now().Add(dur)
	var wg sync.WaitGroup
	for u := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := u; time.Now().Before(stop); i += 16 {
				v := views[i%len(views)]
				t := time.Now()
				_, err := fetch(v, i)
				d := time.Since(t)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				ds = append(ds, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	slices.Sort(ds)
	q := func(p float64) time.Duration { return ds[min(len(ds)-1, int(float64(len(ds))*p))] }
	out = append(out, result{name: "16 users at once, every view above in turn", n: len(ds), p50: q(0.5), p99: q(0.99), worst: ds[len(ds)-1],
		note: fmt.Sprintf("%.0f req/s over %s", float64(len(ds))/dur.Seconds(), dur)})
	return out, nil
}
