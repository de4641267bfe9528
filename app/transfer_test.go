package app_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// transferFix is the license fixture with one license of partner A that
// has a customer, registrations and private notes.
func transferFix(t *testing.T) (*licFix, app.LicenseView) {
	t.Helper()
	f := newLicFix(t)
	in := f.lic()
	in.PartnerID, in.Name, in.Customer, in.IP = f.pa.ID, "Head office", "Dr. Wu Clinic", "10.1.2.3"
	l := f.one(f.ua, in)
	notes := "alpha's private margin note"
	if _, err := f.svc.EditLicense(f.ua, l.ID, app.LicenseEdit{Notes: &notes}); err != nil {
		t.Fatal(err)
	}
	return f, f.get(l.ID)
}

func wantState(t *testing.T, f *licFix, a app.Actor, id uint64, want app.TransferState) app.Transfer {
	t.Helper()
	tr, err := f.svc.GetTransfer(a, id)
	if err != nil {
		t.Fatalf("get transfer %d as %s: %v", id, a.Email, err)
	}
	if tr.State != want {
		t.Fatalf("transfer %d is %s, want %s", id, tr.State, want)
	}
	return tr
}

func TestTransferHandOverAndApprove(t *testing.T) {
	t.Parallel()
	f, l := transferFix(t)
	tr, err := f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: strings.ToLower(f.pb.PublicID)})
	if err != nil {
		t.Fatal(err)
	}
	if tr.State != app.TransferPending || tr.TargetName != "Beta MSP" || tr.Count != 1 {
		t.Errorf("created %+v", tr)
	}
	// At least 80 bits, in groups, no look-alike characters.
	if !regexp.MustCompile(`^([2-9A-HJKMNP-TV-Z]{4}-){4}[2-9A-HJKMNP-TV-Z]{4}$`).MatchString(tr.Secret) {
		t.Errorf("secret %q", tr.Secret)
	}
	// Shown once: reading the transfer again does not give it.
	again := wantState(t, f, f.ua, tr.ID, app.TransferPending)
	if again.Secret != "" {
		t.Error("the secret is readable after creation")
	}
	// The receiver sees what the confirm page names, not the key.
	in := wantState(t, f, f.ub, tr.ID, app.TransferPending)
	if len(in.Licenses) != 1 || in.Licenses[0].Name != "Head office" || in.Licenses[0].Customer != "Dr. Wu Clinic" ||
		in.Licenses[0].IP != "10.1.2.3" || in.Licenses[0].Key != "" {
		t.Errorf("receiver's view before approval: %+v", in.Licenses)
	}
	// A third partner sees nothing of it.
	if _, err := f.svc.GetTransfer(f.uc, tr.ID); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("third partner: %v", err)
	}
	if ls, _ := f.svc.ListTransfers(f.uc, app.TransferFilter{}); len(ls) != 0 {
		t.Errorf("third partner lists %d transfers", len(ls))
	}
	if n := f.svc.PendingIncoming(f.ub); n != 1 {
		t.Errorf("B's pending count %d, want 1", n)
	}
	if n := f.svc.PendingIncoming(f.ua); n != 0 {
		t.Errorf("A's pending count %d, want 0 (it is A's outgoing)", n)
	}
	// Still usable meanwhile, and still A's.
	if got := f.get(l.ID); got.PartnerID != f.pa.ID || got.Status != l.Status {
		t.Errorf("license during the transfer: %+v", got)
	}
	// The giver cannot approve its own hand-over.
	if _, err := f.svc.ApproveTransfer(f.ua, tr.ID, tr.Secret); err == nil {
		t.Fatal("the giver approved")
	}
	// Approve, typed loosely.
	secret := strings.ToLower(strings.ReplaceAll(tr.Secret, "-", " "))
	done, err := f.svc.ApproveTransfer(f.ub, tr.ID, secret)
	if err != nil {
		t.Fatal(err)
	}
	if done.State != app.TransferApproved {
		t.Errorf("approved transfer is %s", done.State)
	}
	got := f.get(l.ID)
	if got.PartnerID != f.pb.ID || got.DistributorID != 0 || got.Key != l.Key || got.Customer != "Dr. Wu Clinic" ||
		got.Notes != "" || len(got.Registrations) != len(l.Registrations) {
		t.Errorf("license after approval: %+v", got)
	}
	// B owns it now; A no longer sees it.
	if _, err := f.svc.GetLicense(f.ub, l.ID); err != nil {
		t.Errorf("B reads its new license: %v", err)
	}
	if _, err := f.svc.GetLicense(f.ua, l.ID); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("A still reads the license: %v", err)
	}
	// History: B sees its own part, which names no private note of A's.
	hb, err := f.svc.LicenseHistory(f.ub, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hb) != 1 || hb[0].Action != "transfer_in" || hb[0].Old != f.pa.PublicID || hb[0].New != f.pb.PublicID {
		t.Errorf("B's history: %+v", hb)
	}
	all, _ := f.svc.LicenseHistory(app.System, l.ID)
	outs := 0
	for _, e := range all {
		if strings.Contains(e.Old+e.New, "margin") && e.PartnerID != f.pa.ID {
			t.Errorf("A's notes reach B's history: %+v", e)
		}
		if e.Action == "transfer_out" && e.PartnerID == f.pa.ID {
			outs++
		}
	}
	if outs != 1 {
		t.Errorf("A's part of the history has %d transfer_out entries, want 1", outs)
	}
	// Single use.
	if _, err := f.svc.ApproveTransfer(f.ub, tr.ID, tr.Secret); err == nil {
		t.Error("the secret worked twice")
	}
	if n := f.svc.PendingIncoming(f.ub); n != 0 {
		t.Errorf("B's pending count after approval %d", n)
	}
	// Search follows the new owner.
	pg := f.list(f.ub, map[string]string{"q": "Head office"}, "")
	if pg.Total != 1 {
		t.Errorf("B's search finds %d", pg.Total)
	}
}

