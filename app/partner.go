package app

import (
	"crypto/rand"
	"errors"
	"math/big"
	"strconv"
	"strings"
	"time"

	"licensedesk/search"
	"licensedesk/storage"
)

// Programs a partner can be on.
const (
	ProgramStandard = "standard" // buys and pays at purchase
	ProgramManual   = "manual"   // creates licenses for clients, checks out at month end (F25)
	ProgramMonthly  = "monthly"  // MSP: uses licenses, billed once a month for active seats (F24)
)

// Partner is a reseller or MSP account (F3).
type Partner struct {
	ID            uint64    `json:"id"`
	PublicID      string    `json:"public_id"` // shareable, for transfers (F37)
	Name          string    `json:"name"`
	Email         string    `json:"email"` // contact for orders and reminders
	DiscountBP    int       `json:"discount_bp"`
	Program       string    `json:"program"`
	DistributorID uint64    `json:"distributor_id,omitempty"`
	Currency      string    `json:"currency"`
	Notes         string    `json:"notes,omitempty"`
	Disabled      bool      `json:"disabled"`
	Created       time.Time `json:"created"`
	Updated       time.Time `json:"updated"`
}

// PartnerInput creates or changes a partner; nil fields stay as they are.
type PartnerInput struct {
	Name          *string `json:"name"`
	Email         *string `json:"email"`
	DiscountBP    *int    `json:"discount_bp"`
	Program       *string `json:"program"`
	DistributorID *uint64 `json:"distributor_id"`
	Currency      *string `json:"currency"`
	Notes         *string `json:"notes"`
	Disabled      *bool   `json:"disabled"`
}

// publicIDAlphabet has no look-alike characters (0/O, 1/I/L, U).
const publicIDAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

func newPublicID() string {
	b := make([]byte, 8)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(publicIDAlphabet))))
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		b[i] = publicIDAlphabet[n.Int64()]
	}
	return "P-" + string(b[:4]) + "-" + string(b[4:])
}

// NormalisePublicID accepts a typed public ID in any case and spacing.
func NormalisePublicID(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

func (p *Partner) apply(in PartnerInput) {
	if in.Name != nil {
		p.Name = strings.TrimSpace(*in.Name)
	}
	if in.Email != nil {
		p.Email = normEmail(*in.Email)
	}
	if in.DiscountBP != nil {
		p.DiscountBP = *in.DiscountBP
	}
	if in.Program != nil {
		p.Program = strings.TrimSpace(*in.Program)
	}
	if in.DistributorID != nil {
		p.DistributorID = *in.DistributorID
	}
	if in.Currency != nil {
		p.Currency = strings.ToUpper(strings.TrimSpace(*in.Currency))
	}
	if in.Notes != nil {
		p.Notes = cleanMultiLine(*in.Notes)
	}
	if in.Disabled != nil {
		p.Disabled = *in.Disabled
	}
}

func (p *Partner) validate(tx *storage.Tx) error {
	if p.Name == "" {
		return Invalid("name", "is required")
	}
	if len(p.Name) > 200 {
		return Invalid("name", "must be at most 200 characters")
	}
	if err := checkOneLine("name", p.Name); err != nil {
		return err
	}
	if len(p.Notes) > 5000 {
		return Invalid("notes", "must be at most 5000 characters")
	}
	if err := checkMultiLine("notes", p.Notes); err != nil {
		return err
	}
	if p.Email != "" {
		if err := validEmail("email", p.Email); err != nil {
			return err
		}
	}
	if p.DiscountBP < 0 || p.DiscountBP > 10000 {
		return Invalid("discount_bp", "must be between 0 and 10000 basis points (0–100%%)")
	}
	if p.Program != ProgramStandard && p.Program != ProgramManual && p.Program != ProgramMonthly {
		return Invalid("program", "must be standard, manual or monthly, not %q", p.Program)
	}
	if err := validCurrency("currency", p.Currency); err != nil {
		return err
	}
	if p.DistributorID != 0 {
		if p.DistributorID == p.ID {
			return Invalid("distributor_id", "a partner cannot be its own distributor")
		}
		var d Partner
		if err := tx.Get(storage.Partners, storage.EncodeID(p.DistributorID), &d); err != nil {
			if errors.Is(err, ErrNotFound) {
				return Invalid("distributor_id", "there is no partner %d to be the distributor", p.DistributorID)
			}
			return err
		}
	}
	return nil
}

// CreatePartner adds a partner account (operator only).
func (s *Service) CreatePartner(a Actor, in PartnerInput) (Partner, error) {
	if err := a.requireOperator(); err != nil {
		return Partner{}, err
	}
	p := Partner{Program: ProgramStandard, Currency: "EUR"}
	p.apply(in)
	err := s.update(func(tx *storage.Tx) error {
		if err := p.validate(tx); err != nil {
			return err
		}
		id, err := tx.NextID(storage.Partners)
		if err != nil {
			return err
		}
		p.ID = id
		p.Created, p.Updated = s.now(), s.now()
		for range 10 {
			p.PublicID = newPublicID()
			if err = tx.Unique(storage.PartnersByPubID, p.PublicID, id); err == nil {
				break
			}
		}
		if err != nil {
			return err
		}
		return s.savePartner(tx, a, p, "partner.create")
	})
	return p, err
}

func (s *Service) savePartner(tx *storage.Tx, a Actor, p Partner, action string) error {
	if err := tx.Put(storage.Partners, storage.EncodeID(p.ID), p); err != nil {
		return err
	}
	if err := tx.Changed("partner", p.ID); err != nil {
		return err
	}
	return s.audit(tx, a, action, p.PublicID, p.Name)
}

func getPartner(tx *storage.Tx, id uint64) (Partner, error) {
	var p Partner
	err := tx.Get(storage.Partners, storage.EncodeID(id), &p)
	return p, err
}

// GetPartner returns a partner the actor may see (a partner sees only itself).
func (s *Service) GetPartner(a Actor, id uint64) (Partner, error) {
	if !a.canSeePartner(id) {
		return Partner{}, ErrNotFound
	}
	var p Partner
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		p, err = getPartner(tx, id)
		return err
	})
	return p, err
}

