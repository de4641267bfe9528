package app

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"licensedesk/storage"
)

// fileFrom is a genuine transfer file from another desk, signed with
// its key, for target, with the given secret, carrying one license of
// product "av" in status st.
func fileFrom(t *testing.T, target, secret string, st Status) []byte {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	var p filePayload
	b := make([]byte, 16)
	rand.Read(b)
	p.TransferID = fmt.Sprintf("%x", b)
	p.Created, p.Expires = time.Now().UTC(), time.Now().UTC().Add(time.Hour)
	p.Source.PublicKey, p.Source.PartnerID, p.Source.PartnerName = pub, "P-2345-6789", "Far Source"
	p.Target = target
	p.Secret = hashTransferSecret(secret, newSalt())
	p.ReceiptSalt = newSalt()
	p.Licenses = []fileLicense{{Key: "FARAW-AYKEY-" + p.TransferID[:5], Name: "far", ProductCode: "av", ProductName: "AV", Edition: "business",
		Seats: 1, PeriodMonths: 12, Status: st, Payment: PaymentPaid}}
	return signPayload(t, pub, priv, &p)
}

// A file from another desk is held to the rule a transfer started here
// is: a cancelled license is refused on import, and (for a file imported
// before this desk checked it) again on approval, with nothing written.
func TestTransferFileRefusesALicenseNotTransferable(t *testing.T) {
	t.Parallel()
	s, _, target := internalDesk(t, nil, 1000, "Near Reseller")
	receiver := Actor{Email: "rita@near.example", Role: RolePartner, PartnerID: target.ID}
	const secret = "ABCD-EFGH-JKMN-PQRS-TVWX"

	// On import.
	_, err := s.ImportTransferFile(receiver, fileFrom(t, target.PublicID, secret, StatusCancelled))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "file" || !strings.Contains(ve.Message, "cancelled and cannot be transferred") {
		t.Fatalf("import of a cancelled license: %v", err)
	}
	if ts, _ := s.ListTransfers(System, TransferFilter{}); len(ts) != 0 {
		t.Fatalf("a refused file left %d transfers", len(ts))
	}

	// On approval: a file taken in before, whose license is cancelled.
	in, err := s.ImportTransferFile(receiver, fileFrom(t, target.PublicID, secret, StatusActive))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *storage.Tx) error { // as a desk without the import check stored it
		items, err := transferItems(tx, in.ID)
		if err != nil {
			return err
		}
		items[0].Record.Status, items[0].Status = StatusCancelled, StatusCancelled
		return putTransferItems(tx, in.ID, items)
	}); err != nil {
		t.Fatal(err)
	}
	_, err = s.ApproveTransfer(receiver, in.ID, secret)
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Field != "licenses" || !strings.Contains(ce.Message, "license 1 of the file is cancelled and cannot be transferred") {
		t.Fatalf("approval of a cancelled license: %v", err)
	}
	got, err := s.GetTransfer(System, in.ID)
	if err != nil || got.State != TransferPending || got.Closed != nil {
		t.Fatalf("transfer after the refused approval: %+v %v", got, err)
	}
	if _, err := s.TransferReceipt(System, in.ID); err == nil {
		t.Error("a refused approval wrote a receipt")
	}
	if _, err := s.LicenseByKey(System, "FARAW-AYKEY-"+got.FileID[:5]); !errors.Is(err, ErrNotFound) {
		t.Errorf("a refused approval made the license: %v", err)
	}
}
