package app_test

import (
	"regexp"
	"strings"
	"testing"

	"licensedesk/app"
)

// keyRE is five groups of five from the alphabet without look-alikes:
// no 0/O, 1/I/L or U.
var keyRE = regexp.MustCompile(`^[23456789ABCDEFGHJKMNPQRSTVWXYZ]{5}(-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{5}){4}$`)

func TestLicenseKeyFormatAndUniqueness(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	used := map[rune]bool{}
	counts := map[rune]int{}
	for range 20000 {
		k := app.NewLicenseKey()
		if !keyRE.MatchString(k) {
			t.Fatalf("key %q is not 5 groups of 5 from the look-alike-free alphabet", k)
		}
		if seen[k] {
			t.Fatalf("key %q drawn twice in 20000", k)
		}
		seen[k] = true
		for _, r := range k {
			used[r] = true
			counts[r]++
		}
	}
	// And equally often: 500,000 draws, 16,667 expected per character
	// (σ ≈ 127); a draw taken modulo 30 without rejection would give 16
	// of them 12 % more.
	for r, n := range counts {
		if r != '-' && (n < 15800 || n > 17500) {
			t.Errorf("character %q drawn %d times in 500,000; want about 16,667", r, n)
		}
	}
	// Every character of the alphabet turns up: the draw is not biased
	// to a subset (30 characters, 500,000 draws).
	if len(used) != 31 { // 30 + '-'
		t.Errorf("keys use %d distinct characters; want the 30-character alphabet and '-'", len(used)-1)
	}
	for _, bad := range "01ILOU" {
		if used[bad] {
			t.Errorf("keys contain the look-alike %q", bad)
		}
	}
}

func TestNormaliseAndFormatKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"7kq2m-xr4pd-abcde-fghjk-mnpqr":      "7KQ2MXR4PDABCDEFGHJKMNPQR",
		"7KQ2M XR4PD ABCDE FGHJK MNPQR":      "7KQ2MXR4PDABCDEFGHJKMNPQR",
		"7kq2mxr4pdabcdefghjkmnpqr":          "7KQ2MXR4PDABCDEFGHJKMNPQR",
		" 7kq2m-\txr4pd - abcde fghjk-mnpqr": "7KQ2MXR4PDABCDEFGHJKMNPQR",
	} {
		if got := app.NormaliseKey(in); got != want {
			t.Errorf("NormaliseKey(%q) = %q; want %q", in, got, want)
		}
	}
	if got := app.FormatKey("7KQ2MXR4PDABCDEFGHJKMNPQR"); got != "7KQ2M-XR4PD-ABCDE-FGHJK-MNPQR" {
		t.Errorf("FormatKey = %q", got)
	}
}

// TestCreatedKeysUniqueAndFound: a thousand keys created at once are all
// well formed and distinct, and each is found however it is typed.
func TestCreatedKeysUniqueAndFound(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	in := f.lic()
	in.Count = app.MaxCreate
	ls := f.create(f.ua, in)
	if len(ls) != app.MaxCreate {
		t.Fatalf("created %d; want %d", len(ls), app.MaxCreate)
	}
	seen := map[string]bool{}
	for _, l := range ls {
		if !keyRE.MatchString(l.Key) {
			t.Fatalf("key %q malformed", l.Key)
		}
		if seen[l.Key] {
			t.Fatalf("key %q given twice", l.Key)
		}
		seen[l.Key] = true
	}
	for i, l := range ls[:20] {
		typed := []string{
			l.Key,
			strings.ToLower(l.Key),
			strings.ReplaceAll(l.Key, "-", ""),
			strings.ReplaceAll(strings.ToLower(l.Key), "-", " "),
			"  " + strings.ReplaceAll(l.Key, "-", "") + " ",
		}
		for _, k := range typed {
			got, err := f.svc.LicenseByKey(f.ua, k)
			if err != nil || got.ID != l.ID {
				t.Fatalf("license %d: LicenseByKey(%q) = %d, %v", i, k, got.ID, err)
			}
		}
		// Another partner cannot find it by key; the operator can.
		if _, err := f.svc.LicenseByKey(f.ub, l.Key); err == nil {
			t.Fatalf("partner B found partner A's key %s", l.Key)
		}
		if got, err := f.svc.LicenseByKey(f.op, strings.ToLower(l.Key)); err != nil || got.ID != l.ID {
			t.Fatalf("operator LicenseByKey: %d %v", got.ID, err)
		}
	}
	_, err := f.svc.LicenseByKey(f.op, "22222-22222-22222-22222-22222")
	licWantIs(t, err, app.ErrNotFound)

	// A deleted license's key finds nothing, and is never handed out again.
	if err := f.svc.DeleteLicense(f.op, ls[0].ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.LicenseByKey(f.op, ls[0].Key)
	licWantIs(t, err, app.ErrNotFound)
}