func TestTransferRejectCancelAndBusyLicense(t *testing.T) {
	t.Parallel()
	f, l := transferFix(t)
	tr, err := f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pb.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	// The same license cannot be in two open transfers.
	_, err = f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pc.PublicID})
	wantField(t, err, "license_ids")
	// The giver cannot reject, the receiver cannot cancel.
	if _, err := f.svc.RejectTransfer(f.ua, tr.ID, ""); err == nil {
		t.Error("the giver rejected")
	}
	if _, err := f.svc.CancelTransfer(f.ub, tr.ID); err == nil {
		t.Error("the receiver cancelled")
	}
	if _, err := f.svc.RejectTransfer(f.ub, tr.ID, "not our customer"); err != nil {
		t.Fatal(err)
	}
	wantState(t, f, f.ua, tr.ID, app.TransferRejected)
	if got := f.get(l.ID); got.PartnerID != f.pa.ID || got.Notes == "" {
		t.Errorf("license after rejection: %+v", got)
	}
	// Free again: a new transfer, cancelled by its giver.
	tr2, err := f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pc.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CancelTransfer(f.ua, tr2.ID); err != nil {
		t.Fatal(err)
	}
	wantState(t, f, f.uc, tr2.ID, app.TransferCancelled)
	if _, err := f.svc.ApproveTransfer(f.uc, tr2.ID, tr2.Secret); err == nil {
		t.Error("a cancelled transfer was approved")
	}
	if got := f.get(l.ID); got.PartnerID != f.pa.ID {
		t.Error("a cancelled transfer moved the license")
	}
}

func TestTransferBadInput(t *testing.T) {
	t.Parallel()
	f, l := transferFix(t)
	b := f.one(f.ub, app.LicenseCreate{ProductID: f.av.ID, Edition: "business", Seats: 1, PeriodMonths: 12, PartnerID: f.pb.ID})
	for _, c := range []struct {
		in    app.TransferInput
		field string
	}{
		{app.TransferInput{Target: f.pb.PublicID}, "license_ids"},
		{app.TransferInput{LicenseIDs: []uint64{l.ID}}, "target"},
		{app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: "P-1234"}, "target"},
		{app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: "P-2222-3333"}, "target"}, // no such partner here
		{app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pa.PublicID}, "target"}, // its own
		{app.TransferInput{LicenseIDs: []uint64{b.ID}, Target: f.pc.PublicID}, "license_ids"},
		{app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pb.PublicID, File: true}, "target"}, // local partner by file
	} {
		_, err := f.svc.CreateTransfer(f.ua, c.in)
		wantField(t, err, c.field)
	}
	if ls, _ := f.svc.ListTransfers(app.System, app.TransferFilter{}); len(ls) != 0 {
		t.Errorf("refused transfers left %d records", len(ls))
	}
}

