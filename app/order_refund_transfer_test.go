package app_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// handedOver is a shop whose partner A bought an order of three licenses
// and handed the first to partner C, who approved it with the secret.
type handedOver struct {
	*shop
	c     app.Partner
	uc    app.Actor
	order app.OrderView
	moved uint64 // C's now
}

func newHandedOver(t *testing.T) *handedOver {
	t.Helper()
	s := newShop(t, 1000000)
	h := &handedOver{shop: s, c: s.partner("Gamma Systems")}
	h.uc = s.partnerUser(h.c, "carol@gamma.example")
	h.order = s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(3)}})
	h.moved = h.order.Items[0].LicenseID
	tr, err := s.svc.CreateTransfer(s.pa, app.TransferInput{LicenseIDs: []uint64{h.moved}, Target: h.c.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.ApproveTransfer(h.uc, tr.ID, tr.Secret); err != nil {
		t.Fatal(err)
	}
	return h
}

// wantRefundRefused checks a refund is refused on license_ids with a
// message saying why, and that nothing moved: not the balance, not the
// order, not the licenses.
func (h *handedOver) wantRefundRefused(a app.Actor, in app.RefundInput, says ...string) {
	h.t.Helper()
	bal, _ := h.account(h.p.ID)
	before, err := h.svc.GetOrder(app.System, h.order.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	states := map[uint64]app.Status{}
	for _, it := range before.Items {
		l, _ := h.svc.GetLicense(app.System, it.LicenseID)
		states[it.LicenseID] = l.Status
	}
	_, err = h.svc.RefundOrder(a, h.order.ID, in)
	var ve *app.ValidationError
	if !errors.As(err, &ve) || ve.Field != "license_ids" {
		h.t.Fatalf("%s refunds %v: %v; want a refusal on license_ids", a.Email, in.LicenseIDs, err)
	}
	for _, s := range says {
		if !strings.Contains(ve.Message, s) {
			h.t.Errorf("%s refunds %v: %q does not say %q", a.Email, in.LicenseIDs, ve.Message, s)
		}
	}
	if b, sum := h.account(h.p.ID); b != bal || sum != b {
		h.t.Errorf("a refused refund moved A's balance from %d to %d (ledger %d)", bal, b, sum)
	}
	after, _ := h.svc.GetOrder(app.System, h.order.ID)
	if after.State != before.State || after.Refunded != before.Refunded || len(after.Events) != len(before.Events) {
		h.t.Errorf("a refused refund changed the order: %s %v %d events, was %s %v %d", after.State, after.Refunded,
			len(after.Events), before.State, before.Refunded, len(before.Events))
	}
	for id, st := range states {
		if l, _ := h.svc.GetLicense(app.System, id); l.Status != st || l.Payment == app.PaymentRefunded {
			h.t.Errorf("a refused refund changed license %d: %s/%s, was %s", id, l.Status, l.Payment, st)
		}
	}
}

// The license handed over to C cannot be refunded through A's order, by
// A or by the operator, alone or in a whole-order refund; C keeps it.
func TestRefundRefusesALicenseHandedToAnotherPartner(t *testing.T) {
	h := newHandedOver(t)
	moved := fmt.Sprintf("license %d was handed over to another partner", h.moved)
	h.wantRefundRefused(h.pa, app.RefundInput{LicenseIDs: []uint64{h.moved}, Reason: "x"}, moved)
	h.wantRefundRefused(h.op, app.RefundInput{LicenseIDs: []uint64{h.moved}, Reason: "x"}, moved)
	// With one of A's own in the same request: all or nothing.
	h.wantRefundRefused(h.pa, app.RefundInput{LicenseIDs: []uint64{h.order.Items[1].LicenseID, h.moved}, Reason: "x"}, moved)
	// The whole order: refused, naming it, and saying how to refund the rest.
	h.wantRefundRefused(h.pa, app.RefundInput{Reason: "all"}, moved, "license_ids")
	h.wantRefundRefused(h.op, app.RefundInput{Reason: "all"}, moved, "license_ids")

	// C's license is as C got it.
	l, err := h.svc.GetLicense(h.uc, h.moved)
	if err != nil {
		t.Fatal(err)
	}
	if l.PartnerID != h.c.ID || l.Status != app.StatusOrdered || l.Payment != app.PaymentPaid {
		t.Fatalf("C's license after A's refund attempts: partner %d %s/%s", l.PartnerID, l.Status, l.Payment)
	}
	// A's own licenses still refund, named, and only their money comes back.
	bal, _ := h.account(h.p.ID)
	rest := []uint64{h.order.Items[1].LicenseID, h.order.Items[2].LicenseID}
	r, err := h.svc.RefundOrder(h.pa, h.order.ID, app.RefundInput{LicenseIDs: rest, Reason: "two too many"})
	if err != nil {
		t.Fatal(err)
	}
	want := h.order.Items[1].Price + h.order.Items[2].Price
	if b, sum := h.account(h.p.ID); b != bal+want || sum != b {
		t.Fatalf("balance %d after refunding A's two, want %d", b, bal+want)
	}
	if r.State != app.OrderPartlyRefunded || r.Refunded.Amount != want {
		t.Fatalf("order after refunding A's two: %s %v", r.State, r.Refunded)
	}
}

// A license in an open transfer (in-desk and pending, or leaving by file)
// is refused until the transfer is cancelled or has expired.
func TestRefundRefusesALicenseInAnOpenTransfer(t *testing.T) {
	h := newHandedOver(t)
	local, file := h.order.Items[1].LicenseID, h.order.Items[2].LicenseID
	tl, err := h.svc.CreateTransfer(h.pa, app.TransferInput{LicenseIDs: []uint64{local}, Target: h.c.PublicID})
	if err != nil {
		t.Fatal(err)
	}
	tf, err := h.svc.CreateTransfer(h.pa, app.TransferInput{LicenseIDs: []uint64{file}, Target: "P-2222-3333", File: true})
	if err != nil {
		t.Fatal(err)
	}
	cancelFirst := "cancel the transfer first"
	h.wantRefundRefused(h.pa, app.RefundInput{LicenseIDs: []uint64{local}, Reason: "x"}, fmt.Sprintf("license %d is in an open transfer", local), cancelFirst)
	h.wantRefundRefused(h.op, app.RefundInput{LicenseIDs: []uint64{local}, Reason: "x"}, cancelFirst)
	h.wantRefundRefused(h.op, app.RefundInput{LicenseIDs: []uint64{file}, Reason: "x"}, fmt.Sprintf("license %d is in an open transfer", file), cancelFirst)
	// The whole order names all of them, each with what to do.
	h.wantRefundRefused(h.op, app.RefundInput{Reason: "all"}, fmt.Sprintf("license %d was handed over to another partner", h.moved),
		fmt.Sprintf("licenses %d, %d are in an open transfer", local, file), cancelFirst)

	// Cancelled: the in-desk one refunds.
	if _, err := h.svc.CancelTransfer(h.pa, tl.ID); err != nil {
		t.Fatal(err)
	}
	bal, _ := h.account(h.p.ID)
	if _, err := h.svc.RefundOrder(h.pa, h.order.ID, app.RefundInput{LicenseIDs: []uint64{local}, Reason: "changed mind"}); err != nil {
		t.Fatal(err)
	}
	if b, _ := h.account(h.p.ID); b != bal+h.order.Items[1].Price {
		t.Fatalf("balance %d after the refund, want %d", b, bal+h.order.Items[1].Price)
	}
	// The file's time passes unswept: the refund records the expiry, and
	// the license, usable here again, refunds.
	h.clk.Advance(app.DefaultTransferTTL + time.Minute)
	r, err := h.svc.RefundOrder(h.op, h.order.ID, app.RefundInput{LicenseIDs: []uint64{file}, Reason: "file never used"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Refunded.Amount != h.order.Items[1].Price+h.order.Items[2].Price {
		t.Fatalf("refunded %v", r.Refunded)
	}
	if got, _ := h.svc.GetTransfer(h.op, tf.ID); got.State != app.TransferExpired {
		t.Fatalf("the file's transfer is %s after the refund, want expired", got.State)
	}
	if l, _ := h.svc.GetLicense(h.op, file); l.Status != app.StatusCancelled || l.Payment != app.PaymentRefunded {
		t.Fatalf("refunded file license %s/%s", l.Status, l.Payment)
	}
}

// A license sent to another desk by a transfer file, whose receipt came
// back (transferred out), is the other desk's: the operator cannot refund
// it to the buyer either, alone or with the whole order.
func TestRefundRefusesALicenseTransferredToAnotherDesk(t *testing.T) {
	s := newShop(t, 1000000)
	o := s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(2)}})
	out := o.Items[0].LicenseID
	far := newEnv(t)
	farPartner := far.partner("Far Away Reseller")
	far.product("antivirus")
	tr, err := s.svc.CreateTransfer(s.pa, app.TransferInput{LicenseIDs: []uint64{out}, Target: farPartner.PublicID, File: true})
	if err != nil {
		t.Fatal(err)
	}
	file, err := s.svc.TransferFile(s.pa, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	in, err := far.svc.ImportTransferFile(app.System, file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := far.svc.ApproveTransfer(app.System, in.ID, tr.Secret); err != nil {
		t.Fatal(err)
	}
	receipt, err := far.svc.TransferReceipt(app.System, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.ImportReceipt(s.pa, receipt); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.svc.GetLicense(s.op, out); l.Status != app.StatusTransferredOut {
		t.Fatalf("license after the receipt is %s", l.Status)
	}
	h := &handedOver{shop: s, order: o}
	desk := fmt.Sprintf("license %d was handed over to another desk", out)
	h.wantRefundRefused(s.op, app.RefundInput{LicenseIDs: []uint64{out}, Reason: "x"}, desk)
	h.wantRefundRefused(s.pa, app.RefundInput{LicenseIDs: []uint64{out}, Reason: "x"}, desk)
	h.wantRefundRefused(s.op, app.RefundInput{Reason: "all"}, desk, "license_ids")
	// The other one is A's to refund.
	if _, err := s.svc.RefundOrder(s.pa, o.ID, app.RefundInput{LicenseIDs: []uint64{o.Items[1].LicenseID}, Reason: "one too many"}); err != nil {
		t.Fatal(err)
	}
}
