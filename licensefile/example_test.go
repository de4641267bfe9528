package licensefile_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"licensedesk/licensefile"
)

// The desk signs a file; the licensed software verifies it with nothing
// but the desk's public key (from Settings or GET /api/v1/client/public-key).
func Example() {
	seed := make([]byte, ed25519.SeedSize) // the desk's key, fixed here so the output is stable
	desk := ed25519.NewKeyFromSeed(seed)
	publicKeyFromTheDesk := base64.StdEncoding.EncodeToString(desk.Public().(ed25519.PublicKey))
	issued := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	fileText, _ := licensefile.Sign(licensefile.Payload{Version: 1, Key: "7KQ2M-XR4PD-AAAAA-BBBBB-CCCCC",
		Product: "Backup Pro", Edition: "Business", Seats: 3, Machine: "host-42",
		IssuedAt: issued, ExpiresAt: issued.AddDate(0, 0, 30)}, desk)
	now := issued.Add(24 * time.Hour)

	// In the licensed software:
	pub, _ := base64.StdEncoding.DecodeString(publicKeyFromTheDesk)
	p, err := licensefile.Verify(fileText, pub, "host-42", now)
	if err != nil {
		fmt.Println("no valid license:", err)
		return
	}
	fmt.Println(p.Key, p.Product, p.Edition, p.Seats, "seats, file valid until", p.ExpiresAt.Format("2006-01-02"))

	_, err = licensefile.Verify(fileText, pub, "another-host", now)
	fmt.Println(errors.Is(err, licensefile.ErrOtherMachine))
	// Output:
	// 7KQ2M-XR4PD-AAAAA-BBBBB-CCCCC Backup Pro Business 3 seats, file valid until 2026-12-30
	// true
}
