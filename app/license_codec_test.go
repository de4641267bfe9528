package app

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"licensedesk/storage"
)

func fullLicense() License {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339Nano, s); return t.UTC() }
	from, to, del := at("2026-01-31T10:11:12.123456789Z"), at("2027-01-31T10:11:12Z"), at("2026-06-01T00:00:00Z")
	return License{
		ID: 42, Key: "7KQ2M-XR4PD-ABCDE-FGHJK-MNPQR", Name: "Łódź office — Sentinel", ProductID: 3, ProductName: "Sentinel",
		Edition: "business", Seats: 25, PeriodMonths: 12, Status: StatusSuspended, Payment: PaymentPending,
		Purchased: at("2026-01-30T09:00:00Z"), ValidFrom: &from, ValidTo: &to, ActivateBy: at("2027-01-30T09:00:00Z"),
		AutoRenew: true, AutoRenewMonths: 24, IP: "2001:db8::1", AdminPassword: []byte{1, 2, 3, 0, 255},
		RegistrationKey: "REG-1", Registrations: []Registration{{Machine: "m1", Hostname: "pc-1", At: from}, {Machine: "m2", At: to}},
		Customer: "Müller & Söhne GmbH", CustomerEmail: "it@mueller.example", PartnerID: 7, DistributorID: 2,
		Notes: "line one\nline two, \"quoted\"", Config: map[string]string{"modules": "av,fw", "max_devices": "25"},
		OrderNumber: "O-1000123", Updated: to, Deleted: &del,
	}
}

func TestLicenseCodecRoundTrip(t *testing.T) {
	for name, l := range map[string]License{"full": fullLicense(), "empty": {Registrations: []Registration{}}} {
		got, err := decodeLicense(encodeLicense(&l))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, l) {
			t.Errorf("%s: round trip changed the license\n got %+v\nwant %+v", name, got, l)
		}
	}
}

func TestLicenseCodecReadsJSONRecords(t *testing.T) {
	l := fullLicense()
	raw, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeLicense(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.Key != l.Key || got.Customer != l.Customer || !got.ValidTo.Equal(*l.ValidTo) || got.Config["modules"] != "av,fw" {
		t.Errorf("JSON record decoded as %+v", got)
	}
}

func TestLicenseCodecRejectsCorruptRecords(t *testing.T) {
	l := fullLicense()
	raw := encodeLicense(&l)
	for _, bad := range [][]byte{nil, {9}, raw[:len(raw)/2], raw[:1], append(append([]byte{}, raw[:5]...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)} {
		if _, err := decodeLicense(bad); !errors.Is(err, storage.ErrCorrupt) {
			t.Errorf("decodeLicense(%d bytes) = %v, want ErrCorrupt", len(bad), err)
		}
	}
}
