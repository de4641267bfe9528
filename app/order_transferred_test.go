package app_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"licensedesk/app"
)

// carolUses has C put the license it got to use: a customer, an IP and
// a private note, all C's. It returns the license as C sees it.
func (h *handedOver) carolUses() app.LicenseView {
	h.t.Helper()
	if _, err := h.svc.AssignLicense(h.uc, h.moved, app.AssignInput{Customer: ptr("Carol's Clinic"), CustomerEmail: ptr("it@carols-clinic.example")}); err != nil {
		h.t.Fatal(err)
	}
	l, err := h.svc.EditLicense(h.uc, h.moved, app.LicenseEdit{IP: ptr("203.0.113.77"), Notes: ptr("gamma's private margin note")})
	if err != nil {
		h.t.Fatal(err)
	}
	return l
}

// leaks lists what of C's license text shows.
func leaks(text string, l app.LicenseView, cPublicID string) []string {
	var found []string
	for _, s := range []string{l.Key, "Carol's Clinic", "carols-clinic", "203.0.113.77", "gamma's private", cPublicID} {
		if s != "" && strings.Contains(text, s) {
			found = append(found, s)
		}
	}
	return found
}

// After the hand-over, A's order shows the license only as transferred
// to another partner: on the order, its codes CSV and a resent mail. The
// counts are of A's licenses; the operator still sees everything.
func TestOrderShowsAHandedOverLicenseOnlyAsTransferred(t *testing.T) {
	h := newHandedOver(t)
	cl := h.carolUses()
	if cl.Status != app.StatusActive {
		t.Fatalf("C's license is %s after assigning it", cl.Status)
	}

	ls, err := h.svc.OrderLicenses(h.pa, h.order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 3 {
		t.Fatalf("A's order lists %d licenses, want 3", len(ls))
	}
	got := ls[0]
	if got.ID != h.moved || !got.Transferred || got.Key != "" || got.Customer != "" || got.CustomerEmail != "" || got.IP != "" ||
		got.Notes != "" || got.PartnerID != 0 || got.ActivationPath != "" || len(got.Registrations) != 0 || got.Status != "" ||
		got.ValidFrom != nil || got.Note() != app.TransferredNote {
		t.Errorf("A sees C's license as %+v", got)
	}
	// The order line is A's: what was bought, for what price.
	if got.Seats != 5 || got.PeriodMonths != 12 || got.ProductID != h.product.ID || got.Price != h.order.Items[0].Price || got.OrderNumber != h.order.Number {
		t.Errorf("A's order line of the moved license: %+v", got)
	}
	for _, l := range ls[1:] {
		if l.Transferred || l.Key == "" || l.ActivationPath == "" {
			t.Errorf("A's own license %d shows as %+v", l.ID, l)
		}
	}
	// Counts: C's active license is not A's; A has two keys to hand out.
	o, err := h.svc.GetOrder(h.pa, h.order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Active != 0 || o.Available != 2 {
		t.Errorf("A's order counts %d active, %d to hand out; want 0 and 2", o.Active, o.Available)
	}
	if pg, _ := h.svc.ListOrders(h.pa, app.ListParams{}); len(pg.Items) != 1 || pg.Items[0].Active != 0 || pg.Items[0].Available != 2 {
		t.Errorf("A's orders list counts %+v", pg.Items)
	}

	// The codes CSV: a row for it, with no key or link.
	var csv bytes.Buffer
	if _, err := h.svc.ExportOrderCodesCSV(h.pa, h.order.ID, "https://desk.example", &csv); err != nil {
		t.Fatal(err)
	}
	if l := leaks(csv.String(), cl, h.c.PublicID); len(l) > 0 {
		t.Errorf("A's codes CSV shows C's %v:\n%s", l, csv.String())
	}
	if !strings.Contains(csv.String(), fmt.Sprintf("%d,,", h.moved)) || !strings.Contains(csv.String(), app.TransferredNote) {
		t.Errorf("A's codes CSV does not list license %d as transferred:\n%s", h.moved, csv.String())
	}
	if strings.Count(csv.String(), "https://desk.example/activate/") != 2 {
		t.Errorf("A's codes CSV should link A's two keys:\n%s", csv.String())
	}

	// A resent confirmation, by A or by the operator (it goes to A's address).
	if _, err := h.svc.UpdatePartner(app.System, h.p.ID, app.PartnerInput{Email: ptr("orders@alpha.example")}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []app.Actor{h.pa, h.op} {
		if err := h.svc.ResendConfirmation(a, h.order.ID); err != nil {
			t.Fatal(err)
		}
		pg, err := h.svc.ListOutbox(h.pa, app.ListParams{})
		if err != nil || len(pg.Items) == 0 || !strings.HasPrefix(pg.Items[0].Subject, "Again:") {
			t.Fatalf("A's outbox after a resend by %s: %+v, %v", a.Email, pg.Items, err)
		}
		text := pg.Items[0].Text
		if l := leaks(text, cl, h.c.PublicID); len(l) > 0 || strings.Count(text, "/activate/") != 2 {
			t.Errorf("the mail resent by %s shows C's %v (or links %d keys, want 2):\n%s", a.Email, l, strings.Count(text, "/activate/"), text)
		}
		if !strings.Contains(text, fmt.Sprintf("License %d: %s", h.moved, app.TransferredNote)) {
			t.Errorf("the mail resent by %s does not say license %d was transferred:\n%s", a.Email, h.moved, text)
		}
	}

	// The operator sees the license whole, marked as transferred.
	ops, err := h.svc.OrderLicenses(h.op, h.order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ops[0].Key != cl.Key || ops[0].PartnerID != h.c.ID || ops[0].Customer != "Carol's Clinic" || !ops[0].Transferred {
		t.Errorf("the operator sees %+v", ops[0])
	}
	// And C, who owns it, reads it in full as before.
	if l, err := h.svc.GetLicense(h.uc, h.moved); err != nil || l.Key != cl.Key || l.Notes != cl.Notes {
		t.Errorf("C's license: %+v, %v", l, err)
	}
}
