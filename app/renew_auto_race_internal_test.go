package app

import (
	"sync"
	"testing"
	"time"

	"licensedesk/storage"
)

// Auto-renew picks a partner's due licenses, then renews them in a
// write; a transfer approved in between has moved one to another
// partner. The giver pays only for its own licenses, and the one that
// left is not renewed on its money.
func TestAutoRenewSkipsALicenseMovedSincePicked(t *testing.T) {
	s, prod, a := internalDesk(t, nil, 1999, "Alpha Reseller")
	bn := "Beta Reseller"
	b, err := s.CreatePartner(System, PartnerInput{Name: &bn})
	if err != nil {
		t.Fatal(err)
	}
	const topUp = 100_00
	for _, p := range []Partner{a, b} {
		if _, err := s.RecordBalance(System, p.ID, BalanceInput{Amount: topUp, Kind: LedgerTopUp, Reason: "wire"}); err != nil {
			t.Fatal(err)
		}
	}
	ls, err := s.CreateLicenses(System, LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12, PartnerID: a.ID, Customer: "Acme", Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	on := true
	for _, l := range ls {
		if _, err := s.EditLicense(System, l.ID, LicenseEdit{AutoRenew: &on}); err != nil {
			t.Fatal(err)
		}
	}
	stays, leaves := ls[0], ls[1]
	tr, err := s.CreateTransfer(System, TransferInput{LicenseIDs: []uint64{leaves.ID}, Target: b.PublicID})
	if err != nil {
		t.Fatal(err)
	}

	// Hold the writer; queue the approval, then let auto-renew pick the
	// licenses (its read sees both still the giver's) and queue its write
	// behind the approval.
	var once sync.Once
	held, release := make(chan struct{}), make(chan struct{})
	go s.update(func(*storage.Tx) error {
		once.Do(func() { close(held) })
		<-release
		return nil
	})
	<-held
	var wg sync.WaitGroup
	var approveErr, renewErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, approveErr = s.ApproveTransfer(System, tr.ID, "")
	}()
	time.Sleep(50 * time.Millisecond)
	go func() {
		defer wg.Done()
		_, renewErr = s.AutoRenew(stays.ValidTo.AddDate(0, 0, -3))
	}()
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	if approveErr != nil || renewErr != nil {
		t.Fatalf("approve: %v; auto-renew: %v", approveErr, renewErr)
	}

	left, err := s.GetLicense(System, leaves.ID)
	if err != nil || left.PartnerID != b.ID {
		t.Fatalf("the transferred license: partner %d, %v", left.PartnerID, err)
	}
	acc, err := s.GetAccount(System, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	kept, _ := s.GetLicense(System, stays.ID)
	if !kept.ValidTo.After(*stays.ValidTo) {
		t.Fatalf("the giver's own license was not renewed: %s", kept.ValidTo)
	}
	accB, err := s.GetAccount(System, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The license that left renews on its new partner's run (the next
	// day's, here none), paid by that partner: never on the giver's money.
	if acc.Balance.Amount != topUp-1999 {
		t.Fatalf("the giver's balance is %d, want %d (its own license renewed); the license it gave away runs to %s (was %s), the receiver's balance is %d",
			acc.Balance.Amount, topUp-1999, left.ValidTo.Format(time.DateOnly), leaves.ValidTo.Format(time.DateOnly), accB.Balance.Amount)
	}
	if left.ValidTo.After(*leaves.ValidTo) && accB.Balance.Amount != topUp-1999 {
		t.Fatalf("the license that left was renewed, the receiver's balance is %d", accB.Balance.Amount)
	}
}
