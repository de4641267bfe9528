package app

import (
	"fmt"
	"time"

	"licensedesk/storage"
)

// Coupon renewal (F30): an unused license (ordered, never activated) of
// the same partner, product, edition and seats renews an active one for
// the coupon's period. Without a named coupon the one with the soonest
// activation deadline is used, skipping coupons that carry a note (the
// partner keeps those for something).

// couponFits says why c cannot renew l, or "" when it can.
func couponFits(c, l License, now time.Time) string {
	switch {
	case c.ID == l.ID:
		return "a license cannot renew itself"
	case c.PartnerID != l.PartnerID:
		return "the coupon belongs to another partner"
	case c.Status == StatusCancelled:
		return fmt.Sprintf("coupon %s is cancelled (already used)", c.Key)
	case c.Status != StatusOrdered || c.ValidFrom != nil:
		return fmt.Sprintf("coupon %s has been activated (%s); only an unused license is a coupon", c.Key, c.Status)
	case !c.ActivateBy.After(now):
		return fmt.Sprintf("coupon %s lapsed unused on %s", c.Key, c.ActivateBy.Format(time.DateOnly))
	case c.ProductID != l.ProductID:
		return fmt.Sprintf("coupon %s is for %s, the license is %s", c.Key, c.ProductName, l.ProductName)
	case c.Edition != l.Edition:
		return fmt.Sprintf("coupon %s is edition %s, the license is %s", c.Key, c.Edition, l.Edition)
	case c.Seats != l.Seats:
		return fmt.Sprintf("coupon %s has %d seats, the license %d", c.Key, c.Seats, l.Seats)
	}
	return ""
}

// pickCoupon finds the coupon that renews l: the one named by id, or the
// best one; when none fits, the error says which constraint failed.
func (s *Service) pickCoupon(tx *storage.Tx, a Actor, l License, id uint64, now time.Time) (License, error) {
	if id != 0 {
		c, err := getLicense(tx, id)
		if err != nil || !a.IsOperator() && c.PartnerID != a.PartnerID {
			return License{}, Invalid("coupon_id", "there is no license %d to use as a coupon", id)
		}
		if why := couponFits(c, l, now); why != "" {
			return License{}, Invalid("coupon_id", "%s", why)
		}
		return c, nil
	}
	var best *License
	var unused, product, edition, seats, noted int
	prefix := validPrefix(maskPartner|maskStatus|maskProduct, l.PartnerID, StatusOrdered, l.ProductID)
	var err error
	tx.Each(storage.LicenseIndex, prefix, func(k, _ []byte) bool {
		_, cid := decodeSortID(k)
		var c License
		if c, err = getLicense(tx, cid); err != nil {
			return false
		}
		product++
		if c.Status != StatusOrdered || c.ValidFrom != nil || !c.ActivateBy.After(now) || c.Edition != l.Edition {
			return true
		}
		edition++
		if c.Seats != l.Seats {
			return true
		}
		seats++
		if c.Notes != "" {
			noted++
			return true
		}
		if best == nil || c.ActivateBy.Before(best.ActivateBy) {
			best = &c
		}
		return true
	})
	if err != nil {
		return License{}, err
	}
	if best != nil {
		return *best, nil
	}
	switch {
	case product == 0:
		tx.Each(storage.LicenseIndex, validPrefix(maskPartner|maskStatus, l.PartnerID, StatusOrdered, 0), func(_, _ []byte) bool { unused++; return false })
		if unused == 0 {
			return License{}, Invalid("coupon", "no coupon fits: there is no unused license to renew with")
		}
		return License{}, Invalid("coupon", "no coupon fits: no unused license is of %s", l.ProductName)
	case edition == 0:
		return License{}, Invalid("coupon", "no coupon fits: no unused %s license is edition %s", l.ProductName, l.Edition)
	case seats == 0:
		return License{}, Invalid("coupon", "no coupon fits: no unused %s %s license has %d seats", l.ProductName, l.Edition, l.Seats)
	}
	return License{}, Invalid("coupon", "no coupon fits: the %d unused licenses that match carry a note, and noted coupons are skipped; name one to use it", noted)
}

// useCoupon cancels a coupon used to renew l, with both histories saying so.
func (s *Service) useCoupon(tx *storage.Tx, a Actor, c, l License) error {
	cur, err := getLicense(tx, c.ID)
	if err != nil {
		return err
	}
	if why := couponFits(cur, l, s.now()); why != "" && cur.ID != l.ID {
		// Renewing l moved its dates, not its kind: a refusal here means
		// the coupon changed under us.
		return Conflict("coupon", "%s", why)
	}
	if err := CanMove(cur.Status, StatusCancelled); err != nil {
		return err
	}
	n := cur
	n.Config = cloneMap(cur.Config)
	n.Status, n.Updated = StatusCancelled, s.now()
	if err := putLicense(tx, &cur, &n); err != nil {
		return err
	}
	if err := s.writeHistory(tx, a, "coupon_used", &cur, &n); err != nil {
		return err
	}
	if err := s.writeHistoryNote(tx, a, "coupon_used", &n, "used to renew "+l.Key); err != nil {
		return err
	}
	return s.writeHistoryNote(tx, a, "renew_coupon", &l, "renewed with coupon "+c.Key)
}
