package app

import (
	"errors"
	"maps"
	"net"
	"strings"
	"time"

	"licensedesk/storage"
)

// MaxCreate bounds how many licenses one create makes.
const MaxCreate = 1000

// LicenseCreate issues licenses: the operator issues to a partner (or
// keeps them unassigned); a partner on the manual program creates them
// for its clients with payment pending (F25).
type LicenseCreate struct {
	ProductID     uint64            `json:"product_id"`
	Edition       string            `json:"edition"`
	Seats         int               `json:"seats"`
	PeriodMonths  int               `json:"period_months"`
	Count         int               `json:"count"` // how many keys; default 1
	Name          string            `json:"name"`
	PartnerID     uint64            `json:"partner_id"` // operator only; partners create for themselves
	Customer      string            `json:"customer"`
	CustomerEmail string            `json:"customer_email"`
	IP            string            `json:"ip"`
	Notes         string            `json:"notes"`
	Config        map[string]string `json:"config"`
	Payment       Payment           `json:"payment_status"` // operator only; default paid
	OrderNumber   string            `json:"order_number"`   // operator only
}

// CreateLicenses makes in.Count licenses in one transaction. A license
// created with a customer counts as assigned: its period starts now (F7).
func (s *Service) CreateLicenses(a Actor, in LicenseCreate) ([]LicenseView, error) {
	if in.Count == 0 {
		in.Count = 1
	}
	if in.Count < 1 || in.Count > MaxCreate {
		return nil, Invalid("count", "make 1 to %d licenses at a time", MaxCreate)
	}
	if !a.IsOperator() {
		if in.PartnerID != 0 && in.PartnerID != a.PartnerID {
			return nil, Invalid("partner_id", "partners create licenses for themselves only")
		}
		if in.Payment != "" || in.OrderNumber != "" {
			return nil, Invalid("payment_status", "only the operator sets the payment status or order number")
		}
		in.PartnerID = a.PartnerID
		in.Payment = PaymentPending
	} else if in.Payment == "" {
		in.Payment = PaymentPaid
	}
	if !in.Payment.Valid() {
		return nil, Invalid("payment_status", "must be pending, paid or refunded")
	}
	in.Name = strings.TrimSpace(in.Name)
	in.Customer = strings.TrimSpace(in.Customer)
	in.CustomerEmail = normEmail(in.CustomerEmail)
	in.Notes = cleanMultiLine(in.Notes)
	in.OrderNumber = strings.TrimSpace(in.OrderNumber)
	if err := checkLicenseText(in.Name, in.Customer, in.Notes); err != nil {
		return nil, err
	}
	if err := checkOneLine("order_number", in.OrderNumber); err != nil {
		return nil, err
	}
	if in.CustomerEmail != "" {
		if err := validEmail("customer_email", in.CustomerEmail); err != nil {
			return nil, err
		}
	}
	ip, err := normIP(in.IP)
	if err != nil {
		return nil, err
	}
	var out []LicenseView
	err = s.update(func(tx *storage.Tx) error {
		out = out[:0] // fn may run again: start from nothing each time
		var prod Product
		if err := tx.Get(storage.Products, storage.EncodeID(in.ProductID), &prod); err != nil || !prod.Active {
			return Invalid("product_id", "choose a product from the catalogue")
		}
		if _, ok := prod.Edition(in.Edition); !ok {
			return Invalid("edition", "%s has no edition %q", prod.Name, in.Edition)
		}
		if _, ok := prod.PriceFor(in.Edition, in.PeriodMonths); !ok {
			return Invalid("period_months", "%s is not offered for %s", PeriodLabel(in.PeriodMonths), prod.Name)
		}
		if in.Seats > MaxSeats {
			return Invalid("seats", "must be at most %d", MaxSeats)
		}
		if in.Seats < prod.MinSeats || prod.MaxSeats > 0 && in.Seats > prod.MaxSeats {
			return Invalid("seats", "%s takes %s seats", prod.Name, seatRange(prod))
		}
		cfg, err := licenseConfig(prod, in.Config)
		if err != nil {
			return err
		}
		var partner Partner
		if in.PartnerID != 0 {
			if partner, err = getPartner(tx, in.PartnerID); err != nil {
				if errors.Is(err, ErrNotFound) {
					return Invalid("partner_id", "there is no partner %d", in.PartnerID)
				}
				return err
			}
			if partner.Disabled {
				return Invalid("partner_id", "%s is disabled", partner.Name)
			}
			if !a.IsOperator() && partner.Program != ProgramManual {
				return Invalid("program", "your account buys licenses through orders; creating them for clients needs the manual month-end program")
			}
		}
		now := s.now()
		var made []License // those with a customer, linked to its record below
		for range in.Count {
			id, err := tx.NextID(storage.Licenses)
			if err != nil {
				return err
			}
			l := License{
				ID: id, Name: in.Name, ProductID: prod.ID, ProductName: prod.Name, Edition: in.Edition,
				Seats: in.Seats, PeriodMonths: in.PeriodMonths, Status: StatusOrdered, Payment: in.Payment,
				Purchased: now, ActivateBy: addMonths(now, ActivationWindow), IP: ip,
				Customer: in.Customer, CustomerEmail: in.CustomerEmail, PartnerID: in.PartnerID,
				DistributorID: partner.DistributorID, Notes: in.Notes, Config: maps.Clone(cfg),
				OrderNumber: in.OrderNumber, Registrations: []Registration{}, Updated: now,
			}
			if l.Name == "" {
				l.Name = prod.Name
			}
			if l.Customer != "" || l.CustomerEmail != "" {
				startPeriod(&l, now)
			}
			if err := s.insertLicense(tx, &l); err != nil {
				return err
			}
			if err := s.writeHistory(tx, a, "create", nil, &l); err != nil {
				return err
			}
			if hasCustomer(&l) {
				made = append(made, l)
			}
			out = append(out, l.view())
		}
		if err := linkCustomers(tx, now, nil, made); err != nil {
			return err
		}
		return s.audit(tx, a, "license.create", prod.Code, uintStr(uint64(in.Count))+" × "+in.Edition)
	})
	if err != nil {
		return nil, err
	}
	s.addPartnerIDs(out)
	return out, nil
}

