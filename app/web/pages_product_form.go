package web

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"licensedesk/app"
)

// The product form is a set of row editors whose field names carry the
// row's index: editions[i].code, periods[j], prices[i][j] (edition row i,
// period column j), config_fields[i].name, bulk_tiers[i].min_quantity.
// Blank rows are ignored, so a few spare rows let the form grow without
// JavaScript; app.js adds more rows in place.

// productForm is what the form template needs besides the values.
type productForm struct {
	Product  *app.Product // nil for a new product
	Editions int          // edition rows
	Periods  int          // period columns
	Configs  int          // configuration field rows
	Tiers    int          // bulk tier rows
	Choices  []int        // months offered in the period selects
	Types    []string     // configuration field types
}

var standardPeriods = []int{1, 3, 6, 12, 24, 36, 48, 60}

var configTypes = []string{"text", "number", "bool", "choice"}

// newProductForm fills the form for a product (or the defaults for a new
// one) with spare rows.
func newProductForm(p *app.Product) (map[string]string, productForm) {
	v := map[string]string{}
	if p == nil {
		v["currency"] = "EUR"
		v["min_seats"] = "1"
		v["active"] = "true"
		v["periods[0]"] = "12"
		for i, t := range app.DefaultBulkTiers {
			v[fieldKey("bulk_tiers[%d].min_quantity", i)] = strconv.Itoa(t.MinQuantity)
			v[fieldKey("bulk_tiers[%d].discount", i)] = app.FormatBP(t.DiscountBP)
		}
		return v, formShape(v, 2, 2, 2, 1)
	}
	v["code"], v["name"], v["description"], v["currency"] = p.Code, p.Name, p.Description, p.Currency
	v["min_seats"] = strconv.Itoa(p.MinSeats)
	if p.MaxSeats > 0 {
		v["max_seats"] = strconv.Itoa(p.MaxSeats)
	}
	v["active"] = strconv.FormatBool(p.Active)
	for j, m := range p.Periods {
		v[fieldKey("periods[%d]", j)] = strconv.Itoa(m)
	}
	for i, e := range p.Editions {
		v[fieldKey("editions[%d].code", i)] = e.Code
		v[fieldKey("editions[%d].name", i)] = e.Name
		v[fieldKey("editions[%d].upgrades_to", i)] = strings.Join(e.UpgradesTo, ", ")
		for j, m := range p.Periods {
			if amt, ok := p.PriceFor(e.Code, m); ok {
				v[fieldKey("prices[%d][%d]", i, j)] = plainAmount(amt, p.Currency)
			}
		}
	}
	for i, c := range p.ConfigFields {
		v[fieldKey("config_fields[%d].name", i)] = c.Name
		v[fieldKey("config_fields[%d].type", i)] = c.Type
		v[fieldKey("config_fields[%d].default", i)] = c.Default
		v[fieldKey("config_fields[%d].options", i)] = strings.Join(c.Options, ", ")
	}
	for i, t := range p.BulkTiers {
		v[fieldKey("bulk_tiers[%d].min_quantity", i)] = strconv.Itoa(t.MinQuantity)
		v[fieldKey("bulk_tiers[%d].discount", i)] = app.FormatBP(t.DiscountBP)
	}
	return v, formShape(v, 1, 1, 1, 1)
}

// plainAmount is an amount as typed in a form: 1234.50, no separators.
func plainAmount(amt int64, cur string) string {
	return strings.ReplaceAll(app.FormatAmount(amt, cur), ",", "")
}

var (
	rowKeyRE   = regexp.MustCompile(`^(editions|config_fields|bulk_tiers)\[(\d+)\]\.`)
	colKeyRE   = regexp.MustCompile(`^periods\[(\d+)\]$`)
	priceKeyRE = regexp.MustCompile(`^prices\[(\d+)\]\[(\d+)\]$`)
)

// maxRows bounds the rows a posted form may claim.
const maxRows = 200

