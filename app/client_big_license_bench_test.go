package app_test

import (
	"fmt"
	"testing"

	"licensedesk/app"
)

// BenchmarkClientBigLicense: what a call costs on one license with many
// machines. A license keeps its machines in its own record, so each
// activation rewrites them all and each validate reads them all: the
// cost grows with the machines, unlike the per-call figures above (3
// seats). go test -run X -bench ClientBigLicense -benchtime 200x ./app/
func BenchmarkClientBigLicense(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		svc, _, p, prod := benchClientDesk(b)
		ls, err := svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: n + 100000, PeriodMonths: 12, PartnerID: p.ID})
		if err != nil {
			b.Fatal(err)
		}
		call := func(m string) app.ClientCall {
			return app.ClientCall{Key: ls[0].Key, Fingerprint: m, Hostname: "h", Addr: "127.0.0.1"}
		}
		for i := range n {
			if _, err := svc.ClientActivate(call(fmt.Sprintf("machine-%06d", i))); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("machines=%d/validate", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if st, err := svc.ClientValidate(call(fmt.Sprintf("machine-%06d", i%n))); err != nil || !st.Valid {
					b.Fatal(st, err)
				}
			}
		})
		b.Run(fmt.Sprintf("machines=%d/activate-new", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, err := svc.ClientActivate(call(fmt.Sprintf("new-%06d-%d", i, n))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