func TestTransferWrongSecretLocksAfterFive(t *testing.T) {
	t.Parallel()
	f, l := transferFix(t)
	tr, err := f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pb.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < app.MaxSecretGuesses; i++ {
		_, err := f.svc.ApproveTransfer(f.ub, tr.ID, "AAAA-BBBB-CCCC-DDDD-EEEE")
		wantField(t, err, "secret")
		got := wantState(t, f, f.ub, tr.ID, app.TransferPending)
		if got.WrongGuesses != i {
			t.Errorf("after %d wrong guesses the count is %d", i, got.WrongGuesses)
		}
		if got := f.get(l.ID); got.PartnerID != f.pa.ID {
			t.Fatal("a wrong secret moved the license")
		}
	}
	_, err = f.svc.ApproveTransfer(f.ub, tr.ID, "AAAA-BBBB-CCCC-DDDD-EEEE")
	wantField(t, err, "secret")
	// Both sides see it locked, and why.
	for _, a := range []app.Actor{f.ua, f.ub} {
		got := wantState(t, f, a, tr.ID, app.TransferLocked)
		if !strings.Contains(got.Reason, "wrongly 5 times") {
			t.Errorf("%s sees reason %q", a.Email, got.Reason)
		}
	}
	// Even the right secret does nothing now.
	if _, err := f.svc.ApproveTransfer(f.ub, tr.ID, tr.Secret); err == nil {
		t.Error("a locked transfer was approved")
	}
	if got := f.get(l.ID); got.PartnerID != f.pa.ID {
		t.Error("a locked transfer moved the license")
	}
	page, _ := f.svc.ListAudit(app.System, app.ListParams{PerPage: app.MaxPerPage, Filters: map[string]string{"action": "transfer.wrong_secret"}})
	if page.Total != 5 {
		t.Errorf("%d wrong guesses audited, want 5", page.Total)
	}
	// The license is free for a new transfer.
	if _, err := f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pb.PublicID}); err != nil {
		t.Errorf("new transfer after the lock: %v", err)
	}
}

func TestTransferGuessesLimitedPerPartner(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	var ids []app.Transfer
	for range 3 {
		l := f.one(f.ua, app.LicenseCreate{ProductID: f.av.ID, Edition: "business", Seats: 1, PeriodMonths: 12, PartnerID: f.pa.ID})
		tr, err := f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pb.PublicID})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tr)
	}
	wrong := 0
	var last error
	for _, tr := range ids {
		for range 4 {
			_, last = f.svc.ApproveTransfer(f.ub, tr.ID, "AAAA-BBBB-CCCC-DDDD-EEEE")
			if errors.Is(last, app.ErrRateLimited) {
				break
			}
			wrong++
		}
	}
	if !errors.Is(last, app.ErrRateLimited) || wrong != 10 {
		t.Errorf("after %d wrong guesses across transfers: %v; want the partner limited after 10", wrong, last)
	}
	// The limit is the partner's: even the right secret waits.
	if _, err := f.svc.ApproveTransfer(f.ub, ids[2].ID, ids[2].Secret); !errors.Is(err, app.ErrRateLimited) {
		t.Errorf("right secret while limited: %v", err)
	}
}

func TestTransferExpiresAndOperatorOverride(t *testing.T) {
	t.Parallel()
	f, l := transferFix(t)
	tr, err := f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pb.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	if want := licT0.Add(app.DefaultTransferTTL); !tr.Expires.Equal(want) {
		t.Errorf("expires %s, want %s", tr.Expires, want)
	}
	f.clk.Add(app.DefaultTransferTTL + time.Second)
	wantState(t, f, f.ub, tr.ID, app.TransferExpired)
	if n := f.svc.PendingIncoming(f.ub); n != 0 {
		t.Errorf("expired transfer still counts as pending: %d", n)
	}
	if _, err := f.svc.ApproveTransfer(f.ub, tr.ID, tr.Secret); err == nil {
		t.Fatal("an expired transfer was approved")
	}
	if n, err := f.svc.SweepTransfers(); err != nil || n != 0 {
		t.Errorf("sweep after the expiry was recorded: %d, %v", n, err)
	}
	if got := f.get(l.ID); got.PartnerID != f.pa.ID {
		t.Error("an expired transfer moved the license")
	}

	// The operator approves another without the secret.
	tr2, err := f.svc.CreateTransfer(f.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: f.pc.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	if ls, _ := f.svc.ListTransfers(f.op, app.TransferFilter{State: app.TransferPending}); len(ls) != 1 || ls[0].ID != tr2.ID {
		t.Errorf("operator's pending list: %+v", ls)
	}
	if _, err := f.svc.ApproveTransfer(f.op, tr2.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got := f.get(l.ID); got.PartnerID != f.pc.ID {
		t.Errorf("after the operator's approval the license is partner %d's", got.PartnerID)
	}
	page, _ := f.svc.ListAudit(app.System, app.ListParams{PerPage: app.MaxPerPage, Filters: map[string]string{"action": "transfer.approve"}})
	if page.Total != 1 || !strings.Contains(page.Items[0].Detail, "without the secret") {
		t.Errorf("operator override audit: %+v", page.Items)
	}
}
