// Command gen loads N realistic licenses straight into a fresh data
// directory for benchmarks: go run ./bench/gen --data DIR --licenses N.
// It adds a catalogue and partners through the normal services, writes the
// licenses in bulk, and builds the search index, so `licensedesk serve
// --data DIR` starts on an intact index. Add users with `user add`.
package main

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"licensedesk/app"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := pflag.NewFlagSet("gen", pflag.ContinueOnError)
	data := fs.String("data", "", "data directory to fill (must be new or empty)")
	n := fs.Int("licenses", 100000, "number of licenses")
	partners := fs.Int("partners", 40, "number of partners")
	seed := fs.Uint64("seed", 1, "random seed")
	pending := fs.Int("pending", 0, "also make a manual-program partner with this many licenses with payment pending (month-end checkout)")
	orders := fs.Bool("orders", false, "put orders behind the licenses (1 to 5 licenses per order, with their prices)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" {
		return fmt.Errorf("--data is required")
	}
	if entries, _ := os.ReadDir(*data); len(entries) > 0 {
		return fmt.Errorf("%s is not empty; give a new directory", *data)
	}
	start := time.Now()
	last := time.Now()
	svc, err := app.Open(app.Options{DataDir: *data, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		ReindexProgress: func(done int) {
			if time.Since(last) > 2*time.Second || done >= *n+*pending {
				fmt.Fprintf(out, "\rindexing %d/%d", done, *n+*pending)
				last = time.Now()
			}
		}})
	if err != nil {
		return err
	}
	defer svc.Close()
	g := &generator{r: rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15)), now: time.Now().UTC()}
	if err := g.catalogue(svc, *partners); err != nil {
		return err
	}
	// Transactions of 5,000 licenses, as the desk's own CSV import
	// writes them (app/license_csv_import.go): a bulk transaction's
	// inserts land all over the list index, and the pages it copies stay
	// in the file as free pages; 20,000 a transaction left 285 MiB of
	// them at 1M.
	const batch = 5000
	for done := 0; done < *n; done += batch {
		size := min(batch, *n-done)
		ls := make([]app.License, size)
		for i := range ls {
			ls[i] = g.license()
		}
		if err := svc.ImportLicenses(app.System, ls); err != nil {
			return err
		}
		if *orders {
			if err := svc.ImportOrders(app.System, g.ordersOf(ls)); err != nil {
				return err
			}
			g.orderLen = 0 // an order never spans two batches
		}
		fmt.Fprintf(out, "\rlicenses %d/%d", done+size, *n)
	}
	if *pending > 0 {
		p, err := g.pendingPartner(svc, *pending)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\nmanual-program partner %q (id %d, %s) has %d licenses with payment pending\n", p.Name, p.ID, p.PublicID, *pending)
	}
	loaded := time.Since(start)
	fmt.Fprintln(out)
	t := time.Now()
	if err := svc.Reindex(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nloaded %d licenses in %s, indexed in %s\n", *n, loaded.Round(time.Millisecond), time.Since(t).Round(time.Millisecond))
	return nil
}

// pendingPartner makes a manual-program partner with n licenses its
// clients use with payment pending, ready for the month-end checkout.
func (g *generator) pendingPartner(svc *app.Service, n int) (app.Partner, error) {
	name, email, prog, bp := "Month-End Reseller", "billing@month-end.example", app.ProgramManual, 3000
	p, err := svc.CreatePartner(app.System, app.PartnerInput{Name: &name, Email: &email, DiscountBP: &bp, Program: &prog})
	if err != nil {
		return app.Partner{}, err
	}
	prod := g.products[0]
	const batch = 20000
	for done := 0; done < n; done += batch {
		ls := make([]app.License, min(batch, n-done))
		for i := range ls {
			ed := prod.Editions[g.r.IntN(len(prod.Editions))]
			purchased := g.now.Add(-time.Duration(g.r.Int64N(int64(28 * 24 * time.Hour))))
			ls[i] = app.License{Name: prod.Name + " " + ed.Name, ProductID: prod.ID, ProductName: prod.Name, Edition: ed.Code,
				Seats: 1 + g.r.IntN(25), PeriodMonths: 12, Status: app.StatusOrdered, Payment: app.PaymentPending,
				Purchased: purchased, ActivateBy: purchased.AddDate(1, 0, 0), PartnerID: p.ID, Updated: purchased,
				Customer: g.pick(surnames) + " " + g.pick(words) + " " + g.pick([]string{"AG", "Ltd", "SA", "Oy", "AB", "LLC"})}
		}
		if err := svc.ImportLicenses(app.System, ls); err != nil {
			return app.Partner{}, err
		}
	}
	return p, nil
}

type generator struct {
	r        *rand.Rand
	now      time.Time
	products []app.Product
	partners []app.Partner
	orderSeq int
	order    string
	orderLen int
	// What the licenses of the current order share.
	oProduct   app.Product
	oEdition   app.Edition
	oMonths    int
	oSeats     int
	oPartner   app.Partner
	oPurchased time.Time
}