// insertLicense gives l a fresh unique key and stores it.
func (s *Service) insertLicense(tx *storage.Tx, l *License) error {
	for range 5 {
		l.Key = NewLicenseKey()
		if _, err := tx.Lookup(storage.LicensesByKey, NormaliseKey(l.Key)); errors.Is(err, ErrNotFound) {
			return putLicense(tx, nil, l)
		}
	}
	return errors.New("could not draw a unique license key")
}

// startPeriod activates an ordered license: its period starts now (F7).
func startPeriod(l *License, now time.Time) {
	if l.Status != StatusOrdered {
		return
	}
	from := now
	to := addMonths(from, l.PeriodMonths)
	l.ValidFrom, l.ValidTo = &from, &to
	l.Status = StatusActive
}

func seatRange(p Product) string {
	if p.MaxSeats == 0 {
		return "at least " + uintStr(uint64(p.MinSeats))
	}
	return uintStr(uint64(p.MinSeats)) + " to " + uintStr(uint64(p.MaxSeats))
}

// licenseConfig fills the product's defaults and checks every value.
func licenseConfig(p Product, in map[string]string) (map[string]string, error) {
	out := map[string]string{}
	known := map[string]ConfigField{}
	for _, f := range p.ConfigFields {
		known[f.Name] = f
		if f.Default != "" {
			out[f.Name] = f.Default
		}
	}
	for k, v := range in {
		f, ok := known[k]
		if !ok {
			return nil, Invalid("config."+k, "%s has no configuration field %q", p.Name, k)
		}
		if err := checkConfigValue("config."+k, f, v); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				ve.Field = "config." + k
			}
			return nil, err
		}
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out, nil
}

func checkLicenseText(name, customer, notes string) error {
	switch {
	case len(name) > 200:
		return Invalid("name", "must be at most 200 characters")
	case len(customer) > 200:
		return Invalid("customer", "must be at most 200 characters")
	case len(notes) > 5000:
		return Invalid("notes", "must be at most 5000 characters")
	}
	if err := checkOneLine("name", name); err != nil {
		return err
	}
	if err := checkOneLine("customer", customer); err != nil {
		return err
	}
	return checkMultiLine("notes", notes)
}

// normIP accepts an IPv4/IPv6 address (or empty) and returns it canonical.
func normIP(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	ip := net.ParseIP(s)
	if ip == nil {
		return "", Invalid("ip", "%q is not an IP address like 203.0.113.7", s)
	}
	return ip.String(), nil
}
