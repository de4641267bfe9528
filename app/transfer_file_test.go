package app_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// Two installs in one test, each with its own data directory, and no
// connection between them but the files the test hands over.

// rewrite changes a signed file's payload (or envelope) without signing
// it again, as someone editing the file would.
func rewrite(t *testing.T, file []byte, edit func(env, payload map[string]any)) []byte {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(file, &env); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	if err := json.Unmarshal([]byte(`"`+env["payload"].(string)+`"`), &raw); err != nil {
		t.Fatal(err)
	}
	var payload map[string]any
	if err := json.Unmarshal(raw, &payload); err != nil {
		t.Fatal(err)
	}
	edit(env, payload)
	raw, _ = json.Marshal(payload)
	env["payload"] = raw
	out, _ := json.Marshal(env)
	return out
}

func wantFileRefused(t *testing.T, f *licFix, a app.Actor, file []byte, why string) {
	t.Helper()
	before, _ := f.svc.ListTransfers(app.System, app.TransferFilter{})
	_, err := f.svc.ImportTransferFile(a, file)
	var ve *app.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), why) {
		t.Fatalf("import: %v; want a refusal saying %q", err, why)
	}
	after, _ := f.svc.ListTransfers(app.System, app.TransferFilter{})
	if len(after) != len(before) {
		t.Fatalf("a refused file left a transfer behind")
	}
}

