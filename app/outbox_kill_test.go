package app_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

const killChildEnv = "LICENSEDESK_OUTBOX_KILL_CHILD" // "dir|smtp addr"

// TestOutboxSurvivesKill9 kills a process with -9 while it is handing a
// mail to the SMTP server, with more mails queued behind it. The next
// start loses none of them and the server ends up with each exactly once.
func TestOutboxSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	ss := newSMTPServer(t)
	holding, release := ss.holdNextData()
	defer release()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOutboxKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir+"|"+ss.addr)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-holding: // the child is in the middle of sending mail 1
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the child never started sending:\n%s", out)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup runs
		t.Fatal(err)
	}
	cmd.Wait()
	release()

	clk := newClock()
	svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet, Now: clk.Now, SMTP: ss.config()})
	if err != nil {
		t.Fatalf("open after kill -9: %v\nchild said:\n%s", err, out)
	}
	defer svc.Close()
	page, err := svc.ListOutbox(app.System, app.ListParams{PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 5 {
		t.Fatalf("%d mails after the kill, want the 5 the child queued", page.Total)
	}
	for _, m := range page.Items {
		if m.State != app.MailQueued {
			t.Errorf("mail %d is %s after the restart, want queued", m.ID, m.State)
		}
		if m.ID == 1 && (m.Attempts != 1 || !strings.Contains(m.LastError, "stopped while this mail was being sent")) {
			t.Errorf("the mail in flight: %+v", m)
		}
	}
	if n, err := svc.SendDueMail(context.Background()); err != nil || n != 5 {
		t.Fatalf("sent %d, %v; want 5", n, err)
	}
	seen := map[string]int{}
	for _, r := range ss.received() {
		for _, l := range strings.Split(string(r.Data), "\r\n") {
			if strings.HasPrefix(strings.ToLower(l), "subject: ") {
				seen[l]++
			}
		}
	}
	if len(seen) != 5 {
		t.Fatalf("the server has %d distinct mails (%v), want 5", len(seen), seen)
	}
	for subj, n := range seen {
		if n != 1 {
			t.Errorf("%s arrived %d times", subj, n)
		}
	}
}

// TestOutboxKillChild is the process TestOutboxSurvivesKill9 kills: it
// queues five mails and starts sending them.
func TestOutboxKillChild(t *testing.T) {
	spec := os.Getenv(killChildEnv)
	if spec == "" {
		t.Skip("run by TestOutboxSurvivesKill9")
	}
	dir, addr, _ := strings.Cut(spec, "|")
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet, Now: newClock().Now,
		SMTP: app.SMTPConfig{Host: host, Port: p, Security: app.SMTPNone, From: "desk@desk.example", Timeout: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		in := invoiceMail(0)
		in.Subject = fmt.Sprintf("Mail number %d", i)
		if _, err := svc.QueueMail(app.System, in); err != nil {
			t.Fatal(err)
		}
	}
	svc.SendDueMail(context.Background()) // hangs in mail 1 until killed
	t.Fatal("the send returned; it should have been killed")
}
