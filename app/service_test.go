package app_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"licensedesk/app"
	"licensedesk/search"
	"licensedesk/storage"
)

// searchProducts returns the codes of the products the search box finds.
func (e *env) searchProducts(q string) []string {
	e.t.Helper()
	page, err := e.svc.ListProducts(app.System, app.ListParams{Sort: "code", Filters: map[string]string{"q": q}})
	if err != nil {
		e.t.Fatalf("search products %q: %v", q, err)
	}
	var codes []string
	for _, p := range page.Items {
		codes = append(codes, p.Code)
	}
	return codes
}

func (e *env) searchPartners(q string) []string {
	e.t.Helper()
	page, err := e.svc.ListPartners(app.System, app.ListParams{Sort: "name", Filters: map[string]string{"q": q}})
	if err != nil {
		e.t.Fatalf("search partners %q: %v", q, err)
	}
	var names []string
	for _, p := range page.Items {
		names = append(names, p.Name)
	}
	return names
}

func TestDeletedIndexIsRebuiltOnOpen(t *testing.T) {
	e := newEnv(t)
	e.product("antivirus-pro")
	e.product("backup-cloud")
	e.partner("Northwind Traders")
	e.partner("Contoso Reseller")
	before := e.svc.IndexedDocs()
	if before != 4 {
		t.Fatalf("%d documents indexed, want 4", before)
	}
	e.svc.Close()
	e.svc = nil
	if err := os.RemoveAll(filepath.Join(e.dir, "index")); err != nil {
		t.Fatal(err)
	}
	e.open()
	if got := e.svc.IndexedDocs(); got != before {
		t.Fatalf("after deleting the index and starting again: %d documents, want %d", got, before)
	}
	if got := e.searchProducts("backup*"); !slices.Equal(got, []string{"backup-cloud"}) {
		t.Errorf("product search after rebuild: %v", got)
	}
	if got := e.searchPartners("northwind"); !slices.Equal(got, []string{"Northwind Traders"}) {
		t.Errorf("partner search after rebuild: %v", got)
	}
}

func TestCorruptIndexIsRebuiltOnOpen(t *testing.T) {
	e := newEnv(t)
	e.product("antivirus-pro")
	e.svc.Close()
	e.svc = nil
	idx := filepath.Join(e.dir, "index")
	os.RemoveAll(idx)
	os.MkdirAll(filepath.Join(idx, "store"), 0o700)
	os.WriteFile(filepath.Join(idx, "index_meta.json"), []byte("{garbage"), 0o600)
	os.WriteFile(filepath.Join(idx, "store", "root.bolt"), []byte("garbage"), 0o600)
	e.open()
	if got := e.searchProducts("antivirus*"); !slices.Equal(got, []string{"antivirus-pro"}) {
		t.Fatalf("search after a corrupt index: %v", got)
	}
}

// sneakProduct commits a product and its change-log entry straight to
// bbolt without telling the index: what a crash between the bbolt commit
// and the index write leaves behind.
func sneakProduct(t *testing.T, e *env, code string) {
	t.Helper()
	sneakProductInto(t, e.svc.DB(), code)
}

