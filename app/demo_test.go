package app_test

import (
	"errors"
	"io"
	"log/slog"
	"testing"

	"licensedesk/app"
)

// TestFillDemo: the demo catalogue, partners and logins go through the
// normal services; every login works and sees only its own partner; a
// second fill is refused.
func TestFillDemo(t *testing.T) {
	svc, err := app.Open(app.Options{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()

	if _, err := svc.FillDemo(app.Actor{Email: "p@example.com", Role: app.RolePartner, PartnerID: 1}); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("a partner filled demo data: %v", err)
	}
	res, err := svc.FillDemo(app.System)
	if err != nil {
		t.Fatal(err)
	}
	if res.Products != 4 || res.Partners != 5 || len(res.Logins) != 6 {
		t.Fatalf("demo result %+v", res)
	}

	all := app.ListParams{PerPage: app.MaxPerPage}
	products, _ := svc.ListProducts(app.System, all)
	currencies := map[string]bool{}
	for _, p := range products.Items {
		currencies[p.Currency] = true
		if len(p.Editions) < 2 || len(p.Periods) < 2 || len(p.ConfigFields) < 2 || len(p.BulkTiers) < 3 || !p.Active {
			t.Errorf("thin demo product %s: %+v", p.Name, p)
		}
		upgrades := 0
		for _, e := range p.Editions {
			upgrades += len(e.UpgradesTo)
		}
		if upgrades == 0 {
			t.Errorf("%s has no upgrade path", p.Name)
		}
	}
	if !currencies["EUR"] || !currencies["USD"] {
		t.Errorf("demo prices should be in EUR and USD, got %v", currencies)
	}

	partners, _ := svc.ListPartners(app.System, all)
	programs, discounts := map[string]bool{}, map[int]bool{}
	distributed, funded := 0, 0
	for _, p := range partners.Items {
		programs[p.Program] = true
		discounts[p.DiscountBP] = true
		if p.DistributorID != 0 {
			distributed++
		}
		acc, err := svc.GetAccount(app.System, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if acc.Balance.Amount < 0 {
			t.Errorf("%s has a negative balance %v", p.Name, acc.Balance)
		}
		if acc.Balance.Amount > 0 {
			funded++
		}
	}
	if !programs[app.ProgramStandard] || !programs[app.ProgramManual] {
		t.Errorf("want both programs, got %v", programs)
	}
	if len(discounts) < 3 || distributed != 1 || funded < 2 {
		t.Errorf("discounts %v, %d distributed, %d funded", discounts, distributed, funded)
	}

	operators := 0
	for _, l := range res.Logins {
		if len(l.Password) < app.MinPasswordLen {
			t.Errorf("%s: weak generated password", l.Email)
		}
		_, u, err := svc.Login(l.Email, l.Password, "127.0.0.1")
		if err != nil || u.Role != l.Role {
			t.Fatalf("demo login %s: %v", l.Email, err)
		}
		if u.Role == app.RoleOperator {
			operators++
			continue
		}
		a := app.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, PartnerID: u.PartnerID}
		mine, err := svc.ListPartners(a, all)
		if err != nil || mine.Total != 1 || mine.Items[0].Name != l.Partner {
			t.Errorf("%s sees partners %+v (%v), want only %s", l.Email, mine.Items, err, l.Partner)
		}
	}
	if operators != 1 {
		t.Errorf("%d demo operators, want 1", operators)
	}

	if _, err := svc.FillDemo(app.System); !errors.Is(err, app.ErrDemoNotEmpty) {
		t.Fatalf("second fill: %v", err)
	}
}

func TestFillDemoHasOrders(t *testing.T) {
	svc, err := app.Open(app.Options{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	res, err := svc.FillDemo(app.System)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := svc.ListOrders(app.System, app.ListParams{})
	if err != nil || res.Orders == 0 || pg.Total != res.Orders {
		t.Fatalf("demo orders: result %d, listed %d, %v", res.Orders, pg.Total, err)
	}
	unpaid, _ := svc.ListOrders(app.System, app.ListParams{Filters: map[string]string{"state": "unpaid"}})
	if unpaid.Total == 0 || unpaid.Total == pg.Total {
		t.Fatalf("demo orders: %d unpaid of %d; want some of each", unpaid.Total, pg.Total)
	}
}
