package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"licensedesk/app"
)

// buildBinary builds licensedesk into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "licensedesk")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// binServer is one running licensedesk process.
type binServer struct {
	cmd *exec.Cmd
	url string
}

func startBinary(t *testing.T, bin, dir string) *binServer {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve", "--data", dir, "--addr", addr, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &binServer{cmd: cmd, url: "http://" + addr}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the server did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *binServer) do(token, method, path, body string) (int, []byte, error) {
	req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// avProduct creates the product "av" (Business, 12 months) the fault
// tests write licenses and orders of.
func avProduct(t *testing.T, svc *app.Service) app.Product {
	t.Helper()
	code, name, cur := "av", "Antivirus", "EUR"
	eds, periods := []app.Edition{{Code: "business", Name: "Business"}}, []int{12}
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 1999}}
	prod, err := svc.CreateProduct(app.System, app.ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices})
	if err != nil {
		t.Fatal(err)
	}
	return prod
}

// writeUntilKilled runs clients that each POST to s again and again (post
// gives client c's i-th token, path and body), kills s with -9 after d,
// and returns when every client has stopped. Each answer must be a
// success (201 for what it creates, 200 for an action on a record) and
// pass ack (which records it; it runs on the clients' goroutines).
func writeUntilKilled(t *testing.T, s *binServer, clients int, d time.Duration, post func(c, i int) (token, path, body string), ack func(c, i int, out []byte) bool) {
	t.Helper()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				token, path, body := post(c, i)
				status, out, err := s.do(token, "POST", path, body)
				if err != nil {
					return // the server is gone
				}
				if status != http.StatusCreated && status != http.StatusOK || !ack(c, i, out) {
					t.Errorf("POST %s: %d %s", path, status, out)
					return
				}
			}
		}()
	}
	time.Sleep(d)
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.cmd.Wait()
	close(stop)
	wg.Wait()
}

// Fault test (issue 7): kill -9 of the real binary at random moments
// while several clients write; after every restart each acknowledged
// write is there and findable by search.
func TestKillNineLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	svc := openSvc(t, dir)
	email, pw, role := "ops@example.com", "correct horse battery", app.RoleOperator
	if _, err := svc.CreateUser(app.System, app.UserInput{Email: &email, Password: &pw, Role: &role}); err != nil {
		t.Fatal(err)
	}
	prod := avProduct(t, svc)
	token, _, err := svc.CreateTokenForUser(app.System, email, "crash")
	if err != nil {
		t.Fatal(err)
	}
	svc.Close()

	type ack struct {
		id   uint64
		word string
	}
	var acked []ack
	const rounds, clients = 4, 4
	for round := range rounds {
		s := startBinary(t, bin, dir)
		var mu sync.Mutex
		word := func(c, i int) string { return fmt.Sprintf("crashr%dc%dn%d", round, c, i) }
		writeUntilKilled(t, s, clients, time.Duration(150+rand.IntN(600))*time.Millisecond,
			func(c, i int) (string, string, string) {
				return token, "/api/v1/licenses", fmt.Sprintf(`{"product_id":%d,"edition":"business","seats":1,"period_months":12,"name":"%s","customer":"Kunde %s"}`, prod.ID, word(c, i), word(c, i))
			},
			func(c, i int, out []byte) bool {
				var pg struct{ Items []struct{ ID uint64 } }
				if err := json.Unmarshal(out, &pg); err != nil || len(pg.Items) != 1 {
					return false
				}
				mu.Lock()
				acked = append(acked, ack{pg.Items[0].ID, word(c, i)})
				mu.Unlock()
				return true
			})

		// Restart: every acknowledged license is there and found.
		s = startBinary(t, bin, dir)
		for _, a := range acked {
			status, out, err := s.do(token, "GET", fmt.Sprintf("/api/v1/licenses/%d", a.id), "")
			if err != nil || status != 200 || !strings.Contains(string(out), a.word) {
				t.Fatalf("round %d: acknowledged license %d (%s) after kill -9: %d %v %s", round, a.id, a.word, status, err, out)
			}
			status, out, err = s.do(token, "GET", "/api/v1/licenses?view=all&q="+a.word, "")
			if err != nil || status != 200 || !strings.Contains(string(out), fmt.Sprintf(`"id":%d,`, a.id)) {
				t.Fatalf("round %d: acknowledged license %d (%s) not found by search after kill -9: %d %v %.300s", round, a.id, a.word, status, err, out)
			}
		}
		t.Logf("round %d: %d acknowledged licenses present and findable", round, len(acked))
		s.cmd.Process.Signal(syscall.SIGTERM)
		s.cmd.Wait()
	}
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the kills")
	}
}

