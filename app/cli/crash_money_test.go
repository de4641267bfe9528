package cli

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"licensedesk/app"
)

// moneyClient is one client's place in its cycle of money actions, kept
// across kills: buy, refund it, renew, hand a license over, have it
// approved, check out a license with payment pending, pay the invoice,
// renew on an invoice paid at once.
type moneyClient struct {
	giver, receiver int // indexes into the partners
	step            int
	order, license  uint64 // the last purchase
	transfer        uint64
	secret          string
	invoice         uint64
	renewNext       int // next license of renewable to renew
	transferNext    int // next license of movable to hand over
	checkoutNext    int // next license of pending to check out
}

// What the killed desk answered, to find after the restart.
type moneyAcks struct {
	mu        sync.Mutex
	refunded  map[uint64]bool   // license -> refunded
	renewed   map[uint64]uint64 // renewal order -> license
	moved     map[uint64]uint64 // license -> partner it was handed to
	paid      map[uint64]bool   // invoice -> paid from the balance
	purchases int
}

// Fault test for the actions that move money or licenses: kill -9 of
// the real binary while partners buy, refund, renew, hand licenses over
// and approve, check out and pay invoices, several at once. After each
// restart `licensedesk check` is clean; every acknowledged action is
// there, whole; each balance equals its ledger and what the orders and
// invoices took; each order's total is the sum of its lines and items,
// its refunds those of its refunded items; and searching finds exactly
// the licenses bbolt holds.
func TestKillNineDuringRefundsRenewalsTransfersAndPayments(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	const topUp, partners, clients, pool = 1_000_000_00, 4, 8, 300
	svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	prod := avProduct(t, svc)
	type partner struct {
		id       uint64
		publicID string
		token    string
	}
	var ps []partner
	pw := app.GeneratePassword()
	for i := range partners {
		name := fmt.Sprintf("Partner %d", i+1)
		p, err := svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: topUp, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
			t.Fatal(err)
		}
		email, role, pid := fmt.Sprintf("seller@p%d.example", i+1), app.RolePartner, p.ID
		if _, err := svc.CreateUser(app.System, app.UserInput{Email: &email, Role: &role, PartnerID: &pid, Password: &pw}); err != nil {
			t.Fatal(err)
		}
		tok, _, err := svc.CreateTokenForUser(app.System, email, "crash")
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, partner{p.ID, p.PublicID, tok})
	}
	// Each client renews and hands over licenses of its own, active ones,
	// and checks out others with payment pending.
	renewable, movable, pending := make([][]uint64, clients), make([][]uint64, clients), make([][]uint64, clients)
	cs := make([]*moneyClient, clients)
	for c := range clients {
		cs[c] = &moneyClient{giver: c % partners, receiver: (c + 1) % partners}
		for i, into := range []*[]uint64{&renewable[c], &movable[c], &pending[c]} {
			payment := app.PaymentPaid
			if i == 2 {
				payment = app.PaymentPending
			}
			ls, err := svc.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12,
				PartnerID: ps[cs[c].giver].id, Customer: fmt.Sprintf("Kunde %d", c), Count: pool, Payment: payment})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range ls {
				*into = append(*into, l.ID)
			}
		}
	}
	svc.Close()

	buy := fmt.Sprintf(`{"lines":[{"product_id":%d,"edition":"business","seats":1,"period_months":12,"quantity":1}],"payment":"balance"}`, prod.ID)
	acks := moneyAcks{refunded: map[uint64]bool{}, renewed: map[uint64]uint64{}, moved: map[uint64]uint64{}, paid: map[uint64]bool{}}
	for round := range 3 {
		// What was in flight at the kill may or may not have happened:
		// each client starts its cycle again with licenses not yet used.
		for _, mc := range cs {
			mc.step = 0
			mc.renewNext++
			mc.transferNext++
			mc.checkoutNext++
		}
		s := startBinary(t, bin, dir)
		writeUntilKilled(t, s, clients, time.Duration(2000+rand.IntN(2000))*time.Millisecond,
			func(c, _ int) (string, string, string) {
				mc := cs[c]
				giver, receiver := ps[mc.giver], ps[mc.receiver]
				switch mc.step {
				case 0:
					return giver.token, "/api/v1/orders", buy
				case 1:
					return giver.token, fmt.Sprintf("/api/v1/orders/%d/refund", mc.order), `{"reason":"bought by mistake"}`
				case 2:
					if mc.renewNext >= pool {
						t.Errorf("client %d renewed every license of its pool", c)
					}
					return giver.token, fmt.Sprintf("/api/v1/licenses/%d/renew", renewable[c][mc.renewNext%pool]), `{"periods":1}`
				case 3:
					if mc.transferNext >= pool {
						t.Errorf("client %d handed over every license of its pool", c)
					}
					return giver.token, "/api/v1/transfers", fmt.Sprintf(`{"license_ids":[%d],"target":%q}`, movable[c][mc.transferNext%pool], receiver.publicID)
				case 4:
					return receiver.token, fmt.Sprintf("/api/v1/transfers/%d/approve", mc.transfer), fmt.Sprintf(`{"secret":%q}`, mc.secret)
				case 5:
					if mc.checkoutNext >= pool {
						t.Errorf("client %d checked out every license of its pool", c)
					}
					return giver.token, "/api/v1/checkout", fmt.Sprintf(`{"license_ids":[%d],"terms_version":%q}`, pending[c][mc.checkoutNext%pool], app.DefaultTerms.Version)
				case 6:
					return giver.token, fmt.Sprintf("/api/v1/invoices/%d/pay", mc.invoice), ""
				default:
					return giver.token, fmt.Sprintf("/api/v1/licenses/%d/renew", renewable[c][mc.renewNext%pool]), `{"periods":1,"payment":"invoice","pay_now":true}`
				}
			},
			func(c, _ int, out []byte) bool {
				mc := cs[c]
				var v struct {
					ID         uint64   `json:"id"`
					LicenseIDs []uint64 `json:"license_ids"`
					Secret     string   `json:"secret"`
					State      string   `json:"state"`
					Renewal    struct {
						OrderID   uint64 `json:"order_id"`
						InvoiceID uint64 `json:"invoice_id"`
					} `json:"renewal"`
				}
				if err := json.Unmarshal(out, &v); err != nil {
					return false
				}
				acks.mu.Lock()
				defer acks.mu.Unlock()
				switch mc.step {
				case 0:
					if v.ID == 0 || len(v.LicenseIDs) != 1 {
						return false
					}
					mc.order, mc.license = v.ID, v.LicenseIDs[0]
					acks.purchases++
				case 1:
					if v.State != string(app.OrderRefunded) {
						return false
					}
					acks.refunded[mc.license] = true
				case 2:
					if v.Renewal.OrderID == 0 {
						return false
					}
					acks.renewed[v.Renewal.OrderID] = renewable[c][mc.renewNext%pool]
					mc.renewNext++
				case 3:
					if v.ID == 0 || v.Secret == "" {
						return false
					}
					mc.transfer, mc.secret = v.ID, v.Secret
				case 4:
					if v.State != "approved" {
						return false
					}
					acks.moved[movable[c][mc.transferNext%pool]] = ps[mc.receiver].id
					mc.transferNext++
				case 5:
					if v.ID == 0 {
						return false
					}
					mc.invoice = v.ID
					mc.checkoutNext++
				case 6:
					if v.State != string(app.InvoicePaid) {
						return false
					}
					acks.paid[mc.invoice] = true
				default:
					if v.Renewal.OrderID == 0 || v.Renewal.InvoiceID == 0 {
						return false
					}
					acks.renewed[v.Renewal.OrderID] = renewable[c][mc.renewNext%pool]
					acks.paid[v.Renewal.InvoiceID] = true
					mc.renewNext++
				}
				mc.step = (mc.step + 1) % 8
				return true
			})

		// The killed desk's data: sound, whole, and adding up.
		mustRun(t, "", "check", "--data", dir)
		svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet})
		if err != nil {
			t.Fatalf("round %d: open after kill -9: %v", round, err)
		}
		checkMoneyAfterKill(t, svc, round, topUp, &acks)
		for _, p := range ps {
			checkSearchAfterKill(t, svc, round, p.id)
		}
		svc.Close()
		t.Logf("round %d: %d purchases, %d refunds, %d renewals, %d hand-overs, %d invoices paid acknowledged; all there and adding up",
			round, acks.purchases, len(acks.refunded), len(acks.renewed), len(acks.moved), len(acks.paid))
	}
	if len(acks.refunded) == 0 || len(acks.renewed) == 0 || len(acks.moved) == 0 || len(acks.paid) == 0 {
		t.Fatalf("the kills came before every kind of action was acknowledged: %d refunds, %d renewals, %d hand-overs, %d invoices paid",
			len(acks.refunded), len(acks.renewed), len(acks.moved), len(acks.paid))
	}
}

