// Package licensefile verifies licensedesk license files offline, with the
// standard library only: no network, no other dependency.
//
// A license file is text a person can paste:
//
//	-----BEGIN LICENSE FILE-----
//	base64 (wrapped at 64 columns) of the envelope
//	{"alg":"ed25519","kid":"…","payload":"<base64 of the payload JSON>","sig":"<base64 of the signature>"}
//	-----END LICENSE FILE-----
//
// The signature is Ed25519 over the payload bytes, made with the desk's
// signing key; kid names that key (the first 8 bytes of the SHA-256 of the
// public key, in hex). The desk shows its public key under Settings and
// answers it at GET /api/v1/client/public-key.
//
// A vendor adds five lines to its software:
//
//	pub, _ := base64.StdEncoding.DecodeString(publicKeyFromTheDesk)
//	p, err := licensefile.Verify(fileText, pub, thisMachineFingerprint, time.Now())
//	if err != nil {
//		log.Fatalf("no valid license: %v", err) // errors.Is(err, licensefile.ErrExpired), ...
//	}
//
// Verify checks the signature, that the key named by kid is the one given,
// that the file has not expired (a file carries its own expiry, so a
// revoked license stops working once the software asks for a new file),
// and that the file is for this machine (a file with no machine is for any
// machine). After a key rotation, files signed by the old key still
// verify with the old public key until they expire: use VerifyAny with
// every public key the software trusts.
package licensefile

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The armour lines around a license file.
const (
	Begin = "-----BEGIN LICENSE FILE-----"
	End   = "-----END LICENSE FILE-----"
)

// Alg is the only signature algorithm a license file uses.
const Alg = "ed25519"

// MaxSize caps the text Parse accepts (a license file is about 1 KiB).
const MaxSize = 64 << 10

// Why a file does not verify. Errors returned by Verify wrap one of these.
var (
	ErrMalformed    = errors.New("licensefile: not a well-formed license file")
	ErrUnknownKey   = errors.New("licensefile: signed by a key not given to verify it")
	ErrBadSignature = errors.New("licensefile: bad signature")
	ErrExpired      = errors.New("licensefile: the file has expired")
	ErrNotYetValid  = errors.New("licensefile: the file is not valid yet")
	ErrOtherMachine = errors.New("licensefile: the file is for another machine")
)

// Payload is what a license file says. Times are UTC.
type Payload struct {
	Version   int        `json:"v"`
	KeyID     string     `json:"kid"`        // the signing key's id
	Key       string     `json:"key"`        // the license key, as the customer types it
	Product   string     `json:"product"`    // product name
	Edition   string     `json:"edition"`    // edition name
	Seats     int        `json:"seats"`      // machines the license allows
	ValidFrom *time.Time `json:"valid_from"` // start of the license period; nil: not started
	ValidTo   *time.Time `json:"valid_to"`   // end of the license period; nil: no end
	Machine   string     `json:"machine"`    // the machine fingerprint; "": any machine
	IssuedAt  time.Time  `json:"issued_at"`  // when the desk signed the file
	ExpiresAt time.Time  `json:"expires_at"` // the file is void after this
}