// PartnerByPublicID finds a partner by its public ID (operator only).
func (s *Service) PartnerByPublicID(a Actor, pub string) (Partner, error) {
	var p Partner
	err := s.db.View(func(tx *storage.Tx) error {
		id, err := tx.Lookup(storage.PartnersByPubID, NormalisePublicID(pub))
		if err != nil {
			return err
		}
		p, err = getPartner(tx, id)
		return err
	})
	if err == nil && !a.canSeePartner(p.ID) {
		return Partner{}, ErrNotFound
	}
	return p, err
}

// UpdatePartner changes a partner (operator only).
func (s *Service) UpdatePartner(a Actor, id uint64, in PartnerInput) (Partner, error) {
	if err := a.requireOperator(); err != nil {
		return Partner{}, err
	}
	var p Partner
	err := s.update(func(tx *storage.Tx) error {
		var err error
		if p, err = getPartner(tx, id); err != nil {
			return err
		}
		was := p.Currency
		p.apply(in)
		if bal := balance(tx, p.ID); p.Currency != was && bal != 0 {
			// The balance is a sum in one currency: 100.00 EUR would read as 100.00 USD.
			return Invalid("currency", "%s's balance holds %s: bring it to zero with a correction before changing the currency", p.Name, Money{bal, was})
		}
		if err := p.validate(tx); err != nil {
			return err
		}
		if p.DistributorID != 0 && distributorLoop(tx, p) {
			return Invalid("distributor_id", "that distributor is supplied through this partner; the chain would loop")
		}
		p.Updated = s.now()
		return s.savePartner(tx, a, p, "partner.update")
	})
	return p, err
}

func distributorLoop(tx *storage.Tx, p Partner) bool {
	seen := map[uint64]bool{p.ID: true}
	for cur := p.DistributorID; cur != 0; {
		if seen[cur] {
			return true
		}
		seen[cur] = true
		d, err := getPartner(tx, cur)
		if err != nil {
			return false
		}
		cur = d.DistributorID
	}
	return false
}

