package app

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// signedSeed builds a genuine transfer file as a fuzzing seed.
func signedSeed(t testing.TB) []byte { return signedFile(t, 1) }

// signedFile is a genuine transfer file from another desk with n licenses.
func signedFile(t testing.TB, n int) []byte {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	var p filePayload
	p.TransferID = strings.Repeat("ab", 16)
	p.Created, p.Expires = time.Now().UTC(), time.Now().UTC().Add(time.Hour)
	p.Source.PublicKey, p.Source.PartnerID, p.Source.PartnerName = pub, "P-2345-6789", "Source"
	p.Target = "P-ABCD-EFGH"
	p.Secret = SecretHash{Algo: "argon2id", Salt: make([]byte, 16), Time: 2, Memory: 19 * 1024, Threads: 1, Hash: make([]byte, 32)}
	p.ReceiptSalt = make([]byte, 16)
	p.Licenses = make([]fileLicense, n)
	for i := range p.Licenses {
		p.Licenses[i] = fileLicense{Key: fmt.Sprintf("AAAA-%06d", i), Name: "n", ProductCode: "av", Status: StatusActive}
	}
	return signPayload(t, pub, priv, &p)
}

// signPayload writes p as a transfer file signed by the key pair, as
// another desk would.
func signPayload(t testing.TB, pub ed25519.PublicKey, priv ed25519.PrivateKey, p *filePayload) []byte {
	t.Helper()
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(envelope{Format: transferFormat, Version: fileVersion, KeyID: SigningKeyID(pub), Payload: raw,
		Signature: ed25519.Sign(priv, signed(transferFormat, raw))})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzTransferFile: whatever the bytes, reading a transfer file ends in
// the payload or a refusal that names the file, never a panic or another
// kind of error; and a file that passes carries a signature by the key it
// names.
func FuzzTransferFile(f *testing.F) {
	f.Add(signedSeed(f))
	f.Add([]byte(`{"format":"licensedesk-transfer","version":1,"payload":"e30=","signature":""}`))
	f.Add([]byte(`{"format":"licensedesk-receipt"}`))
	f.Add([]byte("\xff\xfe"))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p filePayload
		err := openEnvelope(data, transferFormat, 1<<20, &p, func() []byte { return p.Source.PublicKey })
		if err == nil {
			if len(p.Source.PublicKey) != ed25519.PublicKeySize {
				t.Fatal("accepted a file without a usable key")
			}
			return
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "file" {
			t.Fatalf("error %v (%T) is not a refusal naming the file", err, err)
		}
	})
}

// FuzzCSVReader: any bytes as a license CSV are read row by row to the
// end; each row is a license or a refusal naming what is wrong.
func FuzzCSVReader(f *testing.F) {
	f.Add([]byte("key,product,status,valid_to\nAAAA-BBBB,av,active,2027-01-31\n"))
	f.Add([]byte("\ufeffkey,product\r\n\"a\nb\",av\r\n"))
	f.Add([]byte("key,product,notes\nK,av,'=cmd\n"))
	f.Add([]byte("key,product\nK,\xff\n"))
	f.Add([]byte("key,product\n\"unterminated,av\n"))
	prod := &Product{ID: 1, Code: "av", Name: "AV", Editions: []Edition{{Code: "business"}}, Periods: []int{12}}
	cx := &csvContext{partner: Partner{ID: 1}, products: map[string]*Product{"av": prod}, now: time.Now().UTC()}
	f.Fuzz(func(t *testing.T, data []byte) {
		cr, err := newCSVReader(strings.NewReader(string(data)))
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("header error %v (%T)", err, err)
			}
			return
		}
		vals := map[string]string{}
		for range 100000 {
			_, err := cr.next(vals)
			if errors.Is(err, io.EOF) {
				return
			}
			var ve *ValidationError
			if err != nil && !errors.As(err, &ve) {
				t.Fatalf("row error %v (%T)", err, err)
			}
			if err == nil {
				if _, err := cx.rowLicense(vals); err != nil && !errors.As(err, &ve) {
					t.Fatalf("row check error %v (%T)", err, err)
				}
			}
		}
		t.Fatal("the reader does not reach the end")
	})
}

// TestTransferFileLicenseCountIsLimited: a signed file with no licenses,
// or more than a transfer may hold, is refused for its count.
func TestTransferFileLicenseCountIsLimited(t *testing.T) {
	s, err := Open(Options{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, n := range []int{0, MaxTransferLicenses + 1} {
		_, err := s.ImportTransferFile(System, signedFile(t, n))
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("carries %d licenses", n)) {
			t.Errorf("%d licenses: %v", n, err)
		}
	}
}
