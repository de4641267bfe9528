package app

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A transfer file comes from another desk whose partner may be hostile:
// it carries the key that signs it, so the signature proves only that the
// file is whole. Every text it brings is held to this desk's rules before
// anything is stored: an IP that is no IP (a spreadsheet formula), a
// customer email with a line break (a header in the 3-day reminder), a
// registration key, order number, configuration value or machine name
// with control characters, a giving partner's name with a bidi override.
func TestTransferFileTextIsCheckedLikeTypedText(t *testing.T) {
	t.Parallel()
	s, _, target := internalDesk(t, nil, 1000, "Near Reseller")
	receiver := Actor{Email: "rita@near.example", Role: RolePartner, PartnerID: target.ID}
	hostile := func(change func(p *filePayload)) []byte {
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		var p filePayload
		b := make([]byte, 16)
		rand.Read(b)
		p.TransferID = fmt.Sprintf("%x", b)
		p.Created, p.Expires = time.Now().UTC(), time.Now().UTC().Add(time.Hour)
		p.Source.PublicKey, p.Source.PartnerID, p.Source.PartnerName = pub, "P-2345-6789", "Far Source"
		p.Target = target.PublicID
		p.Secret = hashTransferSecret("ABCD-EFGH-JKMN-PQRS-TVWX", newSalt())
		p.ReceiptSalt = newSalt()
		p.Licenses = []fileLicense{{Key: "FARAW-AYKEY-" + p.TransferID[:5], Name: "far", ProductCode: "av", ProductName: "AV", Edition: "business",
			Seats: 1, PeriodMonths: 12, Status: StatusActive, Payment: PaymentPaid}}
		change(&p)
		return signPayload(t, pub, priv, &p)
	}
	for _, tc := range []struct {
		what, want string
		change     func(p *filePayload)
	}{
		{"an IP that is a formula", "ip", func(p *filePayload) { p.Licenses[0].IP = "=cmd|' /C calc'!A0" }},
		{"a customer email with a header", "customer_email", func(p *filePayload) {
			p.Licenses[0].CustomerEmail = "victim@example.com\r\nBcc: thief@evil.example"
		}},
		{"a registration key with NUL", "registration_key", func(p *filePayload) { p.Licenses[0].RegistrationKey = "REG\x00KEY" }},
		{"an order number with a line break", "order_number", func(p *filePayload) { p.Licenses[0].OrderNumber = "O-1\nX-Evil: 1" }},
		{"a configuration value with an escape", "config", func(p *filePayload) { p.Licenses[0].Config = map[string]string{"server": "a\x1b[2Jb"} }},
		{"a machine name with a line break", "registrations", func(p *filePayload) {
			p.Licenses[0].Registrations = []Registration{{Machine: "m-1", Hostname: "host\r\nX: y"}}
		}},
		{"a machine fingerprint with a space", "registrations", func(p *filePayload) { p.Licenses[0].Registrations = []Registration{{Machine: "m 1"}} }},
		{"an edition with a line break", "edition", func(p *filePayload) { p.Licenses[0].Edition = "business\r\n" }},
		{"a giving partner with a bidi override", "partner", func(p *filePayload) { p.Source.PartnerName = "Far \u202eecruoS" }},
		{"a giving partner's name of 100 KB", "partner", func(p *filePayload) { p.Source.PartnerName = strings.Repeat("F", 100<<10) }},
	} {
		_, err := s.ImportTransferFile(receiver, hostile(tc.change))
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "file" || !strings.Contains(ve.Message, tc.want) {
			t.Errorf("%s: %v, want the file refused naming %s", tc.what, err, tc.want)
		}
	}
	if ts, _ := s.ListTransfers(System, TransferFilter{}); len(ts) != 0 {
		t.Fatalf("refused files left %d transfers", len(ts))
	}
	// A file with sane text still comes in.
	if _, err := s.ImportTransferFile(receiver, hostile(func(p *filePayload) {
		p.Licenses[0].IP, p.Licenses[0].CustomerEmail, p.Licenses[0].OrderNumber = "203.0.113.7", "it@customer.example", "O-2026-17"
		p.Licenses[0].Registrations = []Registration{{Machine: "m-1", Hostname: "desk-7"}}
	})); err != nil {
		t.Fatalf("a clean file: %v", err)
	}
}