// checkMoneyAfterKill checks, through the service, that every
// acknowledged action is there and that money adds up: each order's
// total is its lines' and its items', its refund its refunded items',
// each refunded license is cancelled, and each balance equals its
// ledger and what its orders and invoices took from it.
func checkMoneyAfterKill(t *testing.T, svc *app.Service, round int, topUp int64, acks *moneyAcks) {
	t.Helper()
	for id := range acks.refunded {
		l, err := svc.GetLicense(app.System, id)
		if err != nil || l.Status != app.StatusCancelled || l.Payment != app.PaymentRefunded {
			t.Fatalf("round %d: acknowledged refund of license %d after kill -9: %s %s %v", round, id, l.Status, l.Payment, err)
		}
	}
	for order, license := range acks.renewed {
		o, err := svc.GetOrder(app.System, order)
		if err != nil || len(o.Items) != 1 || o.Items[0].LicenseID != license {
			t.Fatalf("round %d: acknowledged renewal order %d of license %d after kill -9: %+v %v", round, order, license, o.Items, err)
		}
	}
	for license, to := range acks.moved {
		l, err := svc.GetLicense(app.System, license)
		if err != nil || l.PartnerID != to {
			t.Fatalf("round %d: acknowledged hand-over of license %d to partner %d after kill -9: partner %d, %v", round, license, to, l.PartnerID, err)
		}
	}
	for id := range acks.paid {
		inv, err := svc.GetInvoice(app.System, id)
		if err != nil || inv.State != app.InvoicePaid || inv.Paid.Amount != inv.Total.Amount {
			t.Fatalf("round %d: acknowledged payment of invoice %d after kill -9: %s, paid %d of %d, %v", round, id, inv.State, inv.Paid.Amount, inv.Total.Amount, err)
		}
		for _, line := range inv.Lines {
			if l, err := svc.GetLicense(app.System, line.LicenseID); err != nil || l.Payment != app.PaymentPaid {
				t.Fatalf("round %d: license %d of paid invoice %d is %s after kill -9 (%v)", round, line.LicenseID, id, l.Payment, err)
			}
		}
	}
	// Every transfer is whole: approved, its licenses are the target's;
	// otherwise they are still the giver's.
	transfers, err := svc.ListTransfers(app.System, app.TransferFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sum := range transfers {
		tr, err := svc.GetTransfer(app.System, sum.ID)
		if err != nil {
			t.Fatal(err)
		}
		owner := tr.SourcePartnerID
		if tr.State == app.TransferApproved {
			owner = tr.TargetPartnerID
		}
		for _, tl := range tr.Licenses {
			if l, err := svc.GetLicense(app.System, tl.LicenseID); err != nil || l.PartnerID != owner {
				t.Fatalf("round %d: license %d of %s transfer %d is partner %d's after kill -9, want %d (%v)", round, tl.LicenseID, tr.State, tr.ID, l.PartnerID, owner, err)
			}
		}
	}
	partners, err := svc.ListPartners(app.System, app.ListParams{PerPage: app.MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range partners.Items {
		bal, ledger, _ := allLedger(t, svc, p.ID)
		acc := app.Account{Balance: bal}
		var spent int64
		f := map[string]string{"partner_id": fmt.Sprint(p.ID)}
		for page := 1; ; page++ {
			orders, err := svc.ListOrders(app.System, app.ListParams{Page: page, PerPage: app.MaxPerPage, Filters: f})
			if err != nil {
				t.Fatal(err)
			}
			for _, sum := range orders.Items {
				o, err := svc.GetOrder(app.System, sum.ID)
				if err != nil {
					t.Fatal(err)
				}
				var lines, items, refunded int64
				for _, l := range o.Lines {
					lines += l.Total
				}
				for _, it := range o.Items {
					items += it.Price
					l, err := svc.GetLicense(app.System, it.LicenseID)
					if err != nil {
						t.Fatalf("round %d: license %d of order %s after kill -9: %v", round, it.LicenseID, o.Number, err)
					}
					if it.Refunded != nil {
						refunded += it.Price
						if l.Status != app.StatusCancelled || l.Payment != app.PaymentRefunded {
							t.Errorf("round %d: license %d refunded on order %s is %s, %s", round, l.ID, o.Number, l.Status, l.Payment)
						}
					}
				}
				if lines != o.Total.Amount || items != o.Total.Amount || refunded != o.Refunded.Amount {
					t.Errorf("round %d: order %s totals %d; lines %d, items %d; refunded %d of items %d", round, o.Number, o.Total.Amount, lines, items, o.Refunded.Amount, refunded)
				}
				if o.Payment == app.PayBalance && o.State != app.OrderUnpaid {
					spent += o.Total.Amount - o.Refunded.Amount
				}
			}
			if page*app.MaxPerPage >= orders.Total {
				break
			}
		}
		for page := 1; ; page++ {
			invs, err := svc.ListInvoices(app.System, app.ListParams{Page: page, PerPage: app.MaxPerPage, Filters: f})
			if err != nil {
				t.Fatal(err)
			}
			for _, inv := range invs.Items {
				spent += inv.Paid.Amount // paid from the balance: the only way in this test
				if inv.State == app.InvoicePaid && inv.Paid.Amount != inv.Total.Amount || inv.State != app.InvoicePaid && inv.Paid.Amount != 0 {
					t.Errorf("round %d: invoice %s is %s with %d of %d paid", round, inv.Number, inv.State, inv.Paid.Amount, inv.Total.Amount)
				}
			}
			if page*app.MaxPerPage >= invs.Total {
				break
			}
		}
		if acc.Balance.Amount != ledger || acc.Balance.Amount < 0 || topUp-acc.Balance.Amount != spent {
			t.Errorf("round %d, partner %s: balance %d, ledger sum %d; %d spent on orders and invoices of the %d topped up",
				round, p.Name, acc.Balance.Amount, ledger, spent, topUp)
		}
	}
}

// checkSearchAfterKill checks that searching a partner's licenses finds
// exactly what bbolt holds of them: all of them, and the cancelled ones.
func checkSearchAfterKill(t *testing.T, svc *app.Service, round int, partner uint64) {
	t.Helper()
	for _, status := range []string{"", string(app.StatusCancelled)} {
		f := map[string]string{"partner_id": fmt.Sprint(partner), "view": "all"}
		if status != "" {
			f["status"] = status
		}
		stored, err := svc.ListLicenses(app.System, app.ListParams{PerPage: 1, Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		f["q"] = "Antivirus"
		found, err := svc.ListLicenses(app.System, app.ListParams{PerPage: 1, Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		if found.Total != stored.Total || stored.Total == 0 && status == "" {
			t.Errorf("round %d, partner %d, status %q: search finds %d licenses, the data holds %d", round, partner, status, found.Total, stored.Total)
		}
	}
}
