package app

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// FuzzLicenseFilter: any filter name and value, from anyone, is a filter
// or a validation error naming what is wrong; never a panic or another
// error.
func FuzzLicenseFilter(f *testing.F) {
	for _, c := range [][2]string{
		{"q", "*EFGH*"}, {"view", "expiring"}, {"days", "30"}, {"days", "-1"}, {"id", "18446744073709551616"},
		{"product_id", "x"}, {"status", "active"}, {"valid_to_after", "2027-12-31"}, {"valid_to_before", "9999-99-99"},
		{"purchased_after", "garbage"}, {"group", "bogus"}, {"partner_id", "7"}, {"colour", "red"}, {"q", "*a*a*a*a*a*a"},
	} {
		f.Add(c[0], c[1], true)
		f.Add(c[0], c[1], false)
	}
	s := &Service{expiringDays: 30, now: func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }}
	f.Fuzz(func(t *testing.T, name, value string, operator bool) {
		a := System
		if !operator {
			a = Actor{Email: "p@example.com", Role: RolePartner, PartnerID: 7}
		}
		p := ListParams{Filters: map[string]string{name: value}}
		flt, err := s.parseLicenseFilter(a, p)
		var ve *ValidationError
		switch {
		case err == nil:
			if !operator && (!flt.hasPartner || flt.partner != 7) {
				t.Fatalf("a partner's filter %s=%q is not limited to its licenses", name, value)
			}
		case errors.As(err, &ve):
			if ve.Message == "" || ve.Field == "" && name != "" {
				t.Fatalf("%s=%q: a validation error naming nothing: %v", name, value, err)
			}
		default:
			t.Fatalf("%s=%q: %v", name, value, err)
		}
	})
}

// FuzzDecodeLicense: any bytes in the licenses bucket decode or are
// ErrCorrupt-like errors, never a panic; what decodes re-encodes to a
// record that decodes to the same bytes again.
func FuzzDecodeLicense(f *testing.F) {
	l := fullLicense()
	f.Add(encodeLicense(&l))
	f.Add(encodeLicenseV1(&l))
	f.Add([]byte(`{"id":7,"key":"ABC","valid_to":"2027-12-31T00:00:00+02:00"}`))
	f.Add([]byte{2})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := decodeLicense(raw)
		if err != nil {
			return
		}
		once := encodeLicense(&got)
		again, err := decodeLicense(once)
		if err != nil {
			t.Fatalf("a decoded record does not survive a round trip: %v", err)
		}
		if twice := encodeLicense(&again); !bytes.Equal(once, twice) {
			t.Fatalf("round trip changed the record:\n%x\n%x", once, twice)
		}
	})
}