// ordersOf builds the orders behind a batch of imported licenses: runs of
// licenses with the same order number, priced as one line each.
func (g *generator) ordersOf(ls []app.License) []app.Order {
	var out []app.Order
	byID := map[uint64]app.Partner{}
	for _, p := range g.partners {
		byID[p.ID] = p
	}
	prods := map[uint64]app.Product{}
	for _, p := range g.products {
		prods[p.ID] = p
	}
	for i := 0; i < len(ls); {
		j := i
		for j < len(ls) && ls[j].OrderNumber == ls[i].OrderNumber {
			j++
		}
		l := ls[i]
		partner := byID[l.PartnerID]
		line := app.BasketLine{ProductID: l.ProductID, Edition: l.Edition, Seats: l.Seats, PeriodMonths: l.PeriodMonths, Quantity: j - i}
		pl, err := app.PriceLine("lines[0]", prods[l.ProductID], line, j-i, app.PricingTerms{PartnerBP: partner.DiscountBP})
		if err != nil {
			panic(err) // the generator's own catalogue always prices
		}
		o := app.Order{Number: l.OrderNumber, PartnerID: partner.ID, PartnerName: partner.Name, User: partner.Email,
			Created: l.Purchased, Lines: []app.PricedLine{pl}, Total: app.Money{Amount: pl.Total, Currency: pl.Currency},
			Refunded: app.Money{Currency: pl.Currency}, Kind: app.OrderPurchase, Payment: app.PayBalance, State: app.OrderProcessed}
		paid := l.Purchased
		o.PaidAt = &paid
		for k, price := range pl.UnitPrices() {
			o.Items = append(o.Items, app.OrderItem{LicenseID: ls[i+k].ID, Price: price})
		}
		o.Events = []app.OrderEvent{{At: l.Purchased, By: partner.Email, Action: "purchase", Amount: -pl.Total, Licenses: o.LicenseIDs()}}
		switch roll := g.r.IntN(100); {
		case roll < 5:
			o.Payment, o.State, o.PaidAt = app.PayInvoice, app.OrderUnpaid, nil
			o.Events[0].Amount = 0
		case roll < 8:
			at := l.Purchased.Add(48 * time.Hour)
			o.Items[0].Refunded = &at
			o.Refunded.Amount = o.Items[0].Price
			o.State = app.OrderPartlyRefunded
			if len(o.Items) == 1 {
				o.State = app.OrderRefunded
			}
			o.Events = append(o.Events, app.OrderEvent{At: at, By: partner.Email, Action: "refund", Amount: o.Items[0].Price,
				Licenses: []uint64{o.Items[0].LicenseID}, Reason: "customer changed mind"})
		}
		out = append(out, o)
		i = j
	}
	return out
}

var words = strings.Fields(`alpha north river stone blue harbor summit pine maple cedar bright clear swift
	iron silver golden global prime vertex nova delta apex urban metro coastal valley ridge lake forest
	meadow bay crest point bridge gate tower field garden park market studio works labs systems group
	partners consulting solutions services digital data cloud network secure logic smart green orbit`)

var noteWords = strings.Fields(`renewal requested customer called about upgrade moved server reinstall
	invoice pending approved discount education nonprofit migrated datacenter contact prefers email
	replacement hardware trial extended budget approved next quarter seats increase reseller handover
	urgent vip audit compliance branch office warehouse laptop fleet terminal kiosk retail clinic school`)

var surnames = strings.Fields(`Smith Novak Kowalski Müller García Rossi Dubois Jensen Silva Kim Tanaka Nowak
	Schmidt Ferrari Costa Martin Bernard Lindqvist Horvat Popescu Ivanova Walsh Murphy Byrne`)

func (g *generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *generator) catalogue(svc *app.Service, nPartners int) error {
	specs := []struct {
		name, cur string
		eds       [][2]string
		base      int64
	}{
		{"Sentinel Antivirus", "EUR", [][2]string{{"business", "Business"}, {"enterprise", "Enterprise"}}, 1900},
		{"Vault Backup", "EUR", [][2]string{{"standard", "Standard"}, {"pro", "Pro"}}, 2900},
		{"Gatekeeper Firewall", "USD", [][2]string{{"smb", "SMB"}, {"enterprise", "Enterprise"}}, 9900},
		{"Beacon Remote Desktop", "EUR", [][2]string{{"basic", "Basic"}, {"team", "Team"}, {"corporate", "Corporate"}}, 1200},
		{"Ledgerline Hosting Panel", "USD", [][2]string{{"solo", "Solo"}, {"reseller", "Reseller"}}, 1500},
	}
	for _, sp := range specs {
		var eds []app.Edition
		var prices []app.Price
		periods := []int{1, 12, 24, 36}
		for i, e := range sp.eds {
			ed := app.Edition{Code: e[0], Name: e[1]}
			if i+1 < len(sp.eds) {
				ed.UpgradesTo = []string{sp.eds[i+1][0]}
			}
			eds = append(eds, ed)
			for _, m := range periods {
				per := sp.base * int64(i+2) / 2
				if m > 1 {
					per = per * int64(m) * 85 / 100 / 1
				}
				prices = append(prices, app.Price{Edition: e[0], PeriodMonths: m, PerSeat: per})
			}
		}
		name, cur := sp.name, sp.cur
		p, err := svc.CreateProduct(app.System, app.ProductInput{Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices})
		if err != nil {
			return err
		}
		g.products = append(g.products, p)
	}
	for i := range nPartners {
		name := g.pick(words) + " " + g.pick(words) + " " + []string{"GmbH", "Ltd", "s.r.o.", "Sp. z o.o.", "Inc", "BV"}[i%6]
		name = strings.ToUpper(name[:1]) + name[1:]
		bp := []int{2000, 2500, 3000, 3500}[i%4]
		prog := app.ProgramStandard
		if i%3 == 0 {
			prog = app.ProgramManual
		}
		email := "sales" + strconv.Itoa(i+1) + "@partner" + strconv.Itoa(i+1) + ".example"
		p, err := svc.CreatePartner(app.System, app.PartnerInput{Name: &name, Email: &email, DiscountBP: &bp, Program: &prog})
		if err != nil {
			return err
		}
		g.partners = append(g.partners, p)
	}
	return nil
}

