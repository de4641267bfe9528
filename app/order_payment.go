package app

import (
	"strings"

	"licensedesk/storage"
)

// PaymentMethod is how an order is paid (F19). A method decides whether a
// partner may use it, what state the order and its licenses start in,
// and takes the money inside the purchase transaction: it must have no
// side effect outside tx (the write path may run the transaction again).
// A card provider fits the same shape: it starts the order unpaid and
// records its payment intent here; the provider's confirmation then
// records the payment like the operator does for an invoice order.
type PaymentMethod interface {
	// Allowed refuses a partner the method is not for, naming the field.
	Allowed(p Partner) error
	// Start is the order's state and its licenses' payment status.
	Start() (OrderState, Payment)
	// Charge pays for o in tx and returns the balance movement recorded
	// on the order's purchase event (0 when none).
	Charge(s *Service, tx *storage.Tx, a Actor, p Partner, o *Order) (int64, error)
}

// paymentMethods are the methods offered, by name. None needs a network.
var paymentMethods = map[string]PaymentMethod{
	PayBalance: balancePayment{},
	PayInvoice: invoicePayment{},
	PayMonthly: monthlyPayment{},
}

// paymentFor picks the method for a purchase: the one asked for, or the
// partner's default (monthly for the monthly program, else balance).
func paymentFor(name string, p Partner) (string, PaymentMethod, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		name = PayBalance
		if p.Program == ProgramMonthly {
			name = PayMonthly
		}
	}
	m, ok := paymentMethods[name]
	if !ok {
		return "", nil, Invalid("payment", "pay by balance or invoice, not %q", name)
	}
	if err := m.Allowed(p); err != nil {
		return "", nil, err
	}
	return name, m, nil
}

// balancePayment takes the order total from the prepaid balance, refusing
// with the shortfall when it does not cover it.
type balancePayment struct{}

func (balancePayment) Allowed(Partner) error        { return nil }
func (balancePayment) Start() (OrderState, Payment) { return OrderProcessed, PaymentPaid }
func (balancePayment) Charge(s *Service, tx *storage.Tx, a Actor, p Partner, o *Order) (int64, error) {
	if _, err := s.addLedger(tx, a, p, -o.Total.Amount, LedgerPurchase, "order "+o.Number); err != nil {
		return 0, err
	}
	return -o.Total.Amount, nil
}

// invoicePayment leaves the order unpaid until the payment is recorded.
type invoicePayment struct{}

func (invoicePayment) Allowed(Partner) error        { return nil }
func (invoicePayment) Start() (OrderState, Payment) { return OrderUnpaid, PaymentPending }
func (invoicePayment) Charge(*Service, *storage.Tx, Actor, Partner, *Order) (int64, error) {
	return 0, nil
}

// monthlyPayment takes nothing now: the monthly job bills active seats.
type monthlyPayment struct{}

func (monthlyPayment) Allowed(p Partner) error {
	if p.Program != ProgramMonthly {
		return Invalid("payment", "%s is not on the monthly program; pay by balance or invoice", p.Name)
	}
	return nil
}
func (monthlyPayment) Start() (OrderState, Payment) { return OrderProcessed, PaymentPaid }
func (monthlyPayment) Charge(*Service, *storage.Tx, Actor, Partner, *Order) (int64, error) {
	return 0, nil
}
