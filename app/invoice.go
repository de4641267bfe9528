package app

import (
	"time"
)

// Month-end checkout and invoices (F25–F28). A partner on the manual
// program creates licenses for its clients with payment pending (F25); at
// month end it checks them out into one invoice per currency (F26), pays
// it (F27), and the licenses turn paid in the same transaction. The
// invoice is priced by the same pricing as orders (pricing.go).
//
// How an invoice relates to an order paid "by invoice" (PayInvoice): an
// order's licenses are priced and billed by the order itself and settled
// by RecordOrderPayment; checkout refuses them so nothing is billed twice.

// InvoiceState is where an invoice is in its life.
type InvoiceState string

const (
	InvoiceOpen InvoiceState = "open" // waiting for payment; its licenses are taken
	InvoicePaid InvoiceState = "paid" // paid in full; its licenses are paid
	InvoiceVoid InvoiceState = "void" // deleted while unpaid; its number stays, its licenses are free
)

// InvoiceRenewal is the kind of an invoice billing renewals (issue 12):
// paying it settles the renewal order, voiding it undoes the renewals.
const InvoiceRenewal = "renewal"

// InvoiceStates lists every state in display order.
var InvoiceStates = []InvoiceState{InvoiceOpen, InvoicePaid, InvoiceVoid}

// Valid reports whether st is a known state.
func (st InvoiceState) Valid() bool {
	for _, x := range InvoiceStates {
		if x == st {
			return true
		}
	}
	return false
}

// InvoiceLine is one license on an invoice with its price, step by step:
// list − bulk tier − partner discount = total, rounded half-up per line.
type InvoiceLine struct {
	LicenseID    uint64 `json:"license_id"`
	Key          string `json:"key"`
	ProductID    uint64 `json:"product_id"`
	ProductName  string `json:"product_name"`
	Edition      string `json:"edition"`
	EditionName  string `json:"edition_name"`
	Seats        int    `json:"seats"`
	PeriodMonths int    `json:"period_months"`
	Customer     string `json:"customer,omitempty"`
	List         int64  `json:"list"`
	BulkBP       int    `json:"bulk_bp,omitempty"`
	Bulk         int64  `json:"bulk,omitempty"` // minor units taken off (positive)
	PartnerBP    int    `json:"partner_bp,omitempty"`
	Partner      int64  `json:"partner,omitempty"` // minor units taken off (positive)
	Total        int64  `json:"total"`
}

// Discount is what the line's discounts take off the list price.
func (l InvoiceLine) Discount() int64 { return l.Bulk + l.Partner }

// TermsAcceptance records who accepted which terms, and when (F26).
type TermsAcceptance struct {
	Version string    `json:"version"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
}

// InvoicePayment is one payment received on an invoice (F27).
type InvoicePayment struct {
	At        time.Time `json:"at"`     // when it was recorded
	By        string    `json:"by"`     // who recorded it
	Method    string    `json:"method"` // balance or transfer
	Amount    int64     `json:"amount"` // minor units
	Date      string    `json:"date"`   // the day the money arrived, YYYY-MM-DD
	Reference string    `json:"reference,omitempty"`
	Partial   bool      `json:"partial,omitempty"`
}

// Payment methods of an invoice payment.
const (
	InvoicePayBalance  = "balance"  // from the partner's prepaid balance
	InvoicePayTransfer = "transfer" // received otherwise, recorded by the operator
)

// Party is a name and address block on an invoice.
type Party struct {
	Name    string `json:"name"`
	Address string `json:"address,omitempty"` // lines separated by newlines
	VATID   string `json:"vat_id,omitempty"`
	Email   string `json:"email,omitempty"`
}

// Invoice is one bill of checked-out licenses in one currency (F26–F28).
// Its lines are stored apart from it, so a list of invoices reads only
// the headers.
type Invoice struct {
	ID          uint64       `json:"id"`
	Number      string       `json:"number"`
	PartnerID   uint64       `json:"partner_id"`
	PartnerName string       `json:"partner_name"`
	Created     time.Time    `json:"created"`
	User        string       `json:"user"`
	State       InvoiceState `json:"state"`
	Kind        string       `json:"kind,omitempty"`     // "" a checkout; InvoiceRenewal renewals
	OrderID     uint64       `json:"order_id,omitempty"` // the order recording its renewals
	Currency    string       `json:"currency"`
	LineCount   int          `json:"line_count"`

	ListTotal Money `json:"list_total"` // sum of list prices
	Discount  Money `json:"discount"`   // sum of the lines' discounts
	Subtotal  Money `json:"subtotal"`   // sum of line totals
	TaxBP     int   `json:"tax_bp"`
	Tax       Money `json:"tax"`
	Total     Money `json:"total"`
	Paid      Money `json:"paid"`

	ReverseCharge bool            `json:"reverse_charge,omitempty"`
	Seller        Party           `json:"seller"`
	Billing       Party           `json:"billing"`
	PaymentInfo   string          `json:"payment_instructions,omitempty"`
	Terms         TermsAcceptance `json:"terms"`

	Payments []InvoicePayment `json:"payments"`
	PaidAt   *time.Time       `json:"paid_at,omitempty"`
	VoidedAt *time.Time       `json:"voided_at,omitempty"`
	VoidedBy string           `json:"voided_by,omitempty"`
}

// Due is what is still to be paid.
func (inv Invoice) Due() Money {
	if inv.State != InvoiceOpen {
		return Money{0, inv.Currency}
	}
	return Money{inv.Total.Amount - inv.Paid.Amount, inv.Currency}
}

// InvoiceView is an invoice with its lines, as the API and pages show it.
type InvoiceView struct {
	Invoice
	Due        Money         `json:"due"`
	LicenseIDs []uint64      `json:"license_ids"`
	Lines      []InvoiceLine `json:"lines,omitempty"` // left out of the answers to actions: GET the invoice for them
}

// InvoiceSummary is an invoice in a list (no lines).
type InvoiceSummary struct {
	Invoice
	Due Money `json:"due"`
}

func (inv Invoice) summary() InvoiceSummary { return InvoiceSummary{inv, inv.Due()} }
