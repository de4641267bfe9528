package app

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"licensedesk/storage"
)

// GetLicense returns one license the actor may see.
func (s *Service) GetLicense(a Actor, id uint64) (LicenseView, error) {
	var l License
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		l, err = visibleLicense(tx, a, id)
		return err
	})
	if err != nil {
		return LicenseView{}, err
	}
	return s.decorate(l), nil
}

// LicenseByKey finds a license by its key, typed in any case or grouping.
func (s *Service) LicenseByKey(a Actor, key string) (LicenseView, error) {
	var l License
	err := s.db.View(func(tx *storage.Tx) error {
		id, err := tx.Lookup(storage.LicensesByKey, NormaliseKey(key))
		if err != nil {
			return err
		}
		l, err = visibleLicense(tx, a, id)
		return err
	})
	if err != nil {
		return LicenseView{}, err
	}
	return s.decorate(l), nil
}

// decorate adds what a view shows beyond the record.
func (s *Service) decorate(l License) LicenseView {
	v := l.view()
	if l.PartnerID != 0 {
		s.db.View(func(tx *storage.Tx) error {
			if p, err := getPartner(tx, l.PartnerID); err == nil {
				v.PartnerPublicID = p.PublicID
			}
			return nil
		})
	}
	return v
}

// LicenseEdit changes a license (F14); nil fields stay as they are.
type LicenseEdit struct {
	Name               *string           `json:"name"`
	IP                 *string           `json:"ip"`
	AdminPassword      *string           `json:"admin_password"`
	RegistrationKey    *string           `json:"registration_key"`
	ClearRegistrations bool              `json:"clear_registrations"` // hand the key to another customer
	AutoRenew          *bool             `json:"auto_renew"`
	AutoRenewMonths    *int              `json:"auto_renew_months"`
	ValidTo            *time.Time        `json:"valid_to"` // operator only
	Notes              *string           `json:"notes"`
	Config             map[string]string `json:"config"`
}

// changeLicense loads a visible license, lets fn change a copy, and saves
// it with its history in one transaction.
func (s *Service) changeLicense(a Actor, id uint64, action string, fn func(tx *storage.Tx, l *License) error) (LicenseView, error) {
	var l License
	err := s.update(func(tx *storage.Tx) error {
		var err error
		l, err = s.changeLicenseTx(tx, a, id, action, fn)
		return err
	})
	if err != nil {
		return LicenseView{}, err
	}
	return s.decorate(l), nil
}

func (s *Service) changeLicenseTx(tx *storage.Tx, a Actor, id uint64, action string, fn func(tx *storage.Tx, l *License) error) (License, error) {
	old, err := visibleLicense(tx, a, id)
	if err != nil {
		return License{}, err
	}
	if old.Status.ReadOnly() {
		return License{}, Invalid("status", "%s", readOnlyWhy(old.Status))
	}
	l := old
	l.Config = maps.Clone(old.Config)
	l.Registrations = slices.Clone(old.Registrations)
	if err := fn(tx, &l); err != nil {
		return License{}, err
	}
	if action == "edit" && sameLicense(&old, &l) {
		return old, nil // nothing changed: no write, no empty history row
	}
	l.Updated = s.now()
	if err := putLicense(tx, &old, &l); err != nil {
		return License{}, err
	}
	if customerMoves(&old, &l) { // the customer or the partner changed: the link follows
		if err := linkCustomers(tx, l.Updated, []License{old}, []License{l}); err != nil {
			return License{}, err
		}
	}
	return l, s.writeHistory(tx, a, action, &old, &l)
}

// Bulk actions on ticked licenses.
const (
	BulkSuspend = "suspend"
	BulkEnable  = "enable"
)

