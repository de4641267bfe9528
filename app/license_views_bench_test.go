package app

import (
	"math/rand/v2"
	"testing"
	"time"
)

// Sorted and grouped views at scale (see license_scale_bench_test.go):
//
//	LICENSEDESK_BENCH_DATA=/path/to/a/copy go test ./app -run XXX -bench 'Scale(Sort|Group)'
//
// The first request of a sort builds that column's cached order; warm
// reports how long it took, and the loop measures the requests after.

func warmSort(b *testing.B, sort string) {
	svc, _ := scaleService(b)
	t0 := time.Now()
	if _, err := svc.ListLicenses(System, ListParams{PerPage: 50, Sort: sort, Filters: map[string]string{"view": "all"}}); err != nil {
		b.Fatal(err)
	}
	b.Logf("first request of sort %s (builds its order): %v", sort, time.Since(t0))
}

func benchSort(b *testing.B, sort string, filters map[string]string, maxPage int) {
	warmSort(b, sort)
	benchList(b, func(r *rand.Rand) ListParams {
		s := sort
		if r.IntN(2) == 0 {
			s = "-" + sort
		}
		return ListParams{PerPage: 50, Page: 1 + r.IntN(maxPage), Sort: s, Filters: filters}
	})
}

func BenchmarkScaleSortName(b *testing.B) {
	benchSort(b, "name", map[string]string{"view": "all"}, 1000)
}

func BenchmarkScaleSortCustomer(b *testing.B) {
	benchSort(b, "customer", map[string]string{"view": "all"}, 1000)
}

func BenchmarkScaleSortProduct(b *testing.B) {
	benchSort(b, "product", map[string]string{"view": "all"}, 1000)
}

func BenchmarkScaleSortExpiredNamePage200(b *testing.B) {
	warmSort(b, "name")
	benchList(b, func(*rand.Rand) ListParams {
		return ListParams{PerPage: 50, Page: 200, Sort: "name", Filters: map[string]string{"view": "expired"}}
	})
}

func BenchmarkScaleSortCustomerSearch(b *testing.B) {
	benchSort(b, "customer", map[string]string{"view": "all", "q": "*A*"}, 100)
}

func benchGroup(b *testing.B, by string) {
	svc, _ := scaleService(b)
	r := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		order := GroupSorts[r.IntN(len(GroupSorts))]
		if _, err := svc.GroupLicensesPage(System, ListParams{Page: 1 + r.IntN(3), Filters: map[string]string{"view": "all"}}, by, order); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N)/1000, "cpu-ms/op")
}

func BenchmarkScaleGroupStatus(b *testing.B)   { benchGroup(b, "status") }
func BenchmarkScaleGroupProduct(b *testing.B)  { benchGroup(b, "product") }
func BenchmarkScaleGroupPartner(b *testing.B)  { benchGroup(b, "partner") }
func BenchmarkScaleGroupCustomer(b *testing.B) { benchGroup(b, "customer") }
func BenchmarkScaleGroupMonth(b *testing.B)    { benchGroup(b, "expiry_month") }
