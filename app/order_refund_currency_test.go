package app_test

import (
	"testing"

	"licensedesk/app"
)

// TestRefundIntoABalanceOfAnotherCurrencyRefused: an order paid in EUR
// is not refunded as the same number of USD after the partner's currency
// changed; the refund is refused naming both, nothing written.
func TestRefundIntoABalanceOfAnotherCurrencyRefused(t *testing.T) {
	s := newShop(t, 0)
	o := s.buy(s.pa, app.OrderInput{Lines: []app.BasketLine{s.line(1)}, Payment: "invoice"})
	if _, err := s.svc.RecordOrderPayment(s.op, o.ID, "wire 7"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.UpdatePartner(s.op, s.p.ID, app.PartnerInput{Currency: ptr("USD")}); err != nil {
		t.Fatal(err)
	}
	_, err := s.svc.RefundOrder(s.op, o.ID, app.RefundInput{Reason: "customer cancelled"})
	wantField(t, err, "currency")
	if bal, sum := s.account(s.p.ID); bal != 0 || sum != 0 {
		t.Fatalf("balance %d (ledger %d) after the refused refund", bal, sum)
	}
	if got, err := s.svc.GetOrder(s.op, o.ID); err != nil || got.State != app.OrderProcessed || got.Refunded.Amount != 0 {
		t.Fatalf("order after the refused refund: %s refunded %v (%v)", got.State, got.Refunded, err)
	}
}
