package licensefile_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"licensedesk/licensefile"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func newKey(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func payload() licensefile.Payload {
	from, to := t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0)
	return licensefile.Payload{Version: 1, Key: "7KQ2M-XR4PD-AAAAA-BBBBB-CCCCC", Product: "Backup Pro", Edition: "Business",
		Seats: 3, ValidFrom: &from, ValidTo: &to, Machine: "m-1", IssuedAt: t0, ExpiresAt: t0.AddDate(0, 0, 30)}
}

func sign(t testing.TB, p licensefile.Payload, priv ed25519.PrivateKey) []byte {
	f, err := licensefile.Sign(p, priv)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestVerifyGoodFile(t *testing.T) {
	pub, priv := newKey(t)
	f := sign(t, payload(), priv)
	if !bytes.HasPrefix(f, []byte(licensefile.Begin+"\n")) || !bytes.HasSuffix(f, []byte(licensefile.End+"\n")) {
		t.Fatalf("armour:\n%s", f)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(f)), "\n") {
		if len(line) > 64 && !strings.HasPrefix(line, "-----") {
			t.Fatalf("line longer than 64 columns: %q", line)
		}
	}
	p, err := licensefile.Verify(f, pub, "m-1", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if p.Key != "7KQ2M-XR4PD-AAAAA-BBBBB-CCCCC" || p.Seats != 3 || p.Product != "Backup Pro" || p.KeyID != licensefile.KeyID(pub) {
		t.Fatalf("payload %+v", p)
	}
	// Pasted inside a mail, with CRLF line endings.
	mail := "Hello,\r\nyour file:\r\n" + strings.ReplaceAll(string(f), "\n", "\r\n") + "Regards\r\n"
	if _, err := licensefile.Verify([]byte(mail), pub, "m-1", t0.Add(time.Hour)); err != nil {
		t.Fatalf("pasted in a mail: %v", err)
	}
}

// Any file in the documented shape verifies: the envelope is plain JSON
// any language can build.
func TestEnvelopeShape(t *testing.T) {
	pub, priv := newKey(t)
	f := sign(t, payload(), priv)
	body := strings.TrimSuffix(strings.TrimPrefix(string(f), licensefile.Begin+"\n"), licensefile.End+"\n")
	env, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(body, "\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]string
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	if len(e) != 4 || e["alg"] != "ed25519" || e["kid"] != licensefile.KeyID(pub) {
		t.Fatalf("envelope %v", e)
	}
	raw, _ := base64.StdEncoding.DecodeString(e["payload"])
	sig, _ := base64.StdEncoding.DecodeString(e["sig"])
	if !ed25519.Verify(pub, raw, sig) {
		t.Fatal("sig does not verify over the payload bytes")
	}
}

func TestVerifyRefuses(t *testing.T) {
	pub, priv := newKey(t)
	otherPub, otherPriv := newKey(t)
	good := sign(t, payload(), priv)
	expired := payload()
	expired.ExpiresAt = t0.Add(time.Minute)
	ended := payload()
	e := t0.Add(time.Minute)
	ended.ValidTo = &e
	anyMachine := payload()
	anyMachine.Machine = ""
	cases := []struct {
		name    string
		file    []byte
		pub     ed25519.PublicKey
		machine string
		now     time.Time
		want    error
	}{
		{"another key", good, otherPub, "m-1", t0, licensefile.ErrUnknownKey},
		{"forged with another key under our kid", forgeKid(t, payload(), otherPriv, licensefile.KeyID(pub)), pub, "m-1", t0, licensefile.ErrBadSignature},
		{"file expired", sign(t, expired, priv), pub, "m-1", t0.Add(2 * time.Minute), licensefile.ErrExpired},
		{"license ended", sign(t, ended, priv), pub, "m-1", t0.Add(2 * time.Minute), licensefile.ErrExpired},
		{"other machine", good, pub, "m-2", t0, licensefile.ErrOtherMachine},
		{"issued in the future", good, pub, "m-1", t0.Add(-time.Hour), licensefile.ErrNotYetValid},
		{"empty", nil, pub, "m-1", t0, licensefile.ErrMalformed},
		{"no end line", good[:len(good)-20], pub, "m-1", t0, licensefile.ErrMalformed},
	}
	for _, c := range cases {
		if _, err := licensefile.Verify(c.file, c.pub, c.machine, c.now); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := licensefile.Verify(sign(t, anyMachine, priv), pub, "whatever", t0); err != nil {
		t.Errorf("a file for any machine: %v", err)
	}
}

// forgeKid signs with priv but names kid: what an attacker who knows our
// key id could try.
func forgeKid(t *testing.T, p licensefile.Payload, priv ed25519.PrivateKey, kid string) []byte {
	p.KeyID = kid
	raw, err := licensefile.MarshalPayload(p)
	if err != nil {
		t.Fatal(err)
	}
	return licensefile.Armour(kid, raw, ed25519.Sign(priv, raw))
}

// Changing any one byte of the file's armoured body, or of the signed
// payload inside it, makes it fail.
func TestOneByteChanged(t *testing.T) {
	pub, priv := newKey(t)
	f := sign(t, payload(), priv)
	start := len(licensefile.Begin) + 1
	end := len(f) - len(licensefile.End) - 1
	for i := start; i < end; i++ {
		if f[i] == '\n' {
			continue
		}
		for _, b := range []byte{'A', 'z', '0', '+'} {
			if f[i] == b {
				continue
			}
			g := bytes.Clone(f)
			g[i] = b
			if p, err := licensefile.Verify(g, pub, "m-1", t0); err == nil {
				t.Fatalf("byte %d changed to %q still verifies: %+v", i, b, p)
			}
		}
	}
	// Inside the payload: flip one bit of each payload byte and re-armour
	// with the old signature.
	parsed, err := licensefile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	for i := range parsed.Payload {
		raw := bytes.Clone(parsed.Payload)
		raw[i] ^= 1
		if _, err := licensefile.Verify(licensefile.Armour(parsed.KeyID, raw, parsed.Sig), pub, "m-1", t0); !errors.Is(err, licensefile.ErrBadSignature) {
			t.Fatalf("payload byte %d flipped: %v", i, err)
		}
	}
}

func TestKeyIDAfterRotation(t *testing.T) {
	oldPub, oldPriv := newKey(t)
	newPub, newPriv := newKey(t)
	oldFile, newFile := sign(t, payload(), oldPriv), sign(t, payload(), newPriv)
	keys := []ed25519.PublicKey{newPub, oldPub}
	for name, f := range map[string][]byte{"old": oldFile, "new": newFile} {
		if _, err := licensefile.VerifyAny(f, keys, "m-1", t0); err != nil {
			t.Errorf("%s key's file: %v", name, err)
		}
	}
	if _, err := licensefile.Verify(oldFile, newPub, "m-1", t0); !errors.Is(err, licensefile.ErrUnknownKey) {
		t.Errorf("old file against the new key alone: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	pub, priv := newKey(f)
	good := sign(f, payload(), priv)
	f.Add(good)
	f.Add([]byte(licensefile.Begin + "\n" + licensefile.End))
	f.Add([]byte(licensefile.Begin + "\n!!!!\n" + licensefile.End))
	f.Add([]byte(licensefile.Begin + "\neyJhbGciOiJlZDI1NTE5In0=\n" + licensefile.End))
	f.Fuzz(func(t *testing.T, text []byte) {
		p, err := licensefile.Verify(text, pub, "m-1", t0)
		if err == nil {
			// Only a genuinely signed payload verifies.
			parsed, perr := licensefile.Parse(text)
			if perr != nil || !ed25519.Verify(pub, parsed.Payload, parsed.Sig) || p == nil {
				t.Fatalf("verified without a valid signature: %q", text)
			}
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	pub, priv := newKey(b)
	f := sign(b, payload(), priv)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := licensefile.Verify(f, pub, "m-1", t0); err != nil {
			b.Fatal(err)
		}
	}
}
