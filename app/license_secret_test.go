package app

import (
	"bytes"
	"io"
	"log/slog"
	"testing"

	"licensedesk/storage"
)

// TestSealedPasswordRoundTrip looks inside: the stored value is AES-GCM
// under the key in the secrets bucket, opens to the password after a
// restart (the key lives in the data file, so backups carry it), is
// bound to its license, and a tampered value does not open.
func TestSealedPasswordRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := Open(Options{DataDir: dir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	eds := []Edition{{Code: "std", Name: "Standard"}}
	periods := []int{12}
	prices := []Price{{Edition: "std", PeriodMonths: 12, PerSeat: 1000}}
	code, name, cur := "p", "Product", "EUR"
	prod, err := s.CreateProduct(System, ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := s.CreateLicenses(System, LicenseCreate{ProductID: prod.ID, Edition: "std", Seats: 1, PeriodMonths: 12, Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	const pw = "s3cret-admin-pw"
	if _, err := s.EditLicense(System, ls[0].ID, LicenseEdit{AdminPassword: licStrPtr(pw)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(Options{DataDir: dir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.db.View(func(tx *storage.Tx) error {
		if k := tx.GetRaw(storage.Secrets, secretKeyName); len(k) != 32 {
			t.Errorf("password key is %d bytes in the secrets bucket; want 32", len(k))
		}
		l, err := getLicense(tx, ls[0].ID)
		if err != nil {
			return err
		}
		if len(l.AdminPassword) == 0 || bytes.Contains(l.AdminPassword, []byte(pw)) {
			t.Fatalf("stored password %q is not sealed", l.AdminPassword)
		}
		got, err := s.openPassword(tx, l.ID, l.AdminPassword)
		if err != nil || got != pw {
			t.Fatalf("after a restart the password opens to %q (%v)", got, err)
		}
		if _, err := s.openPassword(tx, ls[1].ID, l.AdminPassword); err == nil {
			t.Error("the sealed password opened for another license")
		}
		bad := bytes.Clone(l.AdminPassword)
		bad[len(bad)-1] ^= 1
		if _, err := s.openPassword(tx, l.ID, bad); err == nil {
			t.Error("a tampered sealed password opened")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Sealing the same password twice gives different bytes (fresh nonce).
	var a, b []byte
	if err := s.db.Update(func(tx *storage.Tx) error {
		var err error
		if a, err = s.sealPassword(tx, 7, pw); err != nil {
			return err
		}
		b, err = s.sealPassword(tx, 7, pw)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Error("the same password sealed twice gives the same bytes")
	}
}

func licStrPtr(s string) *string { return &s }
