package storage

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A start that fails after taking the lock (a migration that cannot
// write, a full disk) must leave no pid file behind: nothing runs.
func TestFailedOpenLeavesNoPIDFile(t *testing.T) {
	dir := t.TempDir()
	failing := Migration{Version: SchemaVersion() + 1, Name: "fails", Up: func(*Tx) error { return errors.New("disk full") }}
	if _, err := Open(dir, Options{Holder: "import", Migrations: []Migration{failing}}); err == nil {
		t.Fatal("Open succeeded with a failing migration")
	}
	if _, err := os.Stat(filepath.Join(dir, pidFile)); !os.IsNotExist(err) {
		b, _ := os.ReadFile(filepath.Join(dir, pidFile))
		t.Fatalf("a failed open left the pid file %q (%v)", b, err)
	}
}