// Fault test for purchases: kill -9 of the real binary while partners buy
// licenses from their balances (group commits, write buffers, the ledger,
// the outbox). After each restart every acknowledged order is there with
// its license and mail, each running balance equals its ledger's sum and
// what was spent, and the order and license lists count what is stored.
func TestKillNineDuringPurchasesKeepsMoneyAndOrders(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	const topUp = 1_000_000_00
	svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	prod := avProduct(t, svc)
	type buyer struct {
		partner uint64
		token   string
	}
	var buyers []buyer
	pw := app.GeneratePassword()
	for i := range 4 {
		pname := fmt.Sprintf("Partner %d", i+1)
		p, err := svc.CreatePartner(app.System, app.PartnerInput{Name: &pname})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RecordBalance(app.System, p.ID, app.BalanceInput{Amount: topUp, Kind: app.LedgerTopUp, Reason: "wire"}); err != nil {
			t.Fatal(err)
		}
		email, role, pid := fmt.Sprintf("buyer@p%d.example", i+1), app.RolePartner, p.ID
		if _, err := svc.CreateUser(app.System, app.UserInput{Email: &email, Role: &role, PartnerID: &pid, Password: &pw}); err != nil {
			t.Fatal(err)
		}
		tok, _, err := svc.CreateTokenForUser(app.System, email, "crash")
		if err != nil {
			t.Fatal(err)
		}
		buyers = append(buyers, buyer{p.ID, tok})
	}
	svc.Close()

	body := fmt.Sprintf(`{"lines":[{"product_id":%d,"edition":"business","seats":1,"period_months":12,"quantity":1}],"payment":"balance"}`, prod.ID)
	acked := map[uint64]uint64{} // order id -> partner
	for round := range 3 {
		s := startBinary(t, bin, dir)
		var mu sync.Mutex
		writeUntilKilled(t, s, 2*len(buyers), time.Duration(300+rand.IntN(700))*time.Millisecond, // two at once per partner
			func(c, _ int) (string, string, string) { return buyers[c%len(buyers)].token, "/api/v1/orders", body },
			func(c, _ int, out []byte) bool {
				var o struct{ ID uint64 }
				if err := json.Unmarshal(out, &o); err != nil || o.ID == 0 {
					return false
				}
				mu.Lock()
				acked[o.ID] = buyers[c%len(buyers)].partner
				mu.Unlock()
				return true
			})

		// Reopen the killed desk's data and check it through the service.
		svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet})
		if err != nil {
			t.Fatalf("round %d: open after kill -9: %v", round, err)
		}
		for id, partner := range acked {
			v, err := svc.GetOrder(app.System, id)
			if err != nil || v.PartnerID != partner || len(v.LicenseIDList) != 1 {
				svc.Close()
				t.Fatalf("round %d: acknowledged order %d after kill -9: %+v %v", round, id, v, err)
			}
		}
		stored := 0
		for _, b := range buyers {
			bal, sum, _ := allLedger(t, svc, b.partner)
			acc := app.Account{Balance: bal}
			f := map[string]string{"partner_id": fmt.Sprint(b.partner)}
			orders, err := svc.ListOrders(app.System, app.ListParams{PerPage: app.MaxPerPage, Filters: f})
			if err != nil {
				t.Fatal(err)
			}
			var spent int64
			for page := 1; ; page++ {
				for _, o := range orders.Items {
					spent += o.Total.Amount
				}
				if page*app.MaxPerPage >= orders.Total {
					break
				}
				if orders, err = svc.ListOrders(app.System, app.ListParams{Page: page + 1, PerPage: app.MaxPerPage, Filters: f}); err != nil {
					t.Fatal(err)
				}
			}
			licenses, err := svc.ListLicenses(app.System, app.ListParams{PerPage: 1, Filters: f})
			if err != nil {
				t.Fatal(err)
			}
			mails, err := svc.ListOutbox(app.Actor{Email: "check@example.com", Role: app.RolePartner, PartnerID: b.partner}, app.ListParams{PerPage: 1})
			if err != nil {
				t.Fatal(err)
			}
			if sum != acc.Balance.Amount || topUp-acc.Balance.Amount != spent || acc.Balance.Amount < 0 {
				t.Errorf("round %d, partner %d: balance %d, ledger sum %d, spent on orders %d of %d", round, b.partner, acc.Balance.Amount, sum, spent, topUp)
			}
			if licenses.Total != orders.Total || mails.Total != orders.Total {
				t.Errorf("round %d, partner %d: %d orders, %d licenses, %d confirmation mails", round, b.partner, orders.Total, licenses.Total, mails.Total)
			}
			stored += orders.Total
		}
		svc.Close()
		if stored < len(acked) {
			t.Fatalf("round %d: %d orders stored, %d acknowledged", round, stored, len(acked))
		}
		t.Logf("round %d: %d acknowledged orders, %d stored, money and lists consistent", round, len(acked), stored)
	}
	if len(acked) == 0 {
		t.Fatal("no purchase was acknowledged before the kills")
	}
}

