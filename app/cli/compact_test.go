package cli

import (
	"reflect"
	"strings"
	"testing"

	"licensedesk/app"
)

// licensedesk compact on a desk's data: the same products, partners,
// users, balances and licenses afterwards, the size before and after
// said on stdout; refused with one clear line while the server runs.
func TestCompactKeepsTheDeskAndRefusesWhileServing(t *testing.T) {
	dir := t.TempDir()
	svc := openSvc(t, dir)
	if _, err := svc.FillDemo(app.System); err != nil {
		t.Fatal(err)
	}
	licenses := func(svc *app.Service) []app.LicenseView {
		p, err := svc.ListLicenses(app.System, app.ListParams{PerPage: app.MaxPerPage, Sort: "id"})
		if err != nil {
			t.Fatal(err)
		}
		return p.Items
	}
	before := licenses(svc)
	svc.Close()
	snap := takeSnapshot(t, dir)

	s := startServe(t, dir)
	r := run(t, nil, "", "compact", "--data", dir, "--lock-timeout", "200ms")
	if r.code == 0 {
		t.Fatal("compact succeeded while the server ran")
	}
	oneErrorLine(t, r, "in use by a running licensedesk server", "stop the server before compacting")
	s.stop()

	r = mustRun(t, "", "compact", "--data", dir)
	if !strings.HasPrefix(r.stdout, "data file compacted: ") || !strings.Contains(r.stdout, " MiB -> ") {
		t.Errorf("stdout %q", r.stdout)
	}
	if after := takeSnapshot(t, dir); !reflect.DeepEqual(after, snap) {
		t.Errorf("the desk changed in compaction:\nbefore %+v\nafter  %+v", snap, after)
	}
	svc = openSvc(t, dir)
	if after := licenses(svc); !reflect.DeepEqual(after, before) {
		t.Errorf("%d licenses after compaction, %d before, or they differ", len(after), len(before))
	}
}
