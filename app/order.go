package app

import (
	"fmt"
	"time"
)

// Payment methods of an order (F19).
const (
	PayBalance = "balance" // paid from the prepaid balance at purchase
	PayInvoice = "invoice" // waits unpaid until the operator records the payment
	PayMonthly = "monthly" // a monthly-program partner: nothing now, active seats billed monthly (F24)
)

// Kinds of order.
const (
	OrderPurchase = "purchase"       // bought by a partner (or for it)
	OrderMonthly  = "monthly_charge" // the monthly bill of an MSP's active seats (F24)
)

// Order states (F20).
type OrderState string

const (
	OrderProcessed      OrderState = "processed"
	OrderUnpaid         OrderState = "unpaid"
	OrderPartlyRefunded OrderState = "partly_refunded"
	OrderRefunded       OrderState = "refunded"
)

// OrderStates lists every state in display order.
var OrderStates = []OrderState{OrderProcessed, OrderUnpaid, OrderPartlyRefunded, OrderRefunded}

// Valid reports whether st is a known state.
func (st OrderState) Valid() bool {
	for _, x := range OrderStates {
		if x == st {
			return true
		}
	}
	return false
}

// OrderItem is one license of an order with the share of its line's
// price it cost; the items' prices add up to the order total.
type OrderItem struct {
	LicenseID uint64     `json:"license_id"`
	Line      int        `json:"line"`
	Price     int64      `json:"price"`
	Refunded  *time.Time `json:"refunded,omitempty"`
}

// OrderEvent is a line of an order's own history: bought, paid, refunded.
type OrderEvent struct {
	At       time.Time `json:"at"`
	By       string    `json:"by"`
	Action   string    `json:"action"` // purchase, payment, refund
	Amount   int64     `json:"amount"` // minor units, signed as the balance moves
	Licenses []uint64  `json:"licenses,omitempty"`
	Reason   string    `json:"reason,omitempty"`
}

// Order is one purchase (F17–F22).
type Order struct {
	ID             uint64       `json:"id"`
	Number         string       `json:"number"`
	PartnerID      uint64       `json:"partner_id"`
	PartnerName    string       `json:"partner_name"`
	User           string       `json:"user"`
	Created        time.Time    `json:"created"`
	Lines          []PricedLine `json:"lines"`
	Total          Money        `json:"total"`
	Refunded       Money        `json:"refunded"`
	Kind           string       `json:"kind"`
	BillingMonth   string       `json:"billing_month,omitempty"` // 2026-03, for a monthly charge
	Payment        string       `json:"payment"`
	State          OrderState   `json:"state"`
	PaidAt         *time.Time   `json:"paid_at,omitempty"`
	InvoiceID      uint64       `json:"invoice_id,omitempty"` // the invoice it is billed on (issue 9)
	SpecialPrice   string       `json:"special_price,omitempty"`
	IdempotencyKey string       `json:"-"`
	Items          []OrderItem  `json:"items"`
	Events         []OrderEvent `json:"events"`
}

// LicenseIDs lists the order's licenses in the order they were made.
func (o Order) LicenseIDs() []uint64 {
	ids := make([]uint64, len(o.Items))
	for i, it := range o.Items {
		ids[i] = it.LicenseID
	}
	return ids
}

// Due is what is still to be paid on an unpaid order.
func (o Order) Due() Money {
	if o.State != OrderUnpaid {
		return Money{0, o.Total.Currency}
	}
	return Money{o.Total.Amount - o.Refunded.Amount, o.Total.Currency}
}

// ProductSummary names the order's products: "Antivirus Pro" or
// "Antivirus Pro and 2 more".
func (o Order) ProductSummary() string {
	seen := map[uint64]bool{}
	first := ""
	for _, l := range o.Lines {
		if !seen[l.ProductID] {
			if first == "" {
				first = l.ProductName
			}
			seen[l.ProductID] = true
		}
	}
	if len(seen) > 1 {
		return fmt.Sprintf("%s and %d more", first, len(seen)-1)
	}
	return first
}

// OrderView is an order as shown: with its licenses counted by use.
type OrderView struct {
	Order
	LicenseIDList []uint64 `json:"license_ids"`
	Active        int      `json:"licenses_active"`    // in use
	Available     int      `json:"licenses_available"` // bought, not yet activated: still to hand out
	Due           Money    `json:"due"`
}

// OrderInput is a purchase or a quote request; the shape scripts rely on.
type OrderInput struct {
	Lines        []BasketLine `json:"lines"`
	Payment      string       `json:"payment"`
	PartnerID    uint64       `json:"partner_id"`    // operator buying for a partner
	SpecialPrice string       `json:"special_price"` // a special-price link's code
}

// Quote is a priced basket: what the order would cost.
type Quote struct {
	PartnerID    uint64       `json:"partner_id,omitempty"`
	Lines        []PricedLine `json:"lines"`
	Total        Money        `json:"total"`
	Balance      *Money       `json:"balance,omitempty"` // the partner's balance, for "can I pay this"
	SpecialPrice *SpecialView `json:"special_price,omitempty"`
}
