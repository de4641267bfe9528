package app

import (
	"errors"
	"fmt"

	"licensedesk/storage"
)

// ErrDemoNotEmpty refuses demo data in a data directory that has data.
var ErrDemoNotEmpty = errors.New("the data directory already has data; demo data goes only into a fresh one")

// DemoLogin is one login FillDemo created, with its generated password.
type DemoLogin struct {
	Email    string
	Password string
	Role     Role
	Partner  string // partner name for partner users
}

// DemoResult says what FillDemo created.
type DemoResult struct {
	Products int
	Partners int
	Licenses int
	Orders   int
	Logins   []DemoLogin
}

// DemoOperatorEmail is the demo's operator login.
const DemoOperatorEmail = "admin@licensedesk.local"

// FillDemo fills a fresh data directory with a believable catalogue,
// partners with balances and users, through the normal services so every
// rule applies. Passwords are generated, never fixed. It refuses a data
// directory that already has users, products or partners.
func (s *Service) FillDemo(a Actor) (DemoResult, error) {
	if err := a.requireOperator(); err != nil {
		return DemoResult{}, err
	}
	empty := true
	if err := s.db.View(func(tx *storage.Tx) error {
		for _, b := range []string{storage.Users, storage.Products, storage.Partners} {
			if tx.Count(b) > 0 {
				empty = false
			}
		}
		return nil
	}); err != nil {
		return DemoResult{}, err
	}
	if !empty {
		return DemoResult{}, ErrDemoNotEmpty
	}
	var res DemoResult
	op, err := s.demoUser(a, DemoOperatorEmail, "Demo Operator", RoleOperator, Partner{})
	if err != nil {
		return res, err
	}
	res.Logins = append(res.Logins, op)
	for _, in := range demoProducts() {
		if _, err := s.CreateProduct(a, in); err != nil {
			return res, fmt.Errorf("demo product %s: %w", *in.Name, err)
		}
		res.Products++
	}
	byName := map[string]Partner{}
	var created []Partner
	for _, dp := range demoPartners() {
		in := dp.in
		if dp.distributor != "" {
			id := byName[dp.distributor].ID
			in.DistributorID = &id
		}
		p, err := s.CreatePartner(a, in)
		if err != nil {
			return res, fmt.Errorf("demo partner %s: %w", *in.Name, err)
		}
		byName[p.Name] = p
		created = append(created, p)
		res.Partners++
		for _, b := range dp.balance {
			if _, err := s.RecordBalance(a, p.ID, b); err != nil {
				return res, fmt.Errorf("demo balance of %s: %w", p.Name, err)
			}
		}
		if dp.user != "" {
			l, err := s.demoUser(a, dp.user, dp.userName, RolePartner, p)
			if err != nil {
				return res, err
			}
			res.Logins = append(res.Logins, l)
		}
	}
	n, err := s.demoLicenses(a, created, res.Logins)
	res.Licenses = n
	if err != nil {
		return res, err
	}
	orders, licenses, err := s.demoOrders(a, created, res.Logins)
	res.Orders, res.Licenses = orders, res.Licenses+licenses
	return res, err
}

func (s *Service) demoUser(a Actor, email, name string, role Role, p Partner) (DemoLogin, error) {
	pw := GeneratePassword()
	in := UserInput{Email: &email, Name: &name, Role: &role, Password: &pw}
	if role == RolePartner {
		in.PartnerID = &p.ID
	}
	if _, err := s.CreateUser(a, in); err != nil {
		return DemoLogin{}, fmt.Errorf("demo user %s: %w", email, err)
	}
	return DemoLogin{Email: email, Password: pw, Role: role, Partner: p.Name}, nil
}

func ptrTo[T any](v T) *T { return &v }

// edPrices are one edition's per-seat prices, one per period in order.
type edPrices struct {
	edition string
	perSeat []int64
}

