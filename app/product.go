package app

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"licensedesk/search"
	"licensedesk/storage"
)

// Edition is one level of a product (Business, Enterprise…). UpgradesTo
// lists the editions a license of this one may migrate to.
type Edition struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	UpgradesTo []string `json:"upgrades_to,omitempty"`
}

// Price is the price of one seat of an edition for one period.
type Price struct {
	Edition      string `json:"edition"`
	PeriodMonths int    `json:"period_months"`
	PerSeat      int64  `json:"per_seat"` // minor units of the product currency
}

// ConfigField is a license configuration setting the product defines.
type ConfigField struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"` // text, number, bool, choice
	Default string   `json:"default,omitempty"`
	Options []string `json:"options,omitempty"` // for choice
}

// BulkTier is an extra discount for one purchase of at least MinQuantity licenses.
type BulkTier struct {
	MinQuantity int `json:"min_quantity"`
	DiscountBP  int `json:"discount_bp"` // basis points: 500 = 5%
}

// DefaultBulkTiers are offered to a new product that names none (F2).
var DefaultBulkTiers = []BulkTier{{10, 500}, {25, 750}, {50, 1000}, {100, 1250}, {250, 1500}, {500, 1750}, {1000, 2000}}

// Product is a catalogue entry (F1).
type Product struct {
	ID           uint64        `json:"id"`
	Code         string        `json:"code"`
	Name         string        `json:"name"`
	Description  string        `json:"description,omitempty"`
	Currency     string        `json:"currency"`
	Editions     []Edition     `json:"editions"`
	Periods      []int         `json:"periods"` // months offered
	Prices       []Price       `json:"prices"`
	MinSeats     int           `json:"min_seats"`
	MaxSeats     int           `json:"max_seats"` // 0 = no limit
	ConfigFields []ConfigField `json:"config_fields"`
	BulkTiers    []BulkTier    `json:"bulk_tiers"`
	Active       bool          `json:"active"`
	// RenewalBasis is where a renewal's new period starts (F29):
	// from_expiry (empty means this) or from_renewal.
	RenewalBasis string `json:"renewal_basis,omitempty"`
	// GraceDays is how long after expiry a renewal still counts from the
	// old expiry (from_expiry products).
	GraceDays int       `json:"grace_days,omitempty"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
}

// ProductInput creates or changes a product; nil fields stay as they are.
type ProductInput struct {
	Code         *string        `json:"code"`
	Name         *string        `json:"name"`
	Description  *string        `json:"description"`
	Currency     *string        `json:"currency"`
	Editions     *[]Edition     `json:"editions"`
	Periods      *[]int         `json:"periods"`
	Prices       *[]Price       `json:"prices"`
	MinSeats     *int           `json:"min_seats"`
	MaxSeats     *int           `json:"max_seats"`
	ConfigFields *[]ConfigField `json:"config_fields"`
	BulkTiers    *[]BulkTier    `json:"bulk_tiers"`
	Active       *bool          `json:"active"`
	RenewalBasis *string        `json:"renewal_basis"`
	GraceDays    *int           `json:"grace_days"`
}

// Edition returns the edition with code.
func (p Product) Edition(code string) (Edition, bool) {
	for _, e := range p.Editions {
		if e.Code == code {
			return e, true
		}
	}
	return Edition{}, false
}

// PriceFor returns the per-seat price of an edition and period.
func (p Product) PriceFor(edition string, months int) (int64, bool) {
	for _, pr := range p.Prices {
		if pr.Edition == edition && pr.PeriodMonths == months {
			return pr.PerSeat, true
		}
	}
	return 0, false
}

// PeriodLabel renders months as "1 month", "1 year", "18 months".
func PeriodLabel(months int) string {
	switch {
	case months == 1:
		return "1 month"
	case months%12 == 0 && months == 12:
		return "1 year"
	case months%12 == 0:
		return strconv.Itoa(months/12) + " years"
	}
	return strconv.Itoa(months) + " months"
}

var codeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

func (p *Product) apply(in ProductInput) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&p.Code, in.Code)
	p.Code = strings.ToLower(p.Code)
	set(&p.Name, in.Name)
	set(&p.Description, in.Description)
	set(&p.Currency, in.Currency)
	p.Currency = strings.ToUpper(p.Currency)
	if in.Editions != nil {
		p.Editions = slices.Clone(*in.Editions)
	}
	if in.Periods != nil {
		p.Periods = slices.Clone(*in.Periods)
	}
	if in.Prices != nil {
		p.Prices = slices.Clone(*in.Prices)
	}
	if in.MinSeats != nil {
		p.MinSeats = *in.MinSeats
	}
	if in.MaxSeats != nil {
		p.MaxSeats = *in.MaxSeats
	}
	if in.ConfigFields != nil {
		p.ConfigFields = slices.Clone(*in.ConfigFields)
	}
	if in.BulkTiers != nil {
		p.BulkTiers = slices.Clone(*in.BulkTiers)
	}
	if in.Active != nil {
		p.Active = *in.Active
	}
	set(&p.RenewalBasis, in.RenewalBasis)
	if in.GraceDays != nil {
		p.GraceDays = *in.GraceDays
	}
}

// validate checks every rule and names the first field that breaks one.
func (p *Product) validate() error {
	if p.Name == "" {
		return Invalid("name", "is required")
	}
	if len(p.Name) > 200 {
		return Invalid("name", "must be at most 200 characters")
	}
	if err := checkOneLine("name", p.Name); err != nil {
		return err
	}
	if !codeRE.MatchString(p.Code) {
		return Invalid("code", "must be 1–40 lower-case letters, digits or dashes, such as antivirus-pro")
	}
	if err := validCurrency("currency", p.Currency); err != nil {
		return err
	}
	if err := checkRenewalRule(p); err != nil {
		return err
	}
	if len(p.Editions) == 0 {
		return Invalid("editions", "add at least one edition")
	}
	codes := map[string]bool{}
	for i := range p.Editions {
		e := &p.Editions[i]
		e.Code = strings.ToLower(strings.TrimSpace(e.Code))
		e.Name = strings.TrimSpace(e.Name)
		f := fmt.Sprintf("editions[%d]", i)
		if !codeRE.MatchString(e.Code) {
			return Invalid(f+".code", "must be lower-case letters, digits or dashes, such as business")
		}
		if codes[e.Code] {
			return Invalid(f+".code", "edition %q is listed twice", e.Code)
		}
		codes[e.Code] = true
		if e.Name == "" {
			return Invalid(f+".name", "is required")
		}
		if err := checkOneLine(f+".name", e.Name); err != nil {
			return err
		}
	}
	for i, e := range p.Editions {
		seenTo := map[string]bool{}
		for j, to := range e.UpgradesTo {
			to = strings.ToLower(strings.TrimSpace(to)) // a code, as the editions' own
			e.UpgradesTo[j] = to
			if seenTo[to] {
				return Invalid(fmt.Sprintf("editions[%d].upgrades_to", i), "edition %q is listed twice", to)
			}
			seenTo[to] = true
			if !codes[to] {
				return Invalid(fmt.Sprintf("editions[%d].upgrades_to", i), "there is no edition %q to upgrade to", to)
			}
			if to == e.Code {
				return Invalid(fmt.Sprintf("editions[%d].upgrades_to", i), "an edition cannot upgrade to itself")
			}
		}
	}
	if cyc := upgradeCycle(p.Editions); cyc != "" {
		return Invalid("editions", "the upgrade path loops back through %q; upgrades must lead upward", cyc)
	}
	if len(p.Periods) == 0 {
		return Invalid("periods", "offer at least one period")
	}
	seen := map[int]bool{}
	for _, m := range p.Periods {
		if m < 1 || m > 120 {
			return Invalid("periods", "a period is 1 to 120 months, not %d", m)
		}
		if seen[m] {
			return Invalid("periods", "%s is listed twice", PeriodLabel(m))
		}
		seen[m] = true
	}
	slices.Sort(p.Periods)
	priced := map[string]bool{}
	for i, pr := range p.Prices {
		f := fmt.Sprintf("prices[%d]", i)
		if !codes[pr.Edition] {
			return Invalid(f+".edition", "there is no edition %q", pr.Edition)
		}
		if !seen[pr.PeriodMonths] {
			return Invalid(f+".period_months", "%d months is not one of the periods offered", pr.PeriodMonths)
		}
		if pr.PerSeat <= 0 {
			return Invalid(f+".per_seat", "must be more than zero")
		}
		if err := checkAmount(f+".per_seat", pr.PerSeat); err != nil {
			return err
		}
		k := pr.Edition + "/" + strconv.Itoa(pr.PeriodMonths)
		if priced[k] {
			return Invalid(f, "%s for %s is priced twice", pr.Edition, PeriodLabel(pr.PeriodMonths))
		}
		priced[k] = true
	}
	for _, e := range p.Editions {
		for _, m := range p.Periods {
			if !priced[e.Code+"/"+strconv.Itoa(m)] {
				return Invalid("prices", "set a price per seat for %s, %s", e.Name, PeriodLabel(m))
			}
		}
	}
	if p.MinSeats < 1 || p.MinSeats > MaxSeats {
		return Invalid("min_seats", "must be 1 to %d", MaxSeats)
	}
	if p.MaxSeats < 0 || p.MaxSeats > MaxSeats {
		return Invalid("max_seats", "must be 0 (no limit) to %d", MaxSeats)
	}
	if p.MaxSeats != 0 && p.MaxSeats < p.MinSeats {
		return Invalid("max_seats", "must be at least the minimum (%d), or 0 for no limit", p.MinSeats)
	}
	names := map[string]bool{}
	for i := range p.ConfigFields {
		c := &p.ConfigFields[i]
		c.Name = strings.TrimSpace(c.Name)
		f := fmt.Sprintf("config_fields[%d]", i)
		if c.Name == "" {
			return Invalid(f+".name", "is required")
		}
		if err := checkOneLine(f+".name", c.Name); err != nil {
			return err
		}
		if names[strings.ToLower(c.Name)] {
			return Invalid(f+".name", "%q is listed twice", c.Name)
		}
		names[strings.ToLower(c.Name)] = true
		if err := checkConfigValue(f, *c, c.Default); err != nil {
			return err
		}
	}
	prev := 1
	for i, t := range p.BulkTiers {
		f := fmt.Sprintf("bulk_tiers[%d]", i)
		if t.MinQuantity > MaxMinQuantity {
			return Invalid(f+".min_quantity", "must be at most %d", MaxMinQuantity)
		}
		if t.MinQuantity <= prev {
			return Invalid(f+".min_quantity", "tiers go upward from 2 licenses; %d does not follow %d", t.MinQuantity, prev)
		}
		if t.DiscountBP <= 0 || t.DiscountBP >= 10000 {
			return Invalid(f+".discount_bp", "must be between 0 and 100 percent")
		}
		prev = t.MinQuantity
	}
	return nil
}

// checkConfigValue checks a configuration value against its field's type.
func checkConfigValue(f string, c ConfigField, v string) error {
	switch c.Type {
	case "text":
		if err := checkOneLine(f+".default", v); err != nil {
			return err
		}
	case "number":
		if v != "" {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return Invalid(f+".default", "%q is not a number", v)
			}
		}
	case "bool":
		if v != "" && v != "true" && v != "false" {
			return Invalid(f+".default", "must be true or false")
		}
	case "choice":
		if len(c.Options) == 0 {
			return Invalid(f+".options", "a choice needs options")
		}
		if v != "" && !slices.Contains(c.Options, v) {
			return Invalid(f+".default", "%q is not one of the options", v)
		}
	default:
		return Invalid(f+".type", "must be text, number, bool or choice, not %q", c.Type)
	}
	return nil
}

func upgradeCycle(eds []Edition) string {
	next := map[string][]string{}
	for _, e := range eds {
		next[e.Code] = e.UpgradesTo
	}
	state := map[string]int{} // 1 visiting, 2 done
	var bad string
	var visit func(string) bool
	visit = func(c string) bool {
		switch state[c] {
		case 1:
			bad = c
			return false
		case 2:
			return true
		}
		state[c] = 1
		for _, n := range next[c] {
			if !visit(n) {
				return false
			}
		}
		state[c] = 2
		return true
	}
	for _, e := range eds {
		if !visit(e.Code) {
			return bad
		}
	}
	return ""
}

// CreateProduct adds a product to the catalogue (operator only). With no
// bulk tiers given it gets DefaultBulkTiers; min seats defaults to 1.
func (s *Service) CreateProduct(a Actor, in ProductInput) (Product, error) {
	if err := a.requireOperator(); err != nil {
		return Product{}, err
	}
	p := Product{MinSeats: 1, Active: true, BulkTiers: slices.Clone(DefaultBulkTiers), ConfigFields: []ConfigField{}}
	p.apply(in)
	if p.Code == "" {
		p.Code = slugify(p.Name)
	}
	if err := p.validate(); err != nil {
		return Product{}, err
	}
	err := s.update(func(tx *storage.Tx) error {
		id, err := tx.NextID(storage.Products)
		if err != nil {
			return err
		}
		p.ID = id
		p.Created, p.Updated = s.now(), s.now()
		return s.saveProduct(tx, a, p, "product.create")
	})
	return p, err
}

func (s *Service) saveProduct(tx *storage.Tx, a Actor, p Product, action string) error {
	var clash bool
	tx.Each(storage.Products, nil, func(k, v []byte) bool {
		var o Product
		if jsonUnmarshal(v, &o) == nil && o.ID != p.ID && o.Code == p.Code {
			clash = true
			return false
		}
		return true
	})
	if clash {
		return Conflict("code", "another product already has the code %q", p.Code)
	}
	if err := tx.Put(storage.Products, storage.EncodeID(p.ID), p); err != nil {
		return err
	}
	if err := tx.Changed("product", p.ID); err != nil {
		return err
	}
	return s.audit(tx, a, action, p.Code, p.Name)
}

// UpdateProduct changes a product (operator only).
func (s *Service) UpdateProduct(a Actor, id uint64, in ProductInput) (Product, error) {
	if err := a.requireOperator(); err != nil {
		return Product{}, err
	}
	var p Product
	err := s.update(func(tx *storage.Tx) error {
		if err := tx.Get(storage.Products, storage.EncodeID(id), &p); err != nil {
			return err
		}
		p.apply(in)
		if err := p.validate(); err != nil {
			return err
		}
		p.Updated = s.now()
		return s.saveProduct(tx, a, p, "product.update")
	})
	return p, err
}

// DeleteProduct removes a product no license uses (operator only).
func (s *Service) DeleteProduct(a Actor, id uint64) error {
	if err := a.requireOperator(); err != nil {
		return err
	}
	return s.update(func(tx *storage.Tx) error {
		var p Product
		if err := tx.Get(storage.Products, storage.EncodeID(id), &p); err != nil {
			return err
		}
		if n := productUse(tx, id); n > 0 {
			return Conflict("id", "%d licenses use %s; set it inactive instead", n, p.Name)
		}
		if err := tx.Delete(storage.Products, storage.EncodeID(id)); err != nil {
			return err
		}
		if err := tx.Changed("product", id); err != nil {
			return err
		}
		return s.audit(tx, a, "product.delete", p.Code, p.Name)
	})
}

// productUse counts the licenses of a product; licenses come with their
// own issue, until then there are none.
var productUse = func(tx *storage.Tx, id uint64) int { return 0 }

// GetProduct returns one product. Partners see active products only.
func (s *Service) GetProduct(a Actor, id uint64) (Product, error) {
	var p Product
	err := s.db.View(func(tx *storage.Tx) error { return tx.Get(storage.Products, storage.EncodeID(id), &p) })
	if err == nil && !a.IsOperator() && !p.Active {
		return Product{}, ErrNotFound
	}
	return p, err
}

// ListProducts lists the catalogue. Filters: name, code, currency, active, q.
func (s *Service) ListProducts(a Actor, p ListParams) (Page[Product], error) {
	if err := p.only("name", "code", "currency", "active", "q"); err != nil {
		return Page[Product]{}, err
	}
	name, code, cur, active := p.Filter("name"), p.Filter("code"), p.Filter("currency"), p.Filter("active")
	if active != "" && active != "true" && active != "false" {
		return Page[Product]{}, Invalid("active", "must be true or false")
	}
	var match map[uint64]bool
	q := p.Filter("q")
	if q != "" {
		var err error
		if match, err = s.searchIDs("product", "", q); err != nil {
			return Page[Product]{}, err
		}
	}
	var all []Product
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		tx.Each(storage.Products, nil, func(k, v []byte) bool {
			var pr Product
			if err = jsonUnmarshal(v, &pr); err != nil {
				return false
			}
			if !a.IsOperator() && !pr.Active {
				return true
			}
			if match != nil && (!match[pr.ID] || !infixMatch(q, pr.Code, pr.Name, pr.Description)) {
				return true
			}
			if !containsFold(pr.Name, name) || !containsFold(pr.Code, code) || (cur != "" && !strings.EqualFold(cur, pr.Currency)) ||
				(active != "" && strconv.FormatBool(pr.Active) != active) {
				return true
			}
			all = append(all, pr)
			return true
		})
		return err
	})
	if err != nil {
		return Page[Product]{}, err
	}
	return paginate(all, p, sortKeys[Product]{
		"id": func(p Product) any { return p.ID }, "name": func(p Product) any { return p.Name },
		"code": func(p Product) any { return p.Code }, "currency": func(p Product) any { return p.Currency },
		"created": func(p Product) any { return p.Created }, "updated": func(p Product) any { return p.Updated },
		"active": func(p Product) any { return p.Active },
	}, "name")
}

// searchIDs runs a search-box query for one kind and returns the ids found.
func (s *Service) searchIDs(kind, owner, q string) (map[uint64]bool, error) {
	ids, _, err := s.indexSearch(search.Query{Text: q, Type: kind, Owner: owner, Limit: 10000})
	if err != nil {
		return nil, s.searchError(err)
	}
	out := make(map[uint64]bool, len(ids))
	for _, d := range ids {
		if _, id, ok := parseDocID(d); ok {
			out[id] = true
		}
	}
	return out, nil
}

// infixMatch verifies a search hit against the record's key and text:
// the index answers `*X*` terms from trigrams, which can over-match.
func infixMatch(q, key string, text ...string) bool {
	for _, t := range search.Parse(q) {
		if t.Infix && !t.Matches(key, "", "", text...) {
			return false
		}
	}
	return true
}

func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 40 {
		out = strings.Trim(out[:40], "-")
	}
	return out
}

func init() {
	docSources["product"] = docSource{bucket: storage.Products, build: func(raw []byte) (*search.Doc, error) {
		var p Product
		if err := jsonUnmarshal(raw, &p); err != nil {
			return nil, err
		}
		return &search.Doc{Type: "product", Key: p.Code, Name: p.Name, Notes: p.Description}, nil
	}}
}

// productByCode finds a product by its code (the same product on two
// desks has the same code, not the same id).
func productByCode(tx *storage.Tx, code string) (Product, error) {
	code = strings.ToLower(strings.TrimSpace(code))
	var found Product
	var err error
	ok := false
	tx.Each(storage.Products, nil, func(k, v []byte) bool {
		var p Product
		if err = jsonUnmarshal(v, &p); err != nil {
			return false
		}
		if p.Code == code {
			found, ok = p, true
			return false
		}
		return true
	})
	if err != nil {
		return Product{}, err
	}
	if !ok {
		return Product{}, ErrNotFound
	}
	return found, nil
}
