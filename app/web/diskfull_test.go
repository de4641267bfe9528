package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"licensedesk/app"
)

// Fault test (issue 7): the disk fills up mid-write. Writes fail with a
// clear error and write nothing, reads go on, nothing is corrupted, and
// writes work again once space returns. The data directory is a small
// tmpfs (mounting needs root; the test command runs as root).
func TestDiskFullMidWrite(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small file system needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	data := dir + "/data"
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := app.Open(app.Options{DataDir: data, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			svc.Close()
		}
	})
	f, err := New(svc, app.Defaults(), log)
	if err != nil {
		t.Fatal(err)
	}
	w := &webEnv{t: t, svc: svc, f: f}
	w.user("ops@example.com", 0)
	op := w.bearer("ops@example.com")
	wantStatus(t, "product", w.do(op, "POST", "/api/v1/products", productBody("av")), 201)
	p := w.partner("Acme")

	notes := strings.Repeat("n", 4900)
	var acked []uint64
	var full reply
	for i := 0; ; i++ {
		r := w.do(op, "POST", "/api/v1/licenses", fmt.Sprintf(`{"product_id":1,"edition":"business","seats":1,"period_months":12,"count":20,"partner_id":%d,"customer":"Kunde%d","notes":%q}`, p.ID, i, notes))
		if r.status != 201 {
			full = r
			break
		}
		var pg struct{ Items []struct{ ID uint64 } }
		r.json(t, &pg)
		for _, l := range pg.Items {
			acked = append(acked, l.ID)
		}
		if i > 200 {
			t.Fatal("4 MiB never filled up")
		}
	}
	if full.status != 507 {
		t.Fatalf("a write on a full disk: status %d, want 507: %s", full.status, full.body)
	}
	if e := full.apiError(t); e.Error.Code != "disk_full" || !strings.Contains(e.Error.Message, "disk is full") {
		t.Errorf("the full-disk error: %+v", e.Error)
	}
	if len(acked) == 0 {
		t.Fatal("nothing was written before the disk filled")
	}
	// Reads go on.
	r := w.do(op, "GET", "/api/v1/licenses?view=all&per_page=500", "")
	wantStatus(t, "list on a full disk", r, 200)
	var pg struct{ Total int }
	r.json(t, &pg)
	if pg.Total != len(acked) {
		t.Errorf("the list holds %d licenses on a full disk, %d were acknowledged", pg.Total, len(acked))
	}
	wantStatus(t, "get on a full disk", w.do(op, "GET", fmt.Sprintf("/api/v1/licenses/%d", acked[len(acked)-1]), ""), 200)

	// Space returns: writes work again, and nothing was corrupted.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	r = w.do(op, "POST", "/api/v1/licenses", fmt.Sprintf(`{"product_id":1,"edition":"business","seats":1,"period_months":12,"partner_id":%d,"customer":"Recovered"}`, p.ID))
	wantStatus(t, "a write once space returned", r, 201)
	closed = true
	if err := svc.Close(); err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Logf("close: %v", err)
	}
	svc, err = app.Open(app.Options{DataDir: data, Logger: log})
	if err != nil {
		t.Fatalf("reopen after the disk was full: %v", err)
	}
	defer svc.Close()
	problems, err := svc.Check()
	if err != nil || len(problems) > 0 {
		t.Errorf("the data file after the disk was full: %v %v", problems, err)
	}
	lp, err := svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"view": "all"}})
	if err != nil || lp.Total != len(acked)+1 {
		t.Errorf("after reopening: %d licenses (%v), want %d", lp.Total, err, len(acked)+1)
	}
	sp, err := svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"view": "all", "q": "recovered"}})
	if err != nil || sp.Total != 1 {
		t.Errorf("search after the disk was full: %d (%v)", sp.Total, err)
	}
}