// importProgress finds the writing pass's progress, which follows the
// bytes read and is drawn every 10,000 rows: "import [####....]  50% ...".
var importProgress = regexp.MustCompile(`import \[[#.]*\] +(\d\d)% `)

// Fault test for the CSV import: kill -9 of `licensedesk import` part way
// through a file of many batches. The desk opens, every row it holds is
// whole (found by key and by search, the lists count it, check is clean),
// and importing the same file again adds exactly the rest.
func TestKillNineDuringCSVImportThenImportAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin := buildBinary(t)
	dir, p := importDesk(t)
	const rows = 40000
	var b strings.Builder
	b.WriteString("key,product,status,valid_to,customer\n")
	for i := range rows {
		fmt.Fprintf(&b, "K%07d-WXYZ,av,active,2027-01-31,Kunde%07d\n", i, i)
	}
	file := csvFile(t, b.String())

	cmd := exec.Command(bin, "import", file, "--partner", p.PublicID, "--data", dir)
	var out strings.Builder
	cmd.Stdout = &out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once the writing pass has read 20,000 rows (its progress
	// bar at half the file's bytes): the rows are read one batch of 5,000
	// ahead of the writes through a channel of one, so at least the first
	// batch is committed, and the rest of the file is not.
	writing := make(chan struct{})
	go func() {
		var seen []byte
		told := false
		buf := make([]byte, 4096)
		for {
			n, err := stderr.Read(buf)
			seen = append(seen, buf[:n]...)
			if m := importProgress.FindAllSubmatch(seen, -1); !told && len(m) > 0 && string(m[len(m)-1][1]) >= "40" {
				close(writing)
				told = true
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-writing:
	case <-time.After(time.Minute):
		t.Fatal("the import never started writing")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := cmd.Wait() != nil

	// What the cut-short import left: whole licenses, consistent lists.
	svc, err := app.Open(app.Options{DataDir: dir, Logger: quiet})
	if err != nil {
		t.Fatalf("open after kill -9: %v\nimport said: %s", err, out.String())
	}
	f := map[string]string{"partner_id": fmt.Sprint(p.ID)}
	pg, err := svc.ListLicenses(app.System, app.ListParams{PerPage: 1, Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	kept := pg.Total
	if kept > 0 {
		// The rows are written in file order: the last one kept is whole.
		last := fmt.Sprintf("K%07d-WXYZ", kept-1)
		l, err := svc.LicenseByKey(app.System, last)
		if err != nil || l.PartnerID != p.ID || l.Customer != fmt.Sprintf("Kunde%07d", kept-1) {
			t.Fatalf("the last row kept (%s) after kill -9: %+v %v", last, l, err)
		}
		found, err := svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"q": l.Customer}})
		if err != nil || found.Total != 1 {
			t.Fatalf("search for %s after kill -9: %d hits, %v", l.Customer, found.Total, err)
		}
	}
	if probs, err := svc.Check(); err != nil || len(probs) > 0 {
		t.Fatalf("check after kill -9: %v %v", probs, err)
	}
	svc.Close()
	if !killed || kept == 0 || kept == rows {
		t.Fatalf("the kill did not land part way through the writes: killed=%v, %d of %d rows written", killed, kept, rows)
	}
	t.Logf("killed after %d of %d rows were written", kept, rows)

	// The same file again adds the rest, and only the rest.
	r := mustRun(t, "", "import", file, "--partner", p.PublicID, "--data", dir)
	want := fmt.Sprintf("%d rows: %d new, %d same", rows, rows-kept, kept)
	if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, fmt.Sprintf("%d imported", rows-kept)) {
		t.Fatalf("importing again: %q, want %q", r.stdout, want)
	}
	svc = openSvc(t, dir)
	if pg, err := svc.ListLicenses(app.System, app.ListParams{PerPage: 1, Filters: f}); err != nil || pg.Total != rows {
		t.Fatalf("after importing again: %d licenses, %v", pg.Total, err)
	}
	if found, err := svc.ListLicenses(app.System, app.ListParams{Filters: map[string]string{"q": fmt.Sprintf("Kunde%07d", rows-1)}}); err != nil || found.Total != 1 {
		t.Fatalf("search for the file's last row: %d hits, %v", found.Total, err)
	}
}

// allLedger pages through a partner's whole ledger (the account answers
// one page of it) and returns the balance and the entries' sum.
func allLedger(t *testing.T, svc *app.Service, partner uint64) (balance app.Money, sum int64, n int) {
	t.Helper()
	for page := 1; ; page++ {
		acc, err := svc.GetAccountPage(app.System, partner, app.ListParams{Page: page, PerPage: app.MaxPerPage})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range acc.Entries {
			sum += e.Amount
		}
		n += len(acc.Entries)
		if len(acc.Entries) < acc.PerPage {
			if n != acc.Total {
				t.Fatalf("partner %d: %d entries over the pages, total %d", partner, n, acc.Total)
			}
			return acc.Balance, sum, n
		}
	}
}