func (g *generator) license() app.License {
	if g.orderLen == 0 {
		// A new order: its licenses share product, edition, period,
		// seats, partner and purchase time.
		g.orderSeq++
		g.order = fmt.Sprintf("O-%07d", 1000000+g.orderSeq)
		g.orderLen = 1 + g.r.IntN(5)
		g.oProduct = g.products[g.r.IntN(len(g.products))]
		g.oEdition = g.oProduct.Editions[g.r.IntN(len(g.oProduct.Editions))]
		g.oMonths = g.oProduct.Periods[g.r.IntN(len(g.oProduct.Periods))]
		g.oSeats = 1 + g.r.IntN(50)
		// A few large partners and a long tail, as in real channels.
		pi := min(int(g.r.ExpFloat64()*float64(len(g.partners))/4), len(g.partners)-1)
		g.oPartner = g.partners[pi]
		g.oPurchased = g.now.Add(-time.Duration(g.r.Int64N(int64(3 * 365 * 24 * time.Hour))))
	}
	g.orderLen--
	p, ed, months, partner, purchased := g.oProduct, g.oEdition, g.oMonths, g.oPartner, g.oPurchased
	l := app.License{
		Name: p.Name + " " + ed.Name, ProductID: p.ID, ProductName: p.Name, Edition: ed.Code,
		Seats: g.oSeats, PeriodMonths: months, Purchased: purchased, ActivateBy: purchased.AddDate(1, 0, 0),
		PartnerID: partner.ID, OrderNumber: g.order, Payment: app.PaymentPaid, Updated: purchased,
	}
	if g.r.IntN(10) < 8 {
		l.Customer = g.pick(surnames) + " " + g.pick(words) + " " + g.pick([]string{"AG", "Ltd", "SA", "Oy", "AB", "LLC"})
		l.CustomerEmail = "it@" + strings.ToLower(strings.ReplaceAll(l.Customer, " ", "")) + ".example"
	}
	if g.r.IntN(10) < 3 {
		var nb strings.Builder
		for k := range 3 + g.r.IntN(8) {
			if k > 0 {
				nb.WriteByte(' ')
			}
			nb.WriteString(g.pick(noteWords))
		}
		l.Notes = nb.String()
	}
	if g.r.IntN(2) == 0 {
		l.IP = fmt.Sprintf("%d.%d.%d.%d", 10+g.r.IntN(200), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
	}
	activated := purchased.Add(time.Duration(g.r.Int64N(int64(30 * 24 * time.Hour))))
	to := activated.AddDate(0, months, 0)
	switch roll := g.r.IntN(100); {
	case roll < 8 && g.now.Before(l.ActivateBy): // unused coupon
		l.Status = app.StatusOrdered
	case roll < 12:
		l.Status = app.StatusCancelled
		l.Payment = app.PaymentRefunded
		l.ValidFrom, l.ValidTo = &activated, &to
	case roll < 16:
		l.Status = app.StatusSuspended
		l.ValidFrom, l.ValidTo = &activated, &to
	case roll < 20 && partner.Program == app.ProgramManual:
		l.Status = app.StatusActive
		l.Payment = app.PaymentPending
		l.ValidFrom, l.ValidTo = &activated, &to
	default:
		l.Status = app.StatusActive
		l.ValidFrom, l.ValidTo = &activated, &to
	}
	if l.Status == app.StatusOrdered {
		l.ValidFrom, l.ValidTo = nil, nil
	} else if l.ValidTo != nil && l.ValidTo.Before(g.now) && l.Status != app.StatusCancelled {
		l.Status = app.StatusExpired
	}
	if l.Status == app.StatusActive && g.r.IntN(5) == 0 {
		l.AutoRenew, l.AutoRenewMonths = true, months
	}
	return l
}
