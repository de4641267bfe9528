package cli

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A closed ssh session sends SIGHUP to the server it started: it must stop
// as cleanly as on SIGTERM (exit 0, data file closed, pid file removed),
// not die on the signal's default action.
func TestSIGHUPStopsServeCleanly(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	s := startBinary(t, bin, dir)
	if _, err := os.Stat(filepath.Join(dir, "licensedesk.pid")); err != nil {
		t.Fatalf("no pid file while serving: %v", err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve did not stop cleanly on SIGHUP: %v (%s)", err, s.cmd.ProcessState)
		}
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		t.Fatal("serve did not stop within 30 s of SIGHUP")
	}
	if _, err := os.Stat(filepath.Join(dir, "licensedesk.pid")); !os.IsNotExist(err) {
		t.Fatalf("pid file left after SIGHUP: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "admin.sock")); err == nil {
		t.Fatal("admin socket left after SIGHUP")
	}
}