// Envelope is the JSON inside the armour.
type Envelope struct {
	Alg     string `json:"alg"`
	KeyID   string `json:"kid"`
	Payload string `json:"payload"` // base64 of the payload JSON
	Sig     string `json:"sig"`     // base64 of the Ed25519 signature over the payload bytes
}

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// MarshalPayload is the canonical payload JSON: fields in a fixed order,
// times in RFC 3339 UTC to the second.
func MarshalPayload(p Payload) ([]byte, error) {
	trunc := func(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
	p.IssuedAt, p.ExpiresAt = trunc(p.IssuedAt), trunc(p.ExpiresAt)
	if p.ValidFrom != nil {
		t := trunc(*p.ValidFrom)
		p.ValidFrom = &t
	}
	if p.ValidTo != nil {
		t := trunc(*p.ValidTo)
		p.ValidTo = &t
	}
	return json.Marshal(p)
}

// Armour wraps a signed payload into the file's text.
func Armour(kid string, payload, sig []byte) []byte {
	env, _ := json.Marshal(Envelope{Alg: Alg, KeyID: kid,
		Payload: base64.StdEncoding.EncodeToString(payload), Sig: base64.StdEncoding.EncodeToString(sig)})
	b64 := base64.StdEncoding.EncodeToString(env)
	var b bytes.Buffer
	b.Grow(len(b64) + len(b64)/64 + len(Begin) + len(End) + 4)
	b.WriteString(Begin)
	b.WriteByte('\n')
	for len(b64) > 64 {
		b.WriteString(b64[:64])
		b.WriteByte('\n')
		b64 = b64[64:]
	}
	b.WriteString(b64)
	b.WriteByte('\n')
	b.WriteString(End)
	b.WriteByte('\n')
	return b.Bytes()
}

// Sign builds a license file: the canonical payload signed with priv.
// The payload's KeyID is set from priv's public key.
func Sign(p Payload, priv ed25519.PrivateKey) ([]byte, error) {
	p.KeyID = KeyID(priv.Public().(ed25519.PublicKey))
	raw, err := MarshalPayload(p)
	if err != nil {
		return nil, err
	}
	return Armour(p.KeyID, raw, ed25519.Sign(priv, raw)), nil
}

// File is a parsed, not yet verified, license file.
type File struct {
	KeyID   string
	Payload []byte // the signed bytes
	Sig     []byte
}

// Parse reads the armoured text: anything before Begin and after End
// (a mail around a pasted file) is ignored, and so are blank space and
// line endings inside it. It checks the form only, not the signature.
func Parse(text []byte) (File, error) {
	var f File
	if len(text) > MaxSize {
		return f, fmt.Errorf("%w: larger than %d bytes", ErrMalformed, MaxSize)
	}
	_, rest, ok := bytes.Cut(text, []byte(Begin))
	if !ok {
		return f, fmt.Errorf("%w: no %s line", ErrMalformed, Begin)
	}
	body, _, ok := bytes.Cut(rest, []byte(End))
	if !ok {
		return f, fmt.Errorf("%w: no %s line", ErrMalformed, End)
	}
	compact := make([]byte, 0, len(body))
	for _, c := range body {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			compact = append(compact, c)
		}
	}
	env := make([]byte, base64.StdEncoding.DecodedLen(len(compact)))
	n, err := base64.StdEncoding.Strict().Decode(env, compact)
	if err != nil {
		return f, fmt.Errorf("%w: the body is not base64", ErrMalformed)
	}
	var e Envelope
	if err := json.Unmarshal(env[:n], &e); err != nil {
		return f, fmt.Errorf("%w: the body is not the envelope JSON", ErrMalformed)
	}
	// The envelope is accepted only in its one canonical form: Go's JSON
	// decoder forgives the case of field names, duplicates and extra
	// fields, and a file must not have two spellings.
	if canon, _ := json.Marshal(e); !bytes.Equal(canon, env[:n]) {
		return f, fmt.Errorf("%w: the envelope is not in its canonical form", ErrMalformed)
	}
	if e.Alg != Alg {
		return f, fmt.Errorf("%w: algorithm %q, want %q", ErrMalformed, e.Alg, Alg)
	}
	if len(e.KeyID) != 16 || strings.Trim(e.KeyID, "0123456789abcdef") != "" {
		return f, fmt.Errorf("%w: kid is not 16 hex digits", ErrMalformed)
	}
	if f.Payload, err = base64.StdEncoding.Strict().DecodeString(e.Payload); err != nil || len(f.Payload) == 0 {
		return File{}, fmt.Errorf("%w: payload is not base64", ErrMalformed)
	}
	if f.Sig, err = base64.StdEncoding.Strict().DecodeString(e.Sig); err != nil || len(f.Sig) != ed25519.SignatureSize {
		return File{}, fmt.Errorf("%w: sig is not a base64 Ed25519 signature", ErrMalformed)
	}
	f.KeyID = e.KeyID
	return f, nil
}

// Verify checks a license file against the desk's public key for this
// machine at time now and returns its payload, or why it is not valid.
func Verify(text []byte, pub ed25519.PublicKey, machine string, now time.Time) (*Payload, error) {
	return VerifyAny(text, []ed25519.PublicKey{pub}, machine, now)
}

// VerifyAny is Verify with several trusted public keys (the current one
// and those retired by a key rotation); the file's kid picks the key.
func VerifyAny(text []byte, keys []ed25519.PublicKey, machine string, now time.Time) (*Payload, error) {
	f, err := Parse(text)
	if err != nil {
		return nil, err
	}
	var pub ed25519.PublicKey
	for _, k := range keys {
		if len(k) == ed25519.PublicKeySize && KeyID(k) == f.KeyID {
			pub = k
			break
		}
	}
	if pub == nil {
		return nil, fmt.Errorf("%w (kid %s)", ErrUnknownKey, f.KeyID)
	}
	if !ed25519.Verify(pub, f.Payload, f.Sig) {
		return nil, ErrBadSignature
	}
	var p Payload
	if err := json.Unmarshal(f.Payload, &p); err != nil {
		return nil, fmt.Errorf("%w: the signed payload is not JSON", ErrMalformed)
	}
	if p.KeyID != f.KeyID {
		return nil, fmt.Errorf("%w: the payload names key %s, the envelope %s", ErrMalformed, p.KeyID, f.KeyID)
	}
	if now.Before(p.IssuedAt.Add(-5 * time.Minute)) { // some clock skew is forgiven
		return nil, fmt.Errorf("%w: issued at %s", ErrNotYetValid, p.IssuedAt.Format(time.RFC3339))
	}
	if !now.Before(p.ExpiresAt) {
		return nil, fmt.Errorf("%w on %s", ErrExpired, p.ExpiresAt.Format(time.RFC3339))
	}
	if p.ValidTo != nil && !now.Before(*p.ValidTo) {
		return nil, fmt.Errorf("%w: the license ended on %s", ErrExpired, p.ValidTo.Format(time.RFC3339))
	}
	if p.Machine != "" && p.Machine != machine {
		return nil, ErrOtherMachine
	}
	return &p, nil
}