// formShape counts the rows and columns present in v and adds spares.
func formShape(v map[string]string, spareEd, spareCol, spareCfg, spareTier int) productForm {
	var f productForm
	for k := range v {
		if m := rowKeyRE.FindStringSubmatch(k); m != nil {
			n, _ := strconv.Atoi(m[2])
			if n >= maxRows {
				continue
			}
			switch m[1] {
			case "editions":
				f.Editions = max(f.Editions, n+1)
			case "config_fields":
				f.Configs = max(f.Configs, n+1)
			case "bulk_tiers":
				f.Tiers = max(f.Tiers, n+1)
			}
		} else if m := colKeyRE.FindStringSubmatch(k); m != nil {
			if n, _ := strconv.Atoi(m[1]); n < maxRows {
				f.Periods = max(f.Periods, n+1)
			}
		} else if m := priceKeyRE.FindStringSubmatch(k); m != nil {
			i, _ := strconv.Atoi(m[1])
			j, _ := strconv.Atoi(m[2])
			if i < maxRows && j < maxRows {
				f.Editions = max(f.Editions, i+1)
				f.Periods = max(f.Periods, j+1)
			}
		}
	}
	f.Editions += spareEd
	f.Periods += spareCol
	f.Configs += spareCfg
	f.Tiers += spareTier
	f.Editions, f.Periods, f.Configs, f.Tiers = max(f.Editions, 1), max(f.Periods, 1), max(f.Configs, 1), max(f.Tiers, 1)
	f.Types = configTypes
	f.Choices = slices.Clone(standardPeriods)
	for j := range f.Periods {
		if m, err := strconv.Atoi(strings.TrimSpace(v[fieldKey("periods[%d]", j)])); err == nil && m > 0 && !slices.Contains(f.Choices, m) {
			f.Choices = append(f.Choices, m)
		}
	}
	sort.Ints(f.Choices)
	return f
}

// productFields remembers which form row became which element of the
// input, to put the service's errors (editions[1].code) beside the
// right input (editions[3].code).
type productFields struct {
	editions, configs, tiers []int
	prices                   [][2]int // price n ← prices[i][j]
}

var (
	svcRowRE   = regexp.MustCompile(`^(editions|config_fields|bulk_tiers)\[(\d+)\]\.(\w+)$`)
	svcPriceRE = regexp.MustCompile(`^prices\[(\d+)\]`)
)

func (m productFields) mapField(f string) string {
	switch f {
	case "code", "name", "description", "currency", "editions", "periods", "prices", "min_seats", "max_seats", "config_fields", "bulk_tiers":
		return f
	}
	if s := svcRowRE.FindStringSubmatch(f); s != nil {
		k, _ := strconv.Atoi(s[2])
		rows := map[string][]int{"editions": m.editions, "config_fields": m.configs, "bulk_tiers": m.tiers}[s[1]]
		if k >= len(rows) {
			return s[1]
		}
		sub := s[3]
		if sub == "discount_bp" {
			sub = "discount"
		}
		return fieldKey("%s[%d].%s", s[1], rows[k], sub)
	}
	if s := svcPriceRE.FindStringSubmatch(f); s != nil {
		n, _ := strconv.Atoi(s[1])
		if n < len(m.prices) {
			return fieldKey("prices[%d][%d]", m.prices[n][0], m.prices[n][1])
		}
		return "prices"
	}
	return ""
}

