package app

import (
	"crypto/rand"
	"math/big"
	"slices"
	"strings"
	"time"

	"licensedesk/storage"
)

// Reasons a special price may be given for (F4).
var SpecialReasons = []string{"education", "non-profit", "competitive"}

// SpecialPrice is a single-use link with an extra discount, for one
// partner or any (F4).
type SpecialPrice struct {
	ID         uint64     `json:"id"`
	Code       string     `json:"code"`
	PartnerID  uint64     `json:"partner_id,omitempty"` // 0: any partner
	DiscountBP int        `json:"discount_bp"`
	Reason     string     `json:"reason"`
	Note       string     `json:"note,omitempty"`
	Expires    time.Time  `json:"expires"`
	Created    time.Time  `json:"created"`
	By         string     `json:"by"`
	UsedAt     *time.Time `json:"used_at,omitempty"`
	UsedBy     uint64     `json:"used_by,omitempty"` // partner
	UsedOrder  string     `json:"used_order,omitempty"`
}

// SpecialView is a special price as shown, with its link path.
type SpecialView struct {
	SpecialPrice
	Link string `json:"link"` // path of the purchase page with the code
}

func (sp SpecialPrice) view() SpecialView {
	return SpecialView{SpecialPrice: sp, Link: "/buy?special_price=" + sp.Code}
}

// SpecialPriceInput issues a link.
type SpecialPriceInput struct {
	PartnerID  uint64 `json:"partner_id"`
	DiscountBP int    `json:"discount_bp"`
	Reason     string `json:"reason"`
	Note       string `json:"note"`
	ValidDays  int    `json:"valid_days"` // default 30
}

func newSpecialCode() string {
	b := make([]byte, 10)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(publicIDAlphabet))))
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		b[i] = publicIDAlphabet[n.Int64()]
	}
	return "SP-" + string(b[:5]) + "-" + string(b[5:])
}

// CreateSpecialPrice issues a single-use special-price link (operator).
func (s *Service) CreateSpecialPrice(a Actor, in SpecialPriceInput) (SpecialView, error) {
	if err := a.requireOperator(); err != nil {
		return SpecialView{}, err
	}
	in.Reason = strings.ToLower(strings.TrimSpace(in.Reason))
	in.Note = strings.TrimSpace(in.Note)
	if in.DiscountBP < 1 || in.DiscountBP > 10000 {
		return SpecialView{}, Invalid("discount_bp", "must be 1 to 10000 basis points (0.01–100%%)")
	}
	if !slices.Contains(SpecialReasons, in.Reason) {
		return SpecialView{}, Invalid("reason", "must be one of %s", strings.Join(SpecialReasons, ", "))
	}
	if len(in.Note) > 500 {
		return SpecialView{}, Invalid("note", "must be at most 500 characters")
	}
	if err := checkOneLine("note", in.Note); err != nil {
		return SpecialView{}, err
	}
	if in.ValidDays == 0 {
		in.ValidDays = 30
	}
	if in.ValidDays < 1 || in.ValidDays > 366 {
		return SpecialView{}, Invalid("valid_days", "a link is valid for 1 to 366 days")
	}
	var sp SpecialPrice
	err := s.update(func(tx *storage.Tx) error {
		sp = SpecialPrice{}
		if in.PartnerID != 0 {
			p, err := getPartner(tx, in.PartnerID)
			if err != nil {
				return Invalid("partner_id", "there is no partner %d", in.PartnerID)
			}
			if p.Disabled {
				return Invalid("partner_id", "%s is disabled", p.Name)
			}
		}
		id, err := nextSpecialPriceID(tx)
		if err != nil {
			return err
		}
		now := s.now()
		sp = SpecialPrice{ID: id, Code: newSpecialCode(), PartnerID: in.PartnerID, DiscountBP: in.DiscountBP,
			Reason: in.Reason, Note: in.Note, Expires: now.AddDate(0, 0, in.ValidDays), Created: now, By: a.Email}
		if err := putSpecialPrice(tx, &sp, true); err != nil {
			return err
		}
		return s.audit(tx, a, "special_price.create", sp.Code, FormatBP(sp.DiscountBP)+"% "+sp.Reason)
	})
	return sp.view(), err
}

// ListSpecialPrices lists links newest first: every link for the
// operator, a partner's own (and open ones for any partner) for it.
func (s *Service) ListSpecialPrices(a Actor) ([]SpecialView, error) {
	out := []SpecialView{}
	err := s.db.View(func(tx *storage.Tx) error {
		return eachSpecialPrice(tx, func(sp SpecialPrice) bool {
			if sp.visibleTo(a) {
				out = append(out, sp.view())
			}
			return len(out) < 1000
		})
	})
	return out, err
}

// visibleTo: the operator sees every link, a partner the links issued to
// it and the ones it used.
func (sp SpecialPrice) visibleTo(a Actor) bool {
	return a.IsOperator() || a.PartnerID != 0 && (sp.PartnerID == a.PartnerID || sp.UsedBy == a.PartnerID)
}

// ListSpecialPricesPage is the API's list of the links the actor may
// see, newest first, one page of it with the exact total. It has no
// filters and no other order, and says so rather than ignore them.
func (s *Service) ListSpecialPricesPage(a Actor, p ListParams) (Page[SpecialView], error) {
	if err := p.fixedOrder("this list", "-created", "special prices are listed newest first (-created)"); err != nil {
		return Page[SpecialView]{}, err
	}
	p = p.norm()
	out := Page[SpecialView]{Page: p.Page, PerPage: p.PerPage, Items: []SpecialView{}}
	skip := (p.Page - 1) * p.PerPage
	err := s.db.View(func(tx *storage.Tx) error {
		return eachSpecialPrice(tx, func(sp SpecialPrice) bool {
			if sp.visibleTo(a) {
				out.Total++
				if out.Total > skip && len(out.Items) < p.PerPage {
					out.Items = append(out.Items, sp.view())
				}
			}
			return true
		})
	})
	return out, err
}

// checkSpecialPrice loads a link for partner p to use now, refusing with
// the reason a used, expired or another partner's link.
func checkSpecialPrice(tx *storage.Tx, code string, partnerID uint64, now time.Time) (SpecialPrice, error) {
	sp, err := specialPriceByCode(tx, code)
	if err != nil {
		return SpecialPrice{}, Invalid("special_price", "there is no special price %q", code)
	}
	switch {
	case sp.PartnerID != 0 && sp.PartnerID != partnerID:
		return SpecialPrice{}, Invalid("special_price", "this special price was issued to another partner")
	case sp.UsedAt != nil:
		return SpecialPrice{}, Conflict("special_price", "this special price was already used (order %s); each link is used once", sp.UsedOrder)
	case !now.Before(sp.Expires):
		return SpecialPrice{}, Invalid("special_price", "this special price expired on %s", sp.Expires.Format("2006-01-02"))
	}
	return sp, nil
}

// useSpecialPrice marks a link used by an order in tx.
func useSpecialPrice(tx *storage.Tx, sp SpecialPrice, partnerID uint64, order string, now time.Time) error {
	sp.UsedAt, sp.UsedBy, sp.UsedOrder = &now, partnerID, order
	return putSpecialPrice(tx, &sp, false)
}