// DeletePartner removes a partner that has no users, balance entries,
// licenses or downstream partners (operator only); otherwise disable it.
func (s *Service) DeletePartner(a Actor, id uint64) error {
	if err := a.requireOperator(); err != nil {
		return err
	}
	return s.update(func(tx *storage.Tx) error {
		p, err := getPartner(tx, id)
		if err != nil {
			return err
		}
		users, children := 0, 0
		tx.Each(storage.Users, nil, func(k, v []byte) bool {
			var u userRecord
			if jsonUnmarshal(v, &u) == nil && u.PartnerID == id {
				users++
			}
			return true
		})
		tx.Each(storage.Partners, nil, func(k, v []byte) bool {
			var o Partner
			if jsonUnmarshal(v, &o) == nil && o.DistributorID == id {
				children++
			}
			return true
		})
		entries := 0
		tx.Each(storage.Ledger, storage.EncodeID(id), func(k, v []byte) bool { entries++; return false })
		switch {
		case users > 0:
			return Conflict("id", "%s has %d %s; remove them first, or disable the partner", p.Name, users, plural(users, "user login", "user logins"))
		case children > 0:
			return Conflict("id", "%s is the distributor of %d partners; change theirs first", p.Name, children)
		case entries > 0:
			return Conflict("id", "%s has balance history; disable the partner instead", p.Name)
		case partnerLicenses(tx, id) > 0:
			return Conflict("id", "%s owns licenses; disable the partner instead", p.Name)
		}
		if err := tx.Delete(storage.PartnersByPubID, []byte(p.PublicID)); err != nil {
			return err
		}
		if err := tx.Delete(storage.Partners, storage.EncodeID(id)); err != nil {
			return err
		}
		if err := tx.Changed("partner", id); err != nil {
			return err
		}
		return s.audit(tx, a, "partner.delete", p.PublicID, p.Name)
	})
}

// partnerLicenses counts a partner's licenses; licenses come with their
// own issue, until then there are none.
var partnerLicenses = func(tx *storage.Tx, id uint64) int { return 0 }

// ListPartners lists partners (operators all; a partner only itself).
// Filters: name, public_id, program, distributor_id, disabled, q.
func (s *Service) ListPartners(a Actor, p ListParams) (Page[Partner], error) {
	if err := p.only("name", "public_id", "program", "distributor_id", "disabled", "q"); err != nil {
		return Page[Partner]{}, err
	}
	name, pub, prog, dist, dis := p.Filter("name"), NormalisePublicID(p.Filter("public_id")), p.Filter("program"), p.Filter("distributor_id"), p.Filter("disabled")
	// A value no partner can have is a mistake to name, not an empty list.
	switch {
	case prog != "" && prog != ProgramStandard && prog != ProgramManual && prog != ProgramMonthly:
		return Page[Partner]{}, Invalid("program", "must be one of standard, manual, monthly")
	case dis != "" && dis != "true" && dis != "false":
		return Page[Partner]{}, Invalid("disabled", "must be true or false")
	}
	if dist != "" {
		if _, err := strconv.ParseUint(dist, 10, 64); err != nil {
			return Page[Partner]{}, Invalid("distributor_id", "%q is not a partner id", dist)
		}
	}
	var match map[uint64]bool
	q := p.Filter("q")
	if q != "" && a.IsOperator() {
		var err error
		if match, err = s.searchIDs("partner", "", q); err != nil {
			return Page[Partner]{}, err
		}
	}
	var all []Partner
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		tx.Each(storage.Partners, nil, func(k, v []byte) bool {
			var pt Partner
			if err = jsonUnmarshal(v, &pt); err != nil {
				return false
			}
			if !a.canSeePartner(pt.ID) || match != nil && (!match[pt.ID] || !infixMatch(q, pt.PublicID, pt.Name, pt.Notes, pt.Email)) {
				return true
			}
			if !containsFold(pt.Name, name) || !containsFold(pt.PublicID, pub) || (prog != "" && pt.Program != prog) ||
				(dist != "" && dist != strconv.FormatUint(pt.DistributorID, 10)) || (dis != "" && dis != strconv.FormatBool(pt.Disabled)) {
				return true
			}
			all = append(all, pt)
			return true
		})
		return err
	})
	if err != nil {
		return Page[Partner]{}, err
	}
	return paginate(all, p, sortKeys[Partner]{
		"id": func(p Partner) any { return p.ID }, "name": func(p Partner) any { return p.Name },
		"public_id": func(p Partner) any { return p.PublicID }, "discount_bp": func(p Partner) any { return p.DiscountBP },
		"program": func(p Partner) any { return p.Program }, "created": func(p Partner) any { return p.Created },
	}, "name")
}

func init() {
	docSources["partner"] = docSource{bucket: storage.Partners, build: func(raw []byte) (*search.Doc, error) {
		var p Partner
		if err := jsonUnmarshal(raw, &p); err != nil {
			return nil, err
		}
		return &search.Doc{Type: "partner", Key: p.PublicID, Name: p.Name, Notes: p.Notes, Customer: p.Email}, nil
	}}
}