func TestTransferFileBetweenTwoInstalls(t *testing.T) {
	t.Parallel()
	src, l := transferFix(t)
	dst := newLicFix(t)
	second := src.one(src.ua, app.LicenseCreate{ProductID: src.fw.ID, Edition: "business", Seats: 2, PeriodMonths: 12, PartnerID: src.pa.ID, Customer: "Harbor Co"})
	tr, err := src.svc.CreateTransfer(src.ua, app.TransferInput{LicenseIDs: []uint64{l.ID, second.ID}, Target: dst.pb.PublicID, File: true})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Kind != app.TransferOutgoing || tr.Secret == "" || tr.FileID == "" {
		t.Fatalf("outgoing transfer %+v", tr)
	}
	// On the source: transferring, read-only, still valid for the customer.
	got := src.get(l.ID)
	if got.Status != app.StatusTransferring || got.PartnerID != src.pa.ID {
		t.Errorf("source license while the file is out: %s of %d", got.Status, got.PartnerID)
	}
	if _, err := src.svc.EditLicense(src.ua, l.ID, app.LicenseEdit{Name: licP("renamed")}); err == nil {
		t.Error("a transferring license was edited")
	}
	file, err := src.svc.TransferFile(src.ua, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(file, []byte(tr.Secret)) || bytes.Contains(file, []byte("margin note")) {
		t.Fatal("the file carries the secret or the giver's private notes")
	}
	// Another partner of the source desk cannot fetch it.
	if _, err := src.svc.TransferFile(src.ub, tr.ID); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("another partner fetched the file: %v", err)
	}

	// Refusals on the receiving desk, each writing nothing.
	wantFileRefused(t, dst, dst.op, rewrite(t, file, func(env, p map[string]any) {
		p["licenses"].([]any)[0].(map[string]any)["seats"] = 500
	}), "signature does not match")
	wantFileRefused(t, dst, dst.op, rewrite(t, file, func(env, p map[string]any) {
		env["signature"] = strings.Repeat("A", 86) + "=="
	}), "signature does not match")
	wantFileRefused(t, dst, dst.op, []byte("key,name\nABC,x\n"), "not a licensedesk-transfer file")
	wantFileRefused(t, dst, dst.op, append([]byte{0xff, 0xfe}, file...), "not UTF-8")
	wantFileRefused(t, dst, dst.uc, file, "meant for another partner")
	// The source desk itself does not take its own file.
	wantFileRefused(t, src, src.op, file, "comes from this desk")

	// Import as the receiving partner: it sees the source's fingerprint,
	// the target and every license (not the keys) before approving.
	in, err := dst.svc.ImportTransferFile(dst.ub, file)
	if err != nil {
		t.Fatal(err)
	}
	srcKey, _ := src.svc.CurrentSigningKey()
	if in.Kind != app.TransferIncoming || in.PeerFingerprint != srcKey.Fingerprint || in.TargetPublicID != dst.pb.PublicID ||
		in.SourceName != "Alpha Reseller" || in.Count != 2 {
		t.Errorf("incoming transfer %+v", in)
	}
	view := wantState(t, dst, dst.ub, in.ID, app.TransferPending)
	if len(view.Licenses) != 2 || view.Licenses[0].Key != "" || view.Licenses[0].Customer != "Dr. Wu Clinic" {
		t.Errorf("receiver's view of the file: %+v", view.Licenses)
	}
	if n := dst.svc.PendingIncoming(dst.ub); n != 1 {
		t.Errorf("pending count on the receiving desk: %d", n)
	}
	// The same file again: refused.
	wantFileRefused(t, dst, dst.op, file, "already imported")
	// A wrong secret changes nothing.
	if _, err := dst.svc.ApproveTransfer(dst.ub, in.ID, "2222-3333-4444-5555-6666"); err == nil {
		t.Fatal("wrong secret approved")
	}
	if pg := dst.list(app.System, nil, ""); pg.Total != 0 {
		t.Fatalf("a wrong secret created %d licenses", pg.Total)
	}
	// The operator cannot approve a file without the secret: the receipt
	// must prove it.
	if _, err := dst.svc.ApproveTransfer(dst.op, in.ID, ""); err == nil {
		t.Fatal("operator approved an incoming file without the secret")
	}
	if _, err := dst.svc.ApproveTransfer(dst.ub, in.ID, tr.Secret); err != nil {
		t.Fatal(err)
	}
	// Keys exactly as they were, owned by the target, customer and
	// registrations along, notes not.
	for _, want := range []app.LicenseView{src.get(l.ID), src.get(second.ID)} {
		got, err := dst.svc.LicenseByKey(dst.ub, want.Key)
		if err != nil {
			t.Fatalf("key %s on the receiving desk: %v", want.Key, err)
		}
		if got.PartnerID != dst.pb.ID || got.Customer != want.Customer || got.Notes != "" || got.ProductName != want.ProductName ||
			!got.ValidTo.Equal(*want.ValidTo) || got.Seats != want.Seats || got.Status != app.StatusActive && got.Status != app.StatusOrdered {
			t.Errorf("imported license %+v\nfrom %+v", got.License, want.License)
		}
		// The customer is the target partner's record on this desk.
		if c, err := dst.svc.LicenseCustomer(dst.ub, got.ID); err != nil || c == nil || c.PartnerID != dst.pb.ID || c.Name != want.Customer {
			t.Errorf("imported license %s links to customer %+v, %v", want.Key, c, err)
		}
	}
	if pg := dst.list(dst.ub, map[string]string{"q": "Harbor"}, ""); pg.Total != 1 {
		t.Errorf("search on the receiving desk finds %d", pg.Total)
	}
	receipt, err := dst.svc.TransferReceipt(dst.ub, in.ID)
	if err != nil {
		t.Fatal(err)
	}

	// Back on the source: a changed receipt is refused, the real one
	// closes the transfer, a second import of it is refused.
	forged := rewrite(t, receipt, func(env, p map[string]any) { p["proof"] = "AAAA" })
	if _, err := src.svc.ImportReceipt(src.ua, forged); err == nil {
		t.Fatal("a changed receipt was accepted")
	}
	if _, err := src.svc.ImportReceipt(src.ub, receipt); err == nil {
		t.Fatal("another partner imported the receipt")
	}
	if _, err := src.svc.ImportReceipt(src.op, file); err == nil || !strings.Contains(err.Error(), "not a licensedesk-receipt") {
		t.Fatalf("a transfer file as a receipt: %v", err)
	}
	done, err := src.svc.ImportReceipt(src.ua, receipt)
	if err != nil {
		t.Fatal(err)
	}
	dstKey, _ := dst.svc.CurrentSigningKey()
	if done.State != app.TransferApproved || done.PeerFingerprint != dstKey.Fingerprint {
		t.Errorf("closed transfer %+v", done)
	}
	got = src.get(l.ID)
	if got.Status != app.StatusTransferredOut || got.PartnerID != src.pa.ID {
		t.Errorf("source license after the receipt: %s", got.Status)
	}
	hist, _ := src.svc.LicenseHistory(src.ua, l.ID)
	if len(hist) == 0 || hist[0].Action != "transfer_receipt" || !strings.Contains(hist[0].New, dstKey.Fingerprint) {
		t.Errorf("source history: %+v", hist)
	}
	if _, err := src.svc.ImportReceipt(src.ua, receipt); err == nil || !strings.Contains(err.Error(), "already imported") {
		t.Errorf("receipt imported twice: %v", err)
	}
}

