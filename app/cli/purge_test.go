package cli

import (
	"context"
	"sync"
	"testing"
	"time"

	"licensedesk/app"
	"licensedesk/storage"
)

// TestPurgeSessions: the background purge deletes sessions once they
// expire, and stops with its context.
func TestPurgeSessions(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	svc, err := app.Open(app.Options{DataDir: t.TempDir(), Logger: quiet, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	email, pw, role := "ops@example.com", "operator-secret-1", app.RoleOperator
	if _, err := svc.CreateUser(app.System, app.UserInput{Email: &email, Password: &pw, Role: &role}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Login(email, pw, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	sessions := func() int {
		n := 0
		svc.DB().View(func(tx *storage.Tx) error { n = tx.Count(storage.Sessions); return nil })
		return n
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { purgeSessions(ctx, svc, quiet, 5*time.Millisecond); close(done) }()
	time.Sleep(50 * time.Millisecond)
	if n := sessions(); n != 1 {
		t.Fatalf("a live session was purged: %d left", n)
	}
	mu.Lock()
	now = now.Add(app.SessionTTL + time.Minute)
	mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for sessions() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the expired session was not purged")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("purge loop did not stop with its context")
	}
}