// demoPrices builds the price list of every edition and period.
func demoPrices(periods []int, eds ...edPrices) []Price {
	var out []Price
	for _, e := range eds {
		for i, m := range periods {
			out = append(out, Price{Edition: e.edition, PeriodMonths: m, PerSeat: e.perSeat[i]})
		}
	}
	return out
}

func demoProducts() []ProductInput {
	return []ProductInput{
		{
			Code:        ptrTo("sentinel-endpoint"),
			Name:        ptrTo("Sentinel Endpoint Security"),
			Description: ptrTo("Antivirus, firewall and device control for Windows, macOS and Linux workstations, managed from one console."),
			Currency:    ptrTo("EUR"),
			Editions: &[]Edition{
				{Code: "business", Name: "Business", UpgradesTo: []string{"enterprise", "elite"}},
				{Code: "enterprise", Name: "Enterprise", UpgradesTo: []string{"elite"}},
				{Code: "elite", Name: "Elite"},
			},
			Periods: &[]int{12, 24, 36},
			Prices: ptrTo(demoPrices([]int{12, 24, 36},
				edPrices{"business", []int64{2990, 5390, 7490}},
				edPrices{"enterprise", []int64{4490, 8090, 11290}},
				edPrices{"elite", []int64{6290, 11290, 15790}},
			)),
			MinSeats: ptrTo(5),
			MaxSeats: ptrTo(5000),
			ConfigFields: &[]ConfigField{
				{Name: "Management console", Type: "choice", Options: []string{"cloud", "on-premises"}, Default: "cloud"},
				{Name: "Real-time scanning", Type: "bool", Default: "true"},
				{Name: "Update server", Type: "text"},
			},
			// No bulk tiers given: the default 10/25/50/100/250/500/1000 ladder.
		},
		{
			Code:        ptrTo("vaultkeep-backup"),
			Name:        ptrTo("VaultKeep Cloud Backup"),
			Description: ptrTo("Encrypted image and file backup of servers and laptops to the cloud, with monthly or yearly terms."),
			Currency:    ptrTo("USD"),
			Editions: &[]Edition{
				{Code: "standard", Name: "Standard", UpgradesTo: []string{"professional"}},
				{Code: "professional", Name: "Professional"},
			},
			Periods: &[]int{1, 12},
			Prices: ptrTo(demoPrices([]int{1, 12},
				edPrices{"standard", []int64{450, 4800}},
				edPrices{"professional", []int64{790, 8400}},
			)),
			MinSeats: ptrTo(1),
			MaxSeats: ptrTo(0),
			ConfigFields: &[]ConfigField{
				{Name: "Storage quota (GB)", Type: "number", Default: "250"},
				{Name: "Retention", Type: "choice", Options: []string{"30 days", "90 days", "1 year"}, Default: "90 days"},
			},
			BulkTiers: &[]BulkTier{{10, 300}, {50, 800}, {250, 1500}},
		},
		{
			Code:        ptrTo("mailshield-gateway"),
			Name:        ptrTo("MailShield Gateway"),
			Description: ptrTo("Spam, phishing and malware filtering in front of any mail server, priced per mailbox."),
			Currency:    ptrTo("EUR"),
			Editions: &[]Edition{
				{Code: "basic", Name: "Basic", UpgradesTo: []string{"advanced"}},
				{Code: "advanced", Name: "Advanced"},
			},
			Periods: &[]int{12, 24},
			Prices: ptrTo(demoPrices([]int{12, 24},
				edPrices{"basic", []int64{1850, 3350}},
				edPrices{"advanced", []int64{2950, 5350}},
			)),
			MinSeats: ptrTo(10),
			MaxSeats: ptrTo(10000),
			ConfigFields: &[]ConfigField{
				{Name: "Mail domains", Type: "number", Default: "1"},
				{Name: "Quarantine digest", Type: "bool", Default: "true"},
			},
		},
		{
			Code:        ptrTo("panelix-server"),
			Name:        ptrTo("Panelix Server Panel"),
			Description: ptrTo("Web hosting control panel licensed per server: sites, mail, DNS and databases."),
			Currency:    ptrTo("USD"),
			Editions: &[]Edition{
				{Code: "solo", Name: "Solo (1 site)", UpgradesTo: []string{"admin", "pro"}},
				{Code: "admin", Name: "Admin (10 sites)", UpgradesTo: []string{"pro"}},
				{Code: "pro", Name: "Pro (unlimited sites)"},
			},
			Periods: &[]int{1, 12},
			Prices: ptrTo(demoPrices([]int{1, 12},
				edPrices{"solo", []int64{1500, 16500}},
				edPrices{"admin", []int64{2800, 30800}},
				edPrices{"pro", []int64{4500, 49500}},
			)),
			MinSeats: ptrTo(1),
			MaxSeats: ptrTo(1),
			ConfigFields: &[]ConfigField{
				{Name: "Server IP", Type: "text"},
				{Name: "Operating system", Type: "choice", Options: []string{"AlmaLinux", "Debian", "Ubuntu"}, Default: "Ubuntu"},
			},
			BulkTiers: &[]BulkTier{{10, 500}, {25, 1000}, {100, 1500}},
		},
	}
}

