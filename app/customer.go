package app

import (
	"strings"
	"time"
	"unicode/utf8"

	"licensedesk/storage"
)

// Customer is an end customer of a partner (B11): who a license was
// activated for.
type Customer struct {
	ID        uint64    `json:"id"`
	PartnerID uint64    `json:"partner_id"`
	Name      string    `json:"name"`
	Company   string    `json:"company,omitempty"`
	Email     string    `json:"email"`
	Country   string    `json:"country,omitempty"` // ISO 3166-1 alpha-2, upper case
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
}

// CustomerInput creates or changes a customer; nil fields stay.
type CustomerInput struct {
	PartnerID *uint64 `json:"partner_id"` // operator only; a partner's customers are its own
	Name      *string `json:"name"`
	Company   *string `json:"company"`
	Email     *string `json:"email"`
	Country   *string `json:"country"`
}

func (in CustomerInput) apply(c *Customer) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&c.Name, in.Name)
	set(&c.Company, in.Company)
	if in.Email != nil {
		c.Email = normEmail(*in.Email)
	}
	if in.Country != nil {
		c.Country = strings.ToUpper(strings.TrimSpace(*in.Country))
	}
	return c.check()
}

func (c *Customer) check() error {
	text := func(field, v string, max int, required bool) error {
		switch {
		case required && v == "":
			return Invalid(field, "is required")
		case utf8.RuneCountInString(v) > max:
			return Invalid(field, "must be at most %d characters", max)
		}
		return checkOneLine(field, v)
	}
	if err := text("name", c.Name, 200, true); err != nil {
		return err
	}
	if err := text("company", c.Company, 200, false); err != nil {
		return err
	}
	if err := validEmail("email", c.Email); err != nil {
		return err
	}
	if len(c.Email) > 254 {
		return Invalid("email", "must be at most 254 characters")
	}
	if c.Country != "" && (len(c.Country) != 2 || strings.Trim(c.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		return Invalid("country", "must be a two-letter country code such as DE or US")
	}
	return nil
}

// createCustomerTx creates a customer of partner in the caller's
// transaction.
func (s *Service) createCustomerTx(tx *storage.Tx, a Actor, partner uint64, in CustomerInput) (Customer, error) {
	c := Customer{PartnerID: partner}
	if err := in.apply(&c); err != nil {
		return c, err
	}
	if partner != 0 { // 0: a customer of the desk's own stock
		if _, err := getPartner(tx, partner); err != nil {
			return c, Invalid("partner_id", "there is no partner %d", partner)
		}
	}
	var err error
	if c.ID, err = tx.NextID(storage.Customers); err != nil {
		return c, err
	}
	c.Created, c.Updated = s.now(), s.now()
	if err := putCustomer(tx, nil, &c); err != nil {
		return c, err
	}
	return c, s.audit(tx, a, "customer.create", "customer:"+uintStr(c.ID), c.Email)
}

// CreateCustomer creates a customer record; a partner's customers are its
// own, the operator names the partner.
func (s *Service) CreateCustomer(a Actor, in CustomerInput) (Customer, error) {
	partner := a.PartnerID
	if a.IsOperator() {
		if in.PartnerID == nil {
			return Customer{}, Invalid("partner_id", "name the partner the customer belongs to")
		}
		partner = *in.PartnerID
	} else if in.PartnerID != nil && *in.PartnerID != a.PartnerID {
		return Customer{}, Invalid("partner_id", "a partner creates customers of its own only")
	}
	if !a.IsOperator() && a.PartnerID == 0 {
		return Customer{}, ErrForbidden
	}
	var c Customer
	err := s.update(func(tx *storage.Tx) error {
		var err error
		c, err = s.createCustomerTx(tx, a, partner, in)
		return err
	})
	return c, err
}

// visibleCustomer loads a customer the actor may see.
func visibleCustomer(tx *storage.Tx, a Actor, id uint64) (Customer, error) {
	c, err := getCustomer(tx, id)
	if err != nil {
		return c, err
	}
	if !a.canSeePartner(c.PartnerID) {
		return Customer{}, ErrNotFound
	}
	return c, nil
}

// GetCustomer returns a customer the actor may see.
func (s *Service) GetCustomer(a Actor, id uint64) (Customer, error) {
	var c Customer
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		c, err = visibleCustomer(tx, a, id)
		return err
	})
	return c, err
}

// UpdateCustomer changes a customer record.
func (s *Service) UpdateCustomer(a Actor, id uint64, in CustomerInput) (Customer, error) {
	if in.PartnerID != nil {
		return Customer{}, Invalid("partner_id", "a customer stays with its partner")
	}
	var c Customer
	err := s.update(func(tx *storage.Tx) error {
		old, err := visibleCustomer(tx, a, id)
		if err != nil {
			return err
		}
		c = old
		if err := in.apply(&c); err != nil {
			return err
		}
		c.Updated = s.now()
		if err := putCustomer(tx, &old, &c); err != nil {
			return err
		}
		return s.audit(tx, a, "customer.update", "customer:"+uintStr(c.ID), c.Email)
	})
	return c, err
}

// CustomerLicenses lists a customer's licenses.
func (s *Service) CustomerLicenses(a Actor, id uint64) ([]LicenseView, error) {
	var out []LicenseView
	err := s.db.View(func(tx *storage.Tx) error {
		c, err := visibleCustomer(tx, a, id)
		if err != nil {
			return err
		}
		eachCustomerLicense(tx, &c, func(l *License) { out = append(out, l.view()) })
		return nil
	})
	return out, err
}

// eachCustomerLicense visits the customer's licenses that are its own:
// not deleted and still of the customer's partner (links follow moves;
// never show one across partners). Lists count what this visits, so a
// customer's count is the number of licenses its page shows.
func eachCustomerLicense(tx *storage.Tx, c *Customer, fn func(l *License)) {
	for _, lid := range customerLicenseIDs(tx, c.ID) {
		if l, err := getLicense(tx, lid); err == nil && l.PartnerID == c.PartnerID {
			fn(&l)
		}
	}
}

// customerLicenseCount counts the licenses eachCustomerLicense visits.
func customerLicenseCount(tx *storage.Tx, c *Customer) int {
	n := 0
	eachCustomerLicense(tx, c, func(*License) { n++ })
	return n
}

// LicenseCustomer is the customer record a license links to, if any and
// if it belongs to the license's partner (linkedCustomer).
func (s *Service) LicenseCustomer(a Actor, licenseID uint64) (*Customer, error) {
	var out *Customer
	err := s.db.View(func(tx *storage.Tx) error {
		l, err := visibleLicense(tx, a, licenseID)
		if err != nil {
			return err
		}
		if c, ok := linkedCustomer(tx, a, &l); ok {
			out = &c
		}
		return nil
	})
	return out, err
}
