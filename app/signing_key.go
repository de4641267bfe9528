package app

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"licensedesk/storage"
)

// The install's Ed25519 signing key signs what leaves this desk for
// another one: transfer files and receipts now, license files later. It is
// created on first start and kept in the secrets bucket next to the
// license-password key, so every backup carries it.
//
// Keys are named by their key id, derived from the public key. Rotating
// makes a new key current and keeps the old ones' public halves (their
// private halves are dropped), so a file signed before a rotation still
// verifies against this desk.
//
// Secrets bucket layout:
//
//	signing-key-current  -> key id of the key that signs
//	signing-key/<key id> -> signingKeyRecord (JSON)
var (
	signingCurrentName = []byte("signing-key-current")
	signingKeyPrefix   = []byte("signing-key/")
)

type signingKeyRecord struct {
	ID      string    `json:"id"`
	Public  []byte    `json:"public"`
	Seed    []byte    `json:"seed,omitempty"` // private half; only the current key keeps it
	Created time.Time `json:"created"`
	Retired time.Time `json:"retired,omitzero"`
}

// SigningKey describes one of the install's signing keys; the private
// half never leaves this file.
type SigningKey struct {
	ID          string            `json:"id"`
	Fingerprint string            `json:"fingerprint"`
	Public      ed25519.PublicKey `json:"public_key"`
	Created     time.Time         `json:"created"`
	Retired     *time.Time        `json:"retired,omitempty"`
	Current     bool              `json:"current"`
}

// SigningKeyID names a public key: the first 8 bytes of its SHA-256, in
// hex. It is what a signed file names to say which key signed it.
func SigningKeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Fingerprint is what two operators read to each other over the phone to
// check a public key: the first 128 bits of its SHA-256, as eight groups
// of four upper-case hex digits.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	h := strings.ToUpper(hex.EncodeToString(sum[:16]))
	groups := make([]string, 0, 8)
	for i := 0; i < len(h); i += 4 {
		groups = append(groups, h[i:i+4])
	}
	return strings.Join(groups, " ")
}

// VerifySignature checks sig over msg with pub; a malformed key is false.
func VerifySignature(pub ed25519.PublicKey, msg, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, msg, sig)
}

func (r signingKeyRecord) view(current string) SigningKey {
	k := SigningKey{ID: r.ID, Fingerprint: Fingerprint(r.Public), Public: r.Public, Created: r.Created, Current: r.ID == current}
	if !r.Retired.IsZero() {
		t := r.Retired
		k.Retired = &t
	}
	return k
}

func getSigningRecord(tx *storage.Tx, id string) (signingKeyRecord, error) {
	var r signingKeyRecord
	raw := tx.GetRaw(storage.Secrets, append(slices.Clone(signingKeyPrefix), id...))
	if raw == nil {
		return r, ErrNotFound
	}
	err := json.Unmarshal(raw, &r)
	return r, err
}

func putSigningRecord(tx *storage.Tx, r signingKeyRecord) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.PutRaw(storage.Secrets, append(slices.Clone(signingKeyPrefix), r.ID...), raw)
}

// newSigningRecord generates a key pair and stores it as the current key.
func newSigningRecord(tx *storage.Tx, now time.Time) (signingKeyRecord, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return signingKeyRecord{}, err
	}
	r := signingKeyRecord{ID: SigningKeyID(pub), Public: pub, Seed: priv.Seed(), Created: now}
	if err := putSigningRecord(tx, r); err != nil {
		return r, err
	}
	return r, tx.PutRaw(storage.Secrets, signingCurrentName, []byte(r.ID))
}

// currentSigningRecord reads the current key; in a write transaction it
// creates one when the install has none yet.
func currentSigningRecord(tx *storage.Tx, now time.Time) (signingKeyRecord, error) {
	id := tx.GetRaw(storage.Secrets, signingCurrentName)
	if id == nil {
		if !tx.Writable() {
			return signingKeyRecord{}, errors.New("the install's signing key is missing")
		}
		return newSigningRecord(tx, now)
	}
	r, err := getSigningRecord(tx, string(id))
	if err != nil {
		return r, err
	}
	if len(r.Seed) != ed25519.SeedSize || len(r.Public) != ed25519.PublicKeySize {
		return r, errors.New("the install's signing key record is damaged")
	}
	return r, nil
}