func sneakProductInto(t *testing.T, db *storage.DB, code string) {
	t.Helper()
	p := app.Product{Code: code, Name: "Sneaked " + code, Currency: "EUR", Active: true, MinSeats: 1}
	err := db.Update(func(tx *storage.Tx) error {
		id, err := tx.NextID(storage.Products)
		if err != nil {
			return err
		}
		p.ID = id
		if err := tx.Put(storage.Products, storage.EncodeID(id), p); err != nil {
			return err
		}
		return tx.Changed("product", id)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCrashBetweenCommitAndIndexIsRepairedOnOpen(t *testing.T) {
	e := newEnv(t)
	e.product("antivirus-pro")
	// The crash: the server stops after bbolt committed and before the
	// index (which follows in the background) applied the change.
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	e.svc = nil
	db, err := storage.Open(e.dir, storage.Options{Migrations: app.Migrations()})
	if err != nil {
		t.Fatal(err)
	}
	sneakProductInto(t, db, "firewall-max")
	db.Close()
	idx, err := search.Open(filepath.Join(e.dir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	hits, _, err := idx.Search(search.Query{Text: "firewall*", Type: "product"})
	idx.Close()
	if err != nil || len(hits) != 0 {
		t.Fatalf("the index already has the sneaked product (%v, %v); the test would prove nothing", hits, err)
	}
	e.open()
	if got := e.searchProducts("firewall*"); !slices.Equal(got, []string{"firewall-max"}) {
		t.Fatalf("after restart the search finds %v, want the product committed before the crash", got)
	}
	if got := e.searchProducts("antivirus*"); !slices.Equal(got, []string{"antivirus-pro"}) {
		t.Fatalf("older product lost: %v", got)
	}
}

func TestCrashAfterDeleteIsRepairedOnOpen(t *testing.T) {
	e := newEnv(t)
	p := e.product("antivirus-pro")
	err := e.svc.DB().Update(func(tx *storage.Tx) error {
		if err := tx.Delete(storage.Products, storage.EncodeID(p.ID)); err != nil {
			return err
		}
		return tx.Changed("product", p.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.reopen()
	if n := e.svc.IndexedDocs(); n != 0 {
		t.Fatalf("a product deleted before the crash is still indexed (%d docs)", n)
	}
}

func TestTrimmedChangeLogForcesRebuild(t *testing.T) {
	// The index is behind and the log entries it needs are gone: the
	// next start must rebuild rather than trust a partial replay.
	e := newEnv(t)
	sneakProduct(t, e, "firewall-max")
	var last uint64
	e.svc.DB().View(func(tx *storage.Tx) error { last = tx.LastChange(); return nil })
	if err := e.svc.DB().TrimChanges(last); err != nil {
		t.Fatal(err)
	}
	e.reopen()
	if got := e.searchProducts("firewall*"); !slices.Equal(got, []string{"firewall-max"}) {
		t.Fatalf("after a trimmed log the search finds %v", got)
	}
}

func TestSyncIndexCatchesUpWithoutRestart(t *testing.T) {
	e := newEnv(t)
	sneakProduct(t, e, "firewall-max")
	// The next user action syncs everything the index missed.
	e.product("antivirus-pro")
	if got := e.searchProducts("firewall*"); !slices.Equal(got, []string{"firewall-max"}) {
		t.Fatalf("the next write did not repair the index: %v", got)
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	e := newEnv(t)
	svc, err := app.Open(app.Options{DataDir: e.dir, Logger: quiet, LockTimeout: 100e6})
	if err == nil {
		svc.Close()
		t.Fatal("a second service opened the same data directory")
	}
	var locked *storage.ErrLocked
	if !errors.As(err, &locked) || locked.PID != os.Getpid() {
		t.Fatalf("second open: %v; want *storage.ErrLocked naming pid %d", err, os.Getpid())
	}
}

func TestUpgradeFromSchema1KeepsLoginsWorking(t *testing.T) {
	// Users and partners stored by schema 1 had no email or public-ID
	// index; after the upgrade they log in and are found again.
	e := newEnv(t)
	e.operator("Ops@Example.com")
	p := e.partner("Northwind Traders")
	e.partnerUser(p, "sales@northwind.example")
	e.svc.Close()
	e.svc = nil

	db, err := storage.Open(e.dir, storage.Options{Migrations: app.Migrations()})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *storage.Tx) error {
		for _, b := range []string{storage.UsersByEmail, storage.PartnersByPubID} {
			if err := tx.DeleteBucket([]byte(b)); err != nil {
				return err
			}
		}
		return tx.PutRaw(storage.Meta, []byte("schema_version"), []byte("1"))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	e.open()
	for _, email := range []string{"ops@example.com", "SALES@northwind.example"} {
		if _, _, err := e.svc.Login(email, goodPassword, "192.0.2.9"); err != nil {
			t.Errorf("login as %s after the upgrade: %v", email, err)
		}
	}
	got, err := e.svc.PartnerByPublicID(app.System, p.PublicID)
	if err != nil || got.ID != p.ID {
		t.Errorf("partner by public ID after the upgrade: %+v %v", got, err)
	}
	// Uniqueness holds again for the migrated records.
	_, err = e.svc.CreateUser(app.System, app.UserInput{Email: ptr("OPS@example.com"), Role: ptr(app.RoleOperator), Password: ptr(goodPassword)})
	wantField(t, err, "email")
	var v int
	e.svc.DB().View(func(tx *storage.Tx) error {
		json.Unmarshal(tx.GetRaw(storage.Meta, []byte("schema_version")), &v)
		return nil
	})
	if v != app.SchemaVersion() {
		t.Errorf("schema after upgrade = %d, want %d", v, app.SchemaVersion())
	}
}

func TestIndexFollowsConcurrentWritesAndRebuilds(t *testing.T) {
	// Writers and a rebuild at once: afterwards every record is found
	// exactly once and the index has applied the whole change log.
	e := newEnv(t)
	const writers, each = 6, 8
	errs := make(chan error, writers+1)
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				name := "Reseller w" + uid(uint64(w)) + " n" + uid(uint64(i))
				if _, err := e.svc.CreatePartner(app.System, app.PartnerInput{Name: ptr(name), Notes: ptr("concurrent")}); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 3; i++ {
			if err := e.svc.Reindex(); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := e.svc.IndexedDocs(); n != writers*each {
		t.Fatalf("%d documents indexed, want %d", n, writers*each)
	}
	if got := e.searchPartners("concurrent"); len(got) != writers*each {
		t.Fatalf("search finds %d of %d partners", len(got), writers*each)
	}
	// A restart finds the index current and keeps it.
	e.reopen()
	if n := e.svc.IndexedDocs(); n != writers*each {
		t.Fatalf("after restart %d documents", n)
	}
}
