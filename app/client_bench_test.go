package app_test

import (
	"fmt"
	"testing"

	"licensedesk/app"
)

// The client API's cost per call in the service, without HTTP: what a
// core spends on validate, activate of a known machine and a license
// file. go test -run X -bench Client ./app/
func benchClient(b *testing.B) (*app.Service, []app.ClientCall) {
	b.Helper()
	svc, _, p, prod := benchClientDesk(b)
	ls, err := svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 3, PeriodMonths: 12, PartnerID: p.ID, Count: 200})
	if err != nil {
		b.Fatal(err)
	}
	calls := make([]app.ClientCall, len(ls))
	for i, l := range ls {
		calls[i] = app.ClientCall{Key: l.Key, Fingerprint: fmt.Sprintf("machine-%d", i), Hostname: "h", Addr: "127.0.0.1"}
		if _, err := svc.ClientActivate(calls[i]); err != nil {
			b.Fatal(err)
		}
	}
	return svc, calls
}

func BenchmarkClientValidate(b *testing.B) {
	svc, calls := benchClient(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if st, err := svc.ClientValidate(calls[i%len(calls)]); err != nil || !st.Valid {
			b.Fatal(st, err)
		}
	}
}

func BenchmarkClientActivateKnown(b *testing.B) {
	svc, calls := benchClient(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if a, err := svc.ClientActivate(calls[i%len(calls)]); err != nil || !a.Already {
			b.Fatal(a, err)
		}
	}
}

func BenchmarkClientLicenseFile(b *testing.B) {
	svc, calls := benchClient(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := svc.ClientLicenseFile(calls[i%len(calls)]); err != nil {
			b.Fatal(err)
		}
	}
}

// benchClientDesk opens a desk in a temporary directory, on a clock the
// benchmark moves, with one partner and one product.
func benchClientDesk(b *testing.B) (*app.Service, *env, app.Partner, app.Product) {
	b.Helper()
	e := &env{dir: b.TempDir(), clk: newClock()}
	svc, err := app.Open(app.Options{DataDir: e.dir, Logger: quiet, Now: e.clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close() })
	p, err := svc.CreatePartner(app.System, app.PartnerInput{Name: ptr("Bench")})
	if err != nil {
		b.Fatal(err)
	}
	prod, err := svc.CreateProduct(app.System, productInput("bench"))
	if err != nil {
		b.Fatal(err)
	}
	return svc, e, p, prod
}