// ensureSigningKey creates the install's signing key on first start.
func (s *Service) ensureSigningKey() error {
	has := false
	if err := s.db.View(func(tx *storage.Tx) error {
		has = tx.GetRaw(storage.Secrets, signingCurrentName) != nil
		return nil
	}); err != nil || has {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		_, err := currentSigningRecord(tx, s.now())
		return err
	})
}

// signTx signs msg with the current key inside the caller's transaction
// and returns the key id and the signature. It has no side effect beyond
// creating the key when there is none, so a retried transaction is safe.
func (s *Service) signTx(tx *storage.Tx, msg []byte) (SigningKey, []byte, error) {
	r, err := currentSigningRecord(tx, s.now())
	if err != nil {
		return SigningKey{}, nil, err
	}
	sig := ed25519.Sign(ed25519.NewKeyFromSeed(r.Seed), msg)
	return r.view(r.ID), sig, nil
}

// Sign signs msg with the install's current key.
func (s *Service) Sign(msg []byte) (SigningKey, []byte, error) {
	var k SigningKey
	var sig []byte
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		k, sig, err = s.signTx(tx, msg)
		return err
	})
	return k, sig, err
}

// CurrentSigningKey describes the key that signs now.
func (s *Service) CurrentSigningKey() (SigningKey, error) {
	var k SigningKey
	err := s.db.View(func(tx *storage.Tx) error {
		r, err := currentSigningRecord(tx, s.now())
		k = r.view(r.ID)
		return err
	})
	return k, err
}

// SigningPublicKey finds one of this install's keys, current or retired,
// by its key id: what verifies a file this desk signed.
func (s *Service) SigningPublicKey(id string) (SigningKey, error) {
	var k SigningKey
	err := s.db.View(func(tx *storage.Tx) error {
		r, err := getSigningRecord(tx, id)
		if err != nil {
			return err
		}
		k = r.view(string(tx.GetRaw(storage.Secrets, signingCurrentName)))
		return nil
	})
	return k, err
}

// SigningKeys lists the install's keys, the current one first, then the
// retired ones newest first.
func (s *Service) SigningKeys() ([]SigningKey, error) {
	var out []SigningKey
	err := s.db.View(func(tx *storage.Tx) error {
		cur := string(tx.GetRaw(storage.Secrets, signingCurrentName))
		var err error
		tx.Each(storage.Secrets, signingKeyPrefix, func(k, v []byte) bool {
			var r signingKeyRecord
			if err = json.Unmarshal(v, &r); err != nil {
				return false
			}
			out = append(out, r.view(cur))
			return true
		})
		return err
	})
	slices.SortFunc(out, func(a, b SigningKey) int {
		if a.Current != b.Current {
			if a.Current {
				return -1
			}
			return 1
		}
		return b.Created.Compare(a.Created)
	})
	return out, err
}

// RotateSigningKey makes a new key current (operator only). The old key's
// public half stays, named by its key id, and its private half is erased.
func (s *Service) RotateSigningKey(a Actor) (SigningKey, error) {
	if err := a.requireOperator(); err != nil {
		return SigningKey{}, err
	}
	var k SigningKey
	err := s.update(func(tx *storage.Tx) error {
		now := s.now()
		old, err := currentSigningRecord(tx, now)
		if err != nil {
			return err
		}
		old.Seed, old.Retired = nil, now
		if err := putSigningRecord(tx, old); err != nil {
			return err
		}
		r, err := newSigningRecord(tx, now)
		if err != nil {
			return err
		}
		k = r.view(r.ID)
		return s.audit(tx, a, "signing_key.rotate", r.ID, "replaces "+old.ID)
	})
	return k, err
}
