package app

import (
	"encoding/json"
	"testing"
	"time"
)

// BenchmarkLicenseDecode is what every list row and exported row pays
// to read a license record.
func BenchmarkLicenseDecode(b *testing.B) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	to := now.AddDate(1, 0, 0)
	l := License{ID: 123456, Key: NewLicenseKey(), Name: "Sentinel Antivirus Business", ProductID: 1, ProductName: "Sentinel Antivirus",
		Edition: "business", Seats: 25, PeriodMonths: 12, Status: StatusActive, Payment: PaymentPaid, Purchased: now,
		ValidFrom: &now, ValidTo: &to, ActivateBy: now, IP: "10.20.30.40", Customer: "Novak harbor AG", CustomerEmail: "it@novakharborag.example",
		PartnerID: 3, Notes: "renewal requested customer called about upgrade", OrderNumber: "O-1000123", Registrations: []Registration{}, Updated: now}
	raw, err := json.Marshal(l)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		var out License
		if err := json.Unmarshal(raw, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLicenseDecodeBinary is the same record in the stored format.
func BenchmarkLicenseDecodeBinary(b *testing.B) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	to := now.AddDate(1, 0, 0)
	l := License{ID: 123456, Key: NewLicenseKey(), Name: "Sentinel Antivirus Business", ProductID: 1, ProductName: "Sentinel Antivirus",
		Edition: "business", Seats: 25, PeriodMonths: 12, Status: StatusActive, Payment: PaymentPaid, Purchased: now,
		ValidFrom: &now, ValidTo: &to, ActivateBy: now, IP: "10.20.30.40", Customer: "Novak harbor AG", CustomerEmail: "it@novakharborag.example",
		PartnerID: 3, Notes: "renewal requested customer called about upgrade", OrderNumber: "O-1000123", Registrations: []Registration{}, Updated: now}
	raw := encodeLicense(&l)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeLicense(raw); err != nil {
			b.Fatal(err)
		}
	}
}