// parseProductForm turns the posted form into a complete ProductInput.
// Errors it finds itself (a price that is not an amount) name the form's
// own field.
func parseProductForm(v map[string]string) (app.ProductInput, productFields, error) {
	shape := formShape(v, 0, 0, 0, 0)
	get := func(format string, args ...any) string { return strings.TrimSpace(v[fieldKey(format, args...)]) }
	var m productFields
	str := func(k string) *string { s := strings.TrimSpace(v[k]); return &s }
	cur := strings.ToUpper(strings.TrimSpace(v["currency"]))
	in := app.ProductInput{Code: str("code"), Name: str("name"), Description: str("description"), Currency: &cur}

	minSeats, err := formInt(v, "min_seats", 1)
	if err != nil {
		return in, m, err
	}
	maxSeats, err := formInt(v, "max_seats", 0)
	if err != nil {
		return in, m, err
	}
	active := formBool(v, "active")
	in.MinSeats, in.MaxSeats, in.Active = &minSeats, &maxSeats, &active

	// Period columns, kept when a period is chosen.
	var cols []int
	periods := []int{}
	for j := range shape.Periods {
		raw := get("periods[%d]", j)
		if raw == "" {
			for i := range shape.Editions {
				if get("prices[%d][%d]", i, j) != "" {
					return in, m, app.Invalid(fieldKey("periods[%d]", j), "choose the period these prices are for")
				}
			}
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return in, m, app.Invalid(fieldKey("periods[%d]", j), "must be a number of months")
		}
		cols = append(cols, j)
		periods = append(periods, n)
	}
	in.Periods = &periods

	// Edition rows, kept when anything in the row is filled in.
	editions := []app.Edition{}
	prices := []app.Price{}
	for i := range shape.Editions {
		code, name, up := get("editions[%d].code", i), get("editions[%d].name", i), get("editions[%d].upgrades_to", i)
		filled := code != "" || name != "" || up != ""
		for _, j := range cols {
			filled = filled || get("prices[%d][%d]", i, j) != ""
		}
		if !filled {
			continue
		}
		m.editions = append(m.editions, i)
		editions = append(editions, app.Edition{Code: strings.ToLower(code), Name: name, UpgradesTo: splitCodes(strings.ToLower(up))})
		for k, j := range cols {
			key := fieldKey("prices[%d][%d]", i, j)
			raw := strings.TrimSpace(v[key])
			if raw == "" {
				return in, m, app.Invalid(key, "enter the price per seat")
			}
			amt, err := parseMoney(key, raw, cur)
			if err != nil {
				return in, m, err
			}
			m.prices = append(m.prices, [2]int{i, j})
			prices = append(prices, app.Price{Edition: strings.ToLower(code), PeriodMonths: periods[k], PerSeat: amt})
		}
	}
	in.Editions, in.Prices = &editions, &prices

	configs := []app.ConfigField{}
	for i := range shape.Configs {
		name, typ, def, opts := get("config_fields[%d].name", i), get("config_fields[%d].type", i), get("config_fields[%d].default", i), get("config_fields[%d].options", i)
		if name == "" && def == "" && opts == "" {
			continue
		}
		if typ == "" {
			typ = "text"
		}
		m.configs = append(m.configs, i)
		configs = append(configs, app.ConfigField{Name: name, Type: typ, Default: def, Options: splitOptions(opts)})
	}
	in.ConfigFields = &configs

	tiers := []app.BulkTier{}
	for i := range shape.Tiers {
		qty, disc := get("bulk_tiers[%d].min_quantity", i), get("bulk_tiers[%d].discount", i)
		if qty == "" && disc == "" {
			continue
		}
		n, err := strconv.Atoi(qty)
		if err != nil {
			return in, m, app.Invalid(fieldKey("bulk_tiers[%d].min_quantity", i), "must be a whole number of licenses")
		}
		bp, err := app.ParsePercent(fieldKey("bulk_tiers[%d].discount", i), disc)
		if err != nil {
			return in, m, err
		}
		m.tiers = append(m.tiers, i)
		tiers = append(tiers, app.BulkTier{MinQuantity: n, DiscountBP: bp})
	}
	in.BulkTiers = &tiers
	return in, m, nil
}

// splitCodes reads "a, b c" into ["a" "b" "c"].
func splitCodes(s string) []string {
	out := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	if len(out) == 0 {
		return nil
	}
	return out
}

// splitOptions reads "Small office, Enterprise" into its trimmed items.
func splitOptions(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}
