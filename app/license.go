package app

import (
	"slices"
	"strings"
	"time"
)

// Status is where a license is in its life (F6).
type Status string

const (
	StatusOrdered    Status = "ordered"     // bought, not yet activated or paid
	StatusActive     Status = "active"      // in use
	StatusSuspended  Status = "suspended"   // disabled by its owner or the operator
	StatusInProgress Status = "in_progress" // an operation (renewal, migration) is running
	StatusExpired    Status = "expired"     // its period ended, or it was never activated in time
	StatusCancelled  Status = "cancelled"   // ended for good

	// A license handed to another desk by a transfer file (F39): read-only
	// and still valid for the customer while the file is out, then kept,
	// read-only, once the other desk's receipt is imported.
	StatusTransferring   Status = "transferring"
	StatusTransferredOut Status = "transferred_out"
)

// Statuses lists the statuses of a license's own life (F6) in display
// order: the ones its state machine moves between.
var Statuses = []Status{StatusOrdered, StatusActive, StatusSuspended, StatusInProgress, StatusExpired, StatusCancelled}

// FilterStatuses is every status a license can be in, in display order:
// those of Statuses and the two a transfer by file brings. The license
// list's status filter offers these.
var FilterStatuses = append(slices.Clone(Statuses), StatusTransferring, StatusTransferredOut)

// statusList names every status, for messages.
func statusList() string {
	names := make([]string, len(FilterStatuses))
	for i, st := range FilterStatuses {
		names[i] = string(st)
	}
	return strings.Join(names, ", ")
}

// ReadOnly reports whether a license in this status may not be changed:
// it is with, or has gone to, another desk.
func (s Status) ReadOnly() bool { return s == StatusTransferring || s == StatusTransferredOut }

// Payment is a license's payment status (F6).
type Payment string

const (
	PaymentPending  Payment = "pending"
	PaymentPaid     Payment = "paid"
	PaymentRefunded Payment = "refunded"
)

// Payments lists every payment status.
var Payments = []Payment{PaymentPending, PaymentPaid, PaymentRefunded}

// ActivationWindow is how long a bought key may wait for its first
// activation before it expires unused (F7).
const ActivationWindow = 12 // months

// Registration is one activated machine.
type Registration struct {
	Machine  string    `json:"machine"`
	Hostname string    `json:"hostname,omitempty"`
	At       time.Time `json:"at"`
}

// License is one license key with everything F5 names.
type License struct {
	ID              uint64            `json:"id"`
	Key             string            `json:"key"`
	Name            string            `json:"name"`
	ProductID       uint64            `json:"product_id"`
	ProductName     string            `json:"product_name"`
	Edition         string            `json:"edition"`
	Seats           int               `json:"seats"`
	PeriodMonths    int               `json:"period_months"`
	Status          Status            `json:"status"`
	Payment         Payment           `json:"payment_status"`
	Purchased       time.Time         `json:"purchased"`
	ValidFrom       *time.Time        `json:"valid_from,omitempty"`
	ValidTo         *time.Time        `json:"valid_to,omitempty"`
	ActivateBy      time.Time         `json:"activate_by"`
	AutoRenew       bool              `json:"auto_renew"`
	AutoRenewMonths int               `json:"auto_renew_months,omitempty"`
	IP              string            `json:"ip,omitempty"`
	AdminPassword   []byte            `json:"admin_password_enc,omitempty"` // sealed; never leaves the service
	RegistrationKey string            `json:"registration_key,omitempty"`
	Registrations   []Registration    `json:"registrations"`
	Customer        string            `json:"customer,omitempty"`
	CustomerEmail   string            `json:"customer_email,omitempty"`
	PartnerID       uint64            `json:"partner_id,omitempty"`
	DistributorID   uint64            `json:"distributor_id,omitempty"`
	Notes           string            `json:"notes,omitempty"`
	Config          map[string]string `json:"config,omitempty"`
	OrderNumber     string            `json:"order_number,omitempty"`
	Updated         time.Time         `json:"updated"`
	Deleted         *time.Time        `json:"deleted,omitempty"`
}

// LicenseView is a license as shown to a user: the administrator
// password is replaced by whether one is set.
type LicenseView struct {
	License
	AdminPasswordSet bool   `json:"admin_password_set"`
	PartnerPublicID  string `json:"partner_public_id,omitempty"`
}

func (l License) view() LicenseView {
	v := LicenseView{License: l, AdminPasswordSet: len(l.AdminPassword) > 0}
	v.License.AdminPassword = nil
	if v.Registrations == nil {
		v.Registrations = []Registration{}
	}
	return v
}

// addMonths adds calendar months, clamping to the month's last day
// (31 Jan + 1 month = 28/29 Feb).
func addMonths(t time.Time, months int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}
