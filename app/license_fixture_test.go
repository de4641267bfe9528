package app_test

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"licensedesk/app"
)

// The license tests share this fixture: a real bbolt file and Bleve index
// in a temporary directory, a clock the test moves by hand, an operator,
// a distributor, two partners on the manual program (A with the
// distributor), one on the standard program, and two products.

// licClock is the service's clock; tests move it instead of sleeping.
type licClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *licClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *licClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t.UTC()
}

func (c *licClock) AddDate(y, m, d int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.AddDate(y, m, d)
}

func (c *licClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// licT0 is when every license test starts.
var licT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type licFix struct {
	t   *testing.T
	dir string
	clk *licClock
	svc *app.Service

	op         app.Actor // an operator user
	dist       app.Partner
	pa, pb, pc app.Partner // pa, pb: manual program (pa under dist); pc: standard
	ua, ub, uc app.Actor   // one login each
	av, fw     app.Product // av: 1/12/24 months, 1–500 seats, config; fw: 12 months

	nextUser uint64
}

var licQuiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func licP[T any](v T) *T { return &v }

func newLicFix(t *testing.T) *licFix {
	t.Helper()
	f := &licFix{t: t, dir: t.TempDir(), clk: &licClock{t: licT0}}
	f.open()
	t.Cleanup(func() {
		if f.svc != nil {
			f.svc.Close()
		}
	})
	f.op = f.user("op@desk.example", app.RoleOperator, 0)
	f.dist = f.partner("Central Distribution", app.ProgramStandard, 0)
	f.pa = f.partner("Alpha Reseller", app.ProgramManual, f.dist.ID)
	f.pb = f.partner("Beta MSP", app.ProgramManual, 0)
	f.pc = f.partner("Gamma Shop", app.ProgramStandard, 0)
	f.ua = f.user("anna@alpha.example", app.RolePartner, f.pa.ID)
	f.ub = f.user("ben@beta.example", app.RolePartner, f.pb.ID)
	f.uc = f.user("cleo@gamma.example", app.RolePartner, f.pc.ID)
	f.av = f.product("av", "Sentinel Antivirus", []int{1, 12, 24}, 500, []app.ConfigField{
		{Name: "mode", Type: "choice", Default: "standard", Options: []string{"standard", "strict"}},
		{Name: "nodes", Type: "number"},
	})
	f.fw = f.product("fw", "Harbor Firewall", []int{12}, 0, nil)
	return f
}

func (f *licFix) open() {
	f.t.Helper()
	svc, err := app.Open(app.Options{DataDir: f.dir, Logger: licQuiet, Now: f.clk.Now})
	if err != nil {
		f.t.Fatalf("open %s: %v", f.dir, err)
	}
	f.svc = svc
}

func (f *licFix) reopen() {
	f.t.Helper()
	if err := f.svc.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.svc = nil
	f.open()
}

// user is the actor of a signed-in user, as the web layer builds it. The
// service takes the actor on trust, so the tests skip creating logins
// (and the password hashing that costs seconds under -race); the API
// tests in app/web sign in for real.
func (f *licFix) user(email string, role app.Role, partner uint64) app.Actor {
	f.nextUser++
	return app.Actor{UserID: f.nextUser, Email: email, Role: role, PartnerID: partner, Addr: "192.0.2.10"}
}

func (f *licFix) partner(name, program string, distributor uint64) app.Partner {
	f.t.Helper()
	in := app.PartnerInput{Name: licP(name), DiscountBP: licP(3000), Program: licP(program)}
	if distributor != 0 {
		in.DistributorID = licP(distributor)
	}
	p, err := f.svc.CreatePartner(app.System, in)
	if err != nil {
		f.t.Fatalf("create partner %s: %v", name, err)
	}
	return p
}

func (f *licFix) product(code, name string, periods []int, maxSeats int, cfg []app.ConfigField) app.Product {
	f.t.Helper()
	eds := []app.Edition{
		{Code: "business", Name: "Business", UpgradesTo: []string{"enterprise"}},
		{Code: "enterprise", Name: "Enterprise"},
	}
	var prices []app.Price
	for i, ed := range eds {
		for _, m := range periods {
			prices = append(prices, app.Price{Edition: ed.Code, PeriodMonths: m, PerSeat: int64(500*(i+1)*m + 99)})
		}
	}
	if cfg == nil {
		cfg = []app.ConfigField{}
	}
	in := app.ProductInput{Code: licP(code), Name: licP(name), Currency: licP("EUR"), Editions: &eds,
		Periods: &periods, Prices: &prices, MaxSeats: licP(maxSeats), ConfigFields: &cfg}
	p, err := f.svc.CreateProduct(app.System, in)
	if err != nil {
		f.t.Fatalf("create product %s: %v", code, err)
	}
	return p
}

// lic is a minimal valid create: one Sentinel Antivirus business key,
// 5 seats, 12 months.
func (f *licFix) lic() app.LicenseCreate {
	return app.LicenseCreate{ProductID: f.av.ID, Edition: "business", Seats: 5, PeriodMonths: 12}
}

// create must succeed.
func (f *licFix) create(a app.Actor, in app.LicenseCreate) []app.LicenseView {
	f.t.Helper()
	ls, err := f.svc.CreateLicenses(a, in)
	if err != nil {
		f.t.Fatalf("create licenses as %s: %v", a.Email, err)
	}
	return ls
}

func (f *licFix) one(a app.Actor, in app.LicenseCreate) app.LicenseView {
	f.t.Helper()
	ls := f.create(a, in)
	if len(ls) != 1 {
		f.t.Fatalf("created %d licenses, want 1", len(ls))
	}
	return ls[0]
}

// get reads a license as the operator.
func (f *licFix) get(id uint64) app.LicenseView {
	f.t.Helper()
	l, err := f.svc.GetLicense(app.System, id)
	if err != nil {
		f.t.Fatalf("get license %d: %v", id, err)
	}
	return l
}

// list must succeed.
func (f *licFix) list(a app.Actor, filters map[string]string, sort string) app.LicensePage {
	f.t.Helper()
	pg, err := f.svc.ListLicenses(a, app.ListParams{PerPage: app.MaxPerPage, Sort: sort, Filters: filters})
	if err != nil {
		f.t.Fatalf("list %v sort %q as %s: %v", filters, sort, a.Email, err)
	}
	if pg.Total != len(pg.Items) && len(pg.Items) < app.MaxPerPage {
		f.t.Fatalf("list %v: total %d but %d rows on the only page", filters, pg.Total, len(pg.Items))
	}
	return pg
}

// ids is the ids of a page, in its order.
func licIDs(pg app.LicensePage) []uint64 {
	out := make([]uint64, 0, len(pg.Items))
	for _, l := range pg.Items {
		out = append(out, l.ID)
	}
	return out
}

// count is how many licenses the operator's unfiltered list holds.
func (f *licFix) count() int {
	f.t.Helper()
	return f.list(app.System, nil, "").Total
}

// history must succeed.
func (f *licFix) history(id uint64) []app.HistoryEntry {
	f.t.Helper()
	h, err := f.svc.LicenseHistory(app.System, id)
	if err != nil {
		f.t.Fatalf("history of %d: %v", id, err)
	}
	return h
}

// licWantField asserts err is a validation error naming field, with a
// message saying what to change.
func licWantField(t *testing.T, err error, field string) *app.ValidationError {
	t.Helper()
	var ve *app.ValidationError
	if err == nil {
		t.Fatalf("accepted; want a validation error on %q", field)
	}
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a validation error; want one on %q", err, err, field)
	}
	if ve.Field != field {
		t.Fatalf("error names field %q (%v); want %q", ve.Field, err, field)
	}
	if ve.Message == "" {
		t.Fatalf("error on %q says nothing about what to change", field)
	}
	return ve
}

func licWantIs(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v; want %v", err, want)
	}
}

// sameIDs compares id lists as sets.
func sameIDs(got, want []uint64) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}

// importUnused loads n unused keys of partner p (0: operator stock)
// bought now, straight into the store as the bench generator does: fast,
// for tests that need volume rather than the create path.
func (f *licFix) importUnused(p app.Partner, n int) {
	f.t.Helper()
	now := f.clk.Now()
	batch := make([]app.License, n)
	for i := range batch {
		batch[i] = app.License{Name: "imported", ProductID: f.av.ID, ProductName: f.av.Name, Edition: "business",
			Seats: 1, PeriodMonths: 12, Status: app.StatusOrdered, Payment: app.PaymentPaid, Purchased: now,
			ActivateBy: now.AddDate(1, 0, 0), PartnerID: p.ID, DistributorID: p.DistributorID, Updated: now}
	}
	if err := f.svc.ImportLicenses(app.System, batch); err != nil {
		f.t.Fatal(err)
	}
}
