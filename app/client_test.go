package app_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"licensedesk/app"
	"licensedesk/licensefile"
)

// clientEnv is a desk with one partner and licenses to call the client
// API with.
type clientEnv struct {
	*env
	partner app.Partner
	product app.Product
}

func newClientEnv(t *testing.T) *clientEnv {
	e := newEnv(t)
	return &clientEnv{env: e, partner: e.partner("Alpha Reseller"), product: e.product("backup")}
}

// license creates an unused license with seats machines.
func (c *clientEnv) license(seats int) app.LicenseView {
	c.t.Helper()
	ls, err := c.svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: c.product.ID, Edition: "business", Seats: seats, PeriodMonths: 12, PartnerID: c.partner.ID, Name: "Office"})
	if err != nil {
		c.t.Fatal(err)
	}
	return ls[0]
}

func call(l app.LicenseView, fp string) app.ClientCall {
	return app.ClientCall{Key: l.Key, Fingerprint: fp, Hostname: "host-" + fp, Addr: "203.0.113.5"}
}

func clientCode(t *testing.T, err error) string {
	t.Helper()
	var ce *app.ClientError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a client error with a code", err, err)
	}
	return ce.Code
}

func (c *clientEnv) validate(l app.LicenseView, fp string) app.ClientStatus {
	c.t.Helper()
	st, err := c.svc.ClientValidate(call(l, fp))
	if err != nil {
		c.t.Fatalf("validate %s: %v", fp, err)
	}
	return st
}