func TestTransferFileRefusals(t *testing.T) {
	t.Parallel()
	src, l := transferFix(t)
	dst := newLicFix(t)
	// Meant for a partner the receiving desk does not have.
	tr, err := src.svc.CreateTransfer(src.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: "P-2222-3333", File: true})
	if err != nil {
		t.Fatal(err)
	}
	file, _ := src.svc.TransferFile(src.ua, tr.ID)
	wantFileRefused(t, dst, dst.op, file, "does not have")
	// Cancelled on the source: the license is usable again.
	if _, err := src.svc.CancelTransfer(src.ua, tr.ID); err != nil {
		t.Fatal(err)
	}
	if got := src.get(l.ID); got.Status != l.Status {
		t.Errorf("after cancelling, status %s, want %s", got.Status, l.Status)
	}

	// Expired before it was imported.
	tr, err = src.svc.CreateTransfer(src.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: dst.pb.PublicID, File: true})
	if err != nil {
		t.Fatal(err)
	}
	file, _ = src.svc.TransferFile(src.ua, tr.ID)
	dst.clk.Add(app.DefaultTransferTTL)
	wantFileRefused(t, dst, dst.op, file, "expired")
	dst.clk.Add(-app.DefaultTransferTTL)

	// A key that already exists on the receiving desk: import and approve
	// once, then the source cancels and sends the same key again.
	in, err := dst.svc.ImportTransferFile(dst.op, file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dst.svc.ApproveTransfer(dst.ub, in.ID, tr.Secret); err != nil {
		t.Fatal(err)
	}
	if _, err := src.svc.CancelTransfer(src.ua, tr.ID); err != nil {
		t.Fatal(err)
	}
	tr, err = src.svc.CreateTransfer(src.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: dst.pb.PublicID, File: true})
	if err != nil {
		t.Fatal(err)
	}
	file, _ = src.svc.TransferFile(src.ua, tr.ID)
	wantFileRefused(t, dst, dst.op, file, "already exists on this desk")

}

// TestTransferFileExpiryFreesLicenses: when a file's time passes with no
// receipt, the sweep makes the licenses usable here again.
func TestTransferFileExpiryFreesLicenses(t *testing.T) {
	t.Parallel()
	src, l := transferFix(t)
	tr, err := src.svc.CreateTransfer(src.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: "P-2222-3333", File: true})
	if err != nil {
		t.Fatal(err)
	}
	src.clk.Add(app.DefaultTransferTTL + time.Minute)
	n, err := src.svc.SweepTransfers()
	if err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	if got := src.get(l.ID); got.Status != l.Status {
		t.Errorf("after the expiry the license is %s, want %s", got.Status, l.Status)
	}
	wantState(t, src, src.ua, tr.ID, app.TransferExpired)
	if n, _ := src.svc.SweepTransfers(); n != 0 {
		t.Errorf("a second sweep expired %d more", n)
	}
	if _, err := src.svc.EditLicense(src.ua, l.ID, app.LicenseEdit{Name: licP("usable again")}); err != nil {
		t.Errorf("edit after the expiry: %v", err)
	}
}