// BulkLicenses applies one action to many licenses in one transaction:
// all of them change, or — when any one cannot — none, and the error
// names the license that could not.
func (s *Service) BulkLicenses(a Actor, action string, ids []uint64) (int, error) {
	var to Status
	switch action {
	case BulkSuspend:
		to = StatusSuspended
	case BulkEnable:
		to = StatusActive
	default:
		return 0, Invalid("action", "must be suspend or enable")
	}
	if len(ids) == 0 {
		return 0, Invalid("ids", "tick at least one license")
	}
	if len(ids) > MaxCreate {
		return 0, Invalid("ids", "at most %d licenses at a time", MaxCreate)
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	err := s.update(func(tx *storage.Tx) error {
		for _, id := range ids {
			if _, err := s.changeLicenseTx(tx, a, id, action, s.mover(to)); err != nil {
				var ve *ValidationError
				if errors.As(err, &ve) {
					return Invalid("ids", "license %d: %s; nothing was changed", id, ve.Message)
				}
				if errors.Is(err, ErrNotFound) {
					return Invalid("ids", "there is no license %d; nothing was changed", id)
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

// EditLicense applies an edit.
func (s *Service) EditLicense(a Actor, id uint64, in LicenseEdit) (LicenseView, error) {
	if in.ValidTo != nil && !a.IsOperator() {
		return LicenseView{}, Invalid("valid_to", "only the operator changes the end date")
	}
	return s.changeLicense(a, id, "edit", func(tx *storage.Tx, l *License) error {
		if in.Name != nil {
			l.Name = strings.TrimSpace(*in.Name)
			if l.Name == "" {
				return Invalid("name", "is required")
			}
		}
		if in.Notes != nil {
			l.Notes = cleanMultiLine(*in.Notes)
		}
		if err := checkLicenseText(l.Name, l.Customer, l.Notes); err != nil {
			return err
		}
		if in.IP != nil {
			ip, err := normIP(*in.IP)
			if err != nil {
				return err
			}
			l.IP = ip
		}
		if in.AdminPassword != nil {
			if len(*in.AdminPassword) > 200 {
				return Invalid("admin_password", "must be at most 200 characters")
			}
			sealed, err := s.sealPassword(tx, l.ID, *in.AdminPassword)
			if err != nil {
				return err
			}
			l.AdminPassword = sealed
		}
		if in.RegistrationKey != nil {
			l.RegistrationKey = strings.TrimSpace(*in.RegistrationKey)
			if len(l.RegistrationKey) > 200 {
				return Invalid("registration_key", "must be at most 200 characters")
			}
			if err := checkOneLine("registration_key", l.RegistrationKey); err != nil {
				return err
			}
		}
		if in.ClearRegistrations {
			l.Registrations = []Registration{}
		}
		if in.AutoRenew != nil || in.AutoRenewMonths != nil {
			if l.Status != StatusActive {
				return Invalid("auto_renew", "auto-renew can be set on active licenses only; this one is %s", l.Status)
			}
			if in.AutoRenew != nil {
				l.AutoRenew = *in.AutoRenew
			}
			if in.AutoRenewMonths != nil {
				l.AutoRenewMonths = *in.AutoRenewMonths
			}
			if l.AutoRenew && l.AutoRenewMonths == 0 {
				l.AutoRenewMonths = l.PeriodMonths
			}
			// A period is checked when renewal is on and whenever one is
			// given, so a period the product does not offer is never stored.
			if l.AutoRenew || in.AutoRenewMonths != nil && *in.AutoRenewMonths != 0 {
				var prod Product
				if err := tx.Get(storage.Products, storage.EncodeID(l.ProductID), &prod); err == nil {
					if _, ok := prod.PriceFor(l.Edition, l.AutoRenewMonths); !ok {
						return Invalid("auto_renew_months", "%s is not offered for %s", PeriodLabel(l.AutoRenewMonths), prod.Name)
					}
				}
			}
		}
		if in.ValidTo != nil {
			if l.ValidFrom == nil {
				return Invalid("valid_to", "the license is not activated yet, so it has no period to change")
			}
			// The end date moves within the state machine only: an
			// expired license comes back through a renewal, never here.
			if l.Status == StatusExpired || l.Status == StatusCancelled {
				return Invalid("valid_to", "the license is %s; renew it instead of moving its end date", l.Status)
			}
			to := in.ValidTo.UTC()
			if err := checkLatest("valid_to", &to); err != nil {
				return err
			}
			if !to.After(*l.ValidFrom) {
				return Invalid("valid_to", "must be after the start of the period (%s)", l.ValidFrom.Format("2006-01-02"))
			}
			l.ValidTo = &to
		}
		if in.Config != nil {
			var prod Product
			if err := tx.Get(storage.Products, storage.EncodeID(l.ProductID), &prod); err != nil {
				return err
			}
			merged := maps.Clone(l.Config)
			if merged == nil {
				merged = map[string]string{}
			}
			maps.Copy(merged, in.Config)
			cfg, err := licenseConfig(prod, merged)
			if err != nil {
				return err
			}
			l.Config = cfg
		}
		return nil
	})
}

// SetNotes changes only the notes: the pencil in the list (F11).
func (s *Service) SetNotes(a Actor, id uint64, notes string) (LicenseView, error) {
	return s.EditLicense(a, id, LicenseEdit{Notes: &notes})
}

// AssignInput hands a key to a partner (operator only) and/or a customer.
type AssignInput struct {
	PartnerID     *uint64 `json:"partner_id"`
	Customer      *string `json:"customer"`
	CustomerEmail *string `json:"customer_email"`
}

// AssignLicense assigns a license (F16). Assigning an unused key to a
// customer starts its period (F7).
func (s *Service) AssignLicense(a Actor, id uint64, in AssignInput) (LicenseView, error) {
	if in.PartnerID != nil && !a.IsOperator() {
		return LicenseView{}, Invalid("partner_id", "only the operator moves a license to another partner; use a transfer")
	}
	return s.changeLicense(a, id, "assign", func(tx *storage.Tx, l *License) error {
		if in.PartnerID != nil && *in.PartnerID != l.PartnerID {
			if *in.PartnerID != 0 {
				p, err := getPartner(tx, *in.PartnerID)
				if errors.Is(err, ErrNotFound) {
					return Invalid("partner_id", "there is no partner %d", *in.PartnerID)
				}
				if err != nil {
					return err
				}
				l.DistributorID = p.DistributorID
			} else {
				l.DistributorID = 0
			}
			l.PartnerID = *in.PartnerID
		}
		if in.Customer != nil {
			l.Customer = strings.TrimSpace(*in.Customer)
		}
		if in.CustomerEmail != nil {
			l.CustomerEmail = normEmail(*in.CustomerEmail)
			if l.CustomerEmail != "" {
				if err := validEmail("customer_email", l.CustomerEmail); err != nil {
					return err
				}
			}
		}
		if err := checkLicenseText(l.Name, l.Customer, l.Notes); err != nil {
			return err
		}
		if l.Customer != "" || l.CustomerEmail != "" {
			startPeriod(l, s.now())
		}
		return nil
	})
}

// SuspendLicense disables a license (F15).
func (s *Service) SuspendLicense(a Actor, id uint64) (LicenseView, error) {
	return s.moveLicense(a, id, StatusSuspended, "suspend")
}

// EnableLicense re-enables a suspended license, or activates an unused
// one, which starts its period (F7, F15).
func (s *Service) EnableLicense(a Actor, id uint64) (LicenseView, error) {
	return s.moveLicense(a, id, StatusActive, "enable")
}

// CancelLicense ends a license for good (operator only).
func (s *Service) CancelLicense(a Actor, id uint64) (LicenseView, error) {
	if err := a.requireOperator(); err != nil {
		return LicenseView{}, err
	}
	return s.moveLicense(a, id, StatusCancelled, "cancel")
}

func (s *Service) moveLicense(a Actor, id uint64, to Status, action string) (LicenseView, error) {
	return s.changeLicense(a, id, action, s.mover(to))
}

// mover changes a license's status along the state machine.
func (s *Service) mover(to Status) func(tx *storage.Tx, l *License) error {
	return func(tx *storage.Tx, l *License) error {
		if err := CanMove(l.Status, to); err != nil {
			return err
		}
		now := s.now()
		if to == StatusActive && l.ValidTo != nil && !l.ValidTo.After(now) {
			return Invalid("status", "the license's period ended on %s; renew it instead", l.ValidTo.Format("2006-01-02"))
		}
		if l.Status == StatusOrdered && to == StatusActive {
			startPeriod(l, now)
			return nil
		}
		l.Status = to
		if to != StatusActive {
			l.AutoRenew = false
		}
		return nil
	}
}

// DeleteLicense removes a license from every list and search; its key is
// never reused and its history stays readable (F15). deleteBlock says
// what may not be deleted, and by whom.
func (s *Service) DeleteLicense(a Actor, id uint64) error {
	return s.update(func(tx *storage.Tx) error {
		l, err := visibleLicense(tx, a, id)
		if err != nil {
			return err
		}
		if err := s.deleteBlock(tx, a, l); err != nil {
			return err
		}
		_, err = s.changeLicenseTx(tx, a, id, "delete", func(tx *storage.Tx, l *License) error {
			now := s.now()
			l.Deleted = &now
			return nil
		})
		return err
	})
}