func TestClientValidateEveryState(t *testing.T) {
	c := newClientEnv(t)
	l := c.license(2)
	if st := c.validate(l, "machine-1"); st.Valid || st.Code != app.CodeNotActivated || st.ValidTo != nil {
		t.Fatalf("unused key: %+v", st)
	}
	a, err := c.svc.ClientActivate(call(l, "machine-1"))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Valid || a.Already || a.ValidTo == nil || !a.ValidTo.Equal(c.clk.Now().AddDate(1, 0, 0)) {
		t.Fatalf("first activation should start a 12-month period now: %+v", a)
	}
	if st := c.validate(l, "machine-1"); !st.Valid || st.Code != app.CodeOK || st.SeatsUsed != 1 {
		t.Fatalf("activated machine: %+v", st)
	}
	if st := c.validate(l, "machine-2"); st.Valid || st.Code != app.CodeMachineNotActivated {
		t.Fatalf("other machine, a seat free: %+v", st)
	}
	// Typed in lower case with spaces: the same key.
	lower := call(l, "machine-1")
	lower.Key = "  " + string([]rune(l.Key)) + " "
	if st, err := c.svc.ClientValidate(lower); err != nil || !st.Valid {
		t.Fatalf("key with spaces: %+v %v", st, err)
	}
	if st := c.validate(app.LicenseView{License: app.License{Key: "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ"}}, "machine-1"); st.Valid || st.Code != app.CodeUnknownKey || st.ValidTo != nil {
		t.Fatalf("unknown key: %+v", st)
	}
	if _, err := c.svc.SuspendLicense(app.System, l.ID); err != nil {
		t.Fatal(err)
	}
	if st := c.validate(l, "machine-1"); st.Valid || st.Code != app.CodeSuspended {
		t.Fatalf("suspended: %+v", st)
	}
	if _, err := c.svc.EnableLicense(app.System, l.ID); err != nil {
		t.Fatal(err)
	}
	c.clk.Advance(366 * 24 * time.Hour)
	if st := c.validate(l, "machine-1"); st.Valid || st.Code != app.CodeExpired {
		t.Fatalf("past its end: %+v", st)
	}
	l2 := c.license(1)
	if _, err := c.svc.ClientActivate(call(l2, "m-2")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.svc.CancelLicense(app.System, l2.ID); err != nil {
		t.Fatal(err)
	}
	if st := c.validate(l2, "m-2"); st.Valid || st.Code != app.CodeCancelled {
		t.Fatalf("cancelled: %+v", st)
	}
	l3 := c.license(1)
	if err := c.svc.DeleteLicense(app.System, l3.ID); err != nil {
		t.Fatal(err)
	}
	if st := c.validate(l3, "m-3"); st.Valid || st.Code != app.CodeUnknownKey {
		t.Fatalf("deleted: %+v", st)
	}
	// A bought key never activated within its window expires unused.
	l4 := c.license(1)
	c.clk.Advance(13 * 31 * 24 * time.Hour)
	if st := c.validate(l4, "m-4"); st.Code != app.CodeExpired {
		t.Fatalf("unused past the activation window: %+v", st)
	}
	if _, err := c.svc.ClientActivate(call(l4, "m-4")); clientCode(t, err) != app.CodeExpired {
		t.Fatalf("activating a lapsed key: %v", err)
	}
}

func TestClientActivateIdempotentAndSeatLimit(t *testing.T) {
	c := newClientEnv(t)
	l := c.license(2)
	for i := 0; i < 3; i++ {
		a, err := c.svc.ClientActivate(call(l, "m-1"))
		if err != nil || !a.Valid || a.Already != (i > 0) || a.Hostname != "host-m-1" {
			t.Fatalf("activation %d of the same machine: %+v %v", i, a, err)
		}
	}
	if _, err := c.svc.ClientActivate(call(l, "m-2")); err != nil {
		t.Fatal(err)
	}
	_, err := c.svc.ClientActivate(call(l, "m-3"))
	if clientCode(t, err) != app.CodeMachineLimit {
		t.Fatalf("third machine on two seats: %v", err)
	}
	ms, err := c.svc.LicenseMachines(app.System, l.ID)
	if err != nil || len(ms) != 2 || ms[0].Machine != "m-1" || ms[1].Machine != "m-2" || ms[0].Hostname != "host-m-1" {
		t.Fatalf("machines: %+v %v", ms, err)
	}
	// Deactivating frees the seat for another machine.
	if st, err := c.svc.ClientDeactivate(call(l, "m-1")); err != nil || st.SeatsUsed != 1 {
		t.Fatalf("deactivate: %+v %v", st, err)
	}
	if _, err := c.svc.ClientDeactivate(call(l, "m-1")); clientCode(t, err) != app.CodeMachineNotActivated {
		t.Fatalf("deactivating twice: %v", err)
	}
	if _, err := c.svc.ClientActivate(call(l, "m-3")); err != nil {
		t.Fatalf("m-3 after a seat was freed: %v", err)
	}
	h, err := c.svc.LicenseHistory(app.System, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range h {
		actions[e.Action]++
	}
	if actions["client.activate"] < 3 || actions["client.deactivate"] != 1 {
		t.Fatalf("history actions %v", actions)
	}
}

func TestClientConcurrentActivationsNeverExceedSeats(t *testing.T) {
	c := newClientEnv(t)
	l := c.license(3)
	codes := codesAtOnce(24, func(i int) error {
		_, err := c.svc.ClientActivate(call(l, fmt.Sprintf("machine-%02d", i%12))) // each machine twice
		return err
	})
	ms, err := c.svc.LicenseMachines(app.System, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 {
		t.Fatalf("%d machines on 3 seats (answers %v)", len(ms), codes)
	}
	// Each registered machine may have been answered twice (the second
	// time as already registered); everything else was refused.
	if codes[app.CodeOK] < 3 || codes[app.CodeOK] > 6 || codes[app.CodeOK]+codes[app.CodeMachineLimit] != 24 {
		t.Fatalf("answers %v", codes)
	}
}

func TestClientBadInputWritesNothing(t *testing.T) {
	c := newClientEnv(t)
	l := c.license(1)
	cases := []struct {
		in   app.ClientCall
		code string
	}{
		{app.ClientCall{Key: "", Fingerprint: "m-1"}, app.CodeBadKey},
		{app.ClientCall{Key: "short", Fingerprint: "m-1"}, app.CodeBadKey},
		{app.ClientCall{Key: l.Key + l.Key + l.Key, Fingerprint: "m-1"}, app.CodeBadKey},
		{app.ClientCall{Key: "ABCDE-ÄBCDE-ABCDE", Fingerprint: "m-1"}, app.CodeBadKey},
		{app.ClientCall{Key: "ABCDE-ABC\x00E-ABCDE", Fingerprint: "m-1"}, app.CodeBadKey},
		{app.ClientCall{Key: l.Key, Fingerprint: ""}, app.CodeBadFingerprint},
		{app.ClientCall{Key: l.Key, Fingerprint: "m 1 with spaces"}, app.CodeBadFingerprint},
		{app.ClientCall{Key: l.Key, Fingerprint: string(make([]byte, 200))}, app.CodeBadFingerprint},
		{app.ClientCall{Key: l.Key, Fingerprint: "m-1", Hostname: "evil\nhost"}, app.CodeBadHostname},
	}
	for _, cs := range cases {
		_, err := c.svc.ClientActivate(cs.in)
		if got := clientCode(t, err); got != cs.code {
			t.Errorf("activate %+v: %s, want %s", cs.in, got, cs.code)
		}
		if cs.in.Hostname == "" {
			if _, err := c.svc.ClientValidate(cs.in); clientCode(t, err) != cs.code {
				t.Errorf("validate %+v: %v", cs.in, err)
			}
		}
	}
	got, err := c.svc.GetLicense(app.System, l.ID)
	if err != nil || len(got.Registrations) != 0 || got.Status != app.StatusOrdered {
		t.Fatalf("after bad calls: %+v %v", got.License, err)
	}
}

func TestClientGuessingIsLimitedAndAudited(t *testing.T) {
	c := newClientEnv(t)
	l := c.license(1)
	guess := app.ClientCall{Fingerprint: "m-1", Addr: "198.51.100.66"}
	for i := 0; i < 60; i++ {
		guess.Key = fmt.Sprintf("AAAAA-AAAAA-AAAAA-AAAAA-%05d", i)
		st, err := c.svc.ClientValidate(guess)
		if err != nil || st.Code != app.CodeUnknownKey {
			t.Fatalf("guess %d: %+v %v", i, st, err)
		}
	}
	// Locked: even a good key from that address is refused now...
	good := call(l, "m-1")
	good.Addr = guess.Addr
	if _, err := c.svc.ClientValidate(good); clientCode(t, err) != app.CodeRateLimited {
		t.Fatalf("after 60 wrong keys: %v", err)
	}
	// ...while another address is not affected.
	if st := c.validate(l, "m-1"); st.Code != app.CodeNotActivated {
		t.Fatalf("another address: %+v", st)
	}
	c.svc.Close() // waits for the audit written in the background
	c.svc = nil
	c.open()
	if !c.audited("client.locked", "client API", guess.Addr) {
		t.Fatal("the lock-out is not in the audit log")
	}
	// The window passes.
	c.clk.Advance(16 * time.Minute)
	if _, err := c.svc.ClientValidate(good); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestClientLicenseFileVerifiesOffline(t *testing.T) {
	c := newClientEnv(t)
	l := c.license(2)
	if _, err := c.svc.ClientLicenseFile(call(l, "m-1")); clientCode(t, err) != app.CodeNotActivated {
		t.Fatalf("file for an unused key: %v", err)
	}
	if _, err := c.svc.ClientActivate(call(l, "m-1")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.svc.ClientLicenseFile(call(l, "m-2")); clientCode(t, err) != app.CodeMachineNotActivated {
		t.Fatalf("file for an unregistered machine: %v", err)
	}
	f, err := c.svc.ClientLicenseFile(call(l, "m-1"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.svc.ClientPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	now := c.clk.Now()
	p, err := licensefile.Verify(f, k.Public, "m-1", now)
	if err != nil {
		t.Fatalf("the server's file does not verify: %v\n%s", err, f)
	}
	lv, _ := c.svc.GetLicense(app.System, l.ID)
	if p.Key != l.Key || p.Seats != 2 || p.Product != c.product.Name || p.Edition != "business" || p.KeyID != k.ID ||
		!p.ValidTo.Equal(*lv.ValidTo) || !p.ExpiresAt.Equal(now.Add(app.LicenseFileTTL)) || p.Machine != "m-1" {
		t.Fatalf("payload %+v", p)
	}
	if _, err := licensefile.Verify(f, k.Public, "m-2", now); !errors.Is(err, licensefile.ErrOtherMachine) {
		t.Fatalf("on another machine: %v", err)
	}
	if _, err := licensefile.Verify(f, k.Public, "m-1", now.Add(app.LicenseFileTTL)); !errors.Is(err, licensefile.ErrExpired) {
		t.Fatalf("after the file's expiry: %v", err)
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if _, err := licensefile.Verify(f, other, "m-1", now); !errors.Is(err, licensefile.ErrUnknownKey) {
		t.Fatalf("against another key: %v", err)
	}

	// Rotation: new files name the new key; the old file still verifies
	// with the old public key until it expires.
	nk, err := c.svc.RotateSigningKey(app.System)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := c.svc.ClientLicenseFile(call(l, "m-1"))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := licensefile.Verify(f2, nk.Public, "m-1", now)
	if err != nil || p2.KeyID != nk.ID || nk.ID == k.ID {
		t.Fatalf("file after rotation: %+v %v", p2, err)
	}
	if _, err := licensefile.Verify(f2, k.Public, "m-1", now); !errors.Is(err, licensefile.ErrUnknownKey) {
		t.Fatalf("new file against the old key: %v", err)
	}
	if _, err := licensefile.VerifyAny(f, []ed25519.PublicKey{nk.Public, k.Public}, "m-1", now); err != nil {
		t.Fatalf("old file with the old key kept: %v", err)
	}
	// Suspending revokes: no new file.
	if _, err := c.svc.SuspendLicense(app.System, l.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.svc.ClientLicenseFile(call(l, "m-1")); clientCode(t, err) != app.CodeSuspended {
		t.Fatalf("file for a suspended license: %v", err)
	}
}

func TestClientLastSeenKeptAcrossRestart(t *testing.T) {
	c := newClientEnv(t)
	l := c.license(1)
	if _, err := c.svc.ClientActivate(call(l, "m-1")); err != nil {
		t.Fatal(err)
	}
	activated := c.clk.Now()
	c.clk.Advance(2 * time.Hour)
	c.validate(l, "m-1")
	c.reopen() // the pending time is written on close
	ms, err := c.svc.LicenseMachines(app.System, l.ID)
	if err != nil || len(ms) != 1 || ms[0].LastSeen == nil || !ms[0].LastSeen.Equal(activated.Add(2*time.Hour)) {
		t.Fatalf("machines %+v %v", ms, err)
	}
	// The partner removes the machine from the license page.
	p := c.partnerUser(c.partner, "alice@alpha.example")
	if _, err := c.svc.RemoveMachine(p, l.ID, "m-1"); err != nil {
		t.Fatal(err)
	}
	if st := c.validate(l, "m-1"); st.Code != app.CodeMachineNotActivated {
		t.Fatalf("after removal: %+v", st)
	}
	// Another partner's license is not found.
	other := c.env.partner("Beta Reseller")
	q := c.partnerUser(other, "bob@beta.example")
	if _, err := c.svc.RemoveMachine(q, l.ID, "m-1"); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("another partner removing a machine: %v", err)
	}
	if _, err := c.svc.LicenseMachines(q, l.ID); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("another partner listing machines: %v", err)
	}
}

// A key of another install is answered exactly like a key that does not
// exist: nothing tells them apart.
func TestClientKeyOfAnotherInstall(t *testing.T) {
	here, there := newClientEnv(t), newClientEnv(t)
	theirs := there.license(1)
	if _, err := there.svc.ClientActivate(call(theirs, "m-1")); err != nil {
		t.Fatal(err)
	}
	other := call(theirs, "m-1")
	made := app.ClientCall{Key: app.NewLicenseKey(), Fingerprint: "m-1", Addr: other.Addr}
	a, errA := here.svc.ClientValidate(other)
	b, errB := here.svc.ClientValidate(made)
	if errA != nil || errB != nil || a != b || a.Code != app.CodeUnknownKey {
		t.Fatalf("another install's key %+v %v, a made-up one %+v %v", a, errA, b, errB)
	}
	_, errA = here.svc.ClientActivate(other)
	_, errB = here.svc.ClientActivate(made)
	if clientCode(t, errA) != app.CodeUnknownKey || errA.Error() != errB.Error() {
		t.Fatalf("activate: %v / %v", errA, errB)
	}
	_, errA = here.svc.ClientLicenseFile(other)
	_, errB = here.svc.ClientLicenseFile(made)
	if clientCode(t, errA) != app.CodeUnknownKey || errA.Error() != errB.Error() {
		t.Fatalf("license-file: %v / %v", errA, errB)
	}
}

// TestClientDeactivationsPerLicenseAreBounded: a client that activates
// and deactivates in a loop is stopped after 60 deactivations of one
// license in 15 minutes (429 rate_limited, nothing written), another
// license is not held up, and the window passing lets it go on.
func TestClientDeactivationsPerLicenseAreBounded(t *testing.T) {
	c := newClientEnv(t)
	l, other := c.license(1), c.license(1)
	for i := range 60 {
		if _, err := c.svc.ClientActivate(call(l, "loop")); err != nil {
			t.Fatalf("activation %d: %v", i, err)
		}
		if _, err := c.svc.ClientDeactivate(call(l, "loop")); err != nil {
			t.Fatalf("deactivation %d: %v", i, err)
		}
	}
	if _, err := c.svc.ClientActivate(call(l, "loop")); err != nil {
		t.Fatal(err)
	}
	before, err := c.svc.LicenseHistory(app.System, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.svc.ClientDeactivate(call(l, "loop")); clientCode(t, err) != app.CodeRateLimited {
		t.Fatalf("the 61st deactivation in the window: %v", err)
	}
	after, _ := c.svc.LicenseHistory(app.System, l.ID)
	if st := c.validate(l, "loop"); !st.Valid || len(after) != len(before) {
		t.Fatalf("a refused deactivation changed the license: valid %v, history %d → %d", st.Valid, len(before), len(after))
	}
	if _, err := c.svc.ClientActivate(call(other, "m")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.svc.ClientDeactivate(call(other, "m")); err != nil {
		t.Fatalf("another license is held up: %v", err)
	}
	c.clk.Set(c.clk.Now().Add(16 * time.Minute))
	if _, err := c.svc.ClientDeactivate(call(l, "loop")); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// TestClientDeactivationLimitHoldsAtOnce: 70 deactivations of one
// license at once: exactly 60 pass, the rest are refused with nothing
// written.
func TestClientDeactivationLimitHoldsAtOnce(t *testing.T) {
	c := newClientEnv(t)
	l := c.license(70)
	for i := range 70 {
		if _, err := c.svc.ClientActivate(call(l, fmt.Sprintf("m-%02d", i))); err != nil {
			t.Fatal(err)
		}
	}
	codes := codesAtOnce(70, func(i int) error {
		_, err := c.svc.ClientDeactivate(call(l, fmt.Sprintf("m-%02d", i)))
		return err
	})
	if codes[app.CodeOK] != 60 || codes[app.CodeRateLimited] != 10 {
		t.Fatalf("70 deactivations at once: %v, want 60 ok and 10 rate_limited", codes)
	}
	if st := c.validate(l, "m-00"); st.SeatsUsed != 10 {
		t.Fatalf("%d machines left registered, want the 10 refused", st.SeatsUsed)
	}
}

// codesAtOnce runs call(0) … call(n-1) at once and counts the answers by
// client code (ok for none; an error without a code by its text).
func codesAtOnce(n int, call func(i int) error) map[string]int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for i := range n {
		wg.Go(func() {
			err := call(i)
			code := app.CodeOK
			var ce *app.ClientError
			if errors.As(err, &ce) {
				code = ce.Code
			} else if err != nil {
				code = err.Error()
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return codes
}