type demoPartner struct {
	in          PartnerInput
	distributor string // name of an earlier partner
	balance     []BalanceInput
	user        string
	userName    string
}

func demoPartners() []demoPartner {
	return []demoPartner{
		{
			in: PartnerInput{Name: ptrTo("Atlas Distribution B.V."), Email: ptrTo("orders@atlas-distribution.example"),
				DiscountBP: ptrTo(4000), Program: ptrTo(ProgramStandard), Currency: ptrTo("EUR"),
				Notes: ptrTo("Distributor for the Benelux and DACH resellers.")},
			balance: []BalanceInput{{Amount: 1_000_000, Kind: LedgerTopUp, Reason: "Bank transfer ATL-2026-0142"}},
			user:    "lars.devries@atlas-distribution.example", userName: "Lars de Vries",
		},
		{
			in: PartnerInput{Name: ptrTo("Northwind IT Solutions GmbH"), Email: ptrTo("licensing@northwind-it.example"),
				DiscountBP: ptrTo(3000), Program: ptrTo(ProgramStandard), Currency: ptrTo("EUR")},
			distributor: "Atlas Distribution B.V.",
			balance: []BalanceInput{
				{Amount: 250_000, Kind: LedgerTopUp, Reason: "Bank transfer NW-20260114"},
				{Amount: 120_000, Kind: LedgerTopUp, Reason: "Bank transfer NW-20260203"},
				{Amount: -15_000, Kind: LedgerCorrection, Reason: "Reversed a duplicate booking of NW-20260114 fees"},
			},
			user: "anna.becker@northwind-it.example", userName: "Anna Becker",
		},
		{
			in: PartnerInput{Name: ptrTo("Brightline Managed Services Ltd"), Email: ptrTo("accounts@brightline-msp.example"),
				DiscountBP: ptrTo(2500), Program: ptrTo(ProgramManual), Currency: ptrTo("EUR"),
				Notes: ptrTo("MSP on month-end checkout; invoices on the 1st.")},
			user: "james.okafor@brightline-msp.example", userName: "James Okafor",
		},
		{
			in: PartnerInput{Name: ptrTo("Keystone Networks LLC"), Email: ptrTo("purchasing@keystone-networks.example"),
				DiscountBP: ptrTo(2000), Program: ptrTo(ProgramStandard), Currency: ptrTo("USD")},
			balance: []BalanceInput{{Amount: 150_000, Kind: LedgerTopUp, Reason: "Wire KN-5521"}},
			user:    "maria.santos@keystone-networks.example", userName: "Maria Santos",
		},
		{
			in: PartnerInput{Name: ptrTo("Cobalt Cloud Inc."), Email: ptrTo("billing@cobalt-cloud.example"),
				DiscountBP: ptrTo(3500), Program: ptrTo(ProgramManual), Currency: ptrTo("USD")},
			user: "dev.patel@cobalt-cloud.example", userName: "Dev Patel",
		},
	}
}
