package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	"licensedesk/storage"
)

// Activation links (F34). A link's token is
//
//	base64url( license id (8 bytes) | HMAC-SHA256(secret, "activation" | id | generation)[:20] )
//
// so every unused license has a link without a write, the 160-bit MAC
// cannot be guessed, and regenerating (generation+1) or revoking voids
// the old one. The secret lives in the secrets bucket beside the signing
// key; the per-license state only when a link was regenerated, revoked or
// used:
//
//	activation_state: license id -> activationState (JSON)
//	activation_codes: license id -> pending email code for an existing customer
var activationSecretName = []byte("activation-secret")

const activationMACLen = 20

type activationState struct {
	Gen     uint32     `json:"gen"`
	Revoked bool       `json:"revoked,omitempty"`
	UsedAt  *time.Time `json:"used_at,omitempty"`
	UsedBy  string     `json:"used_by,omitempty"`
}

func getActivationState(tx *storage.Tx, id uint64) (activationState, error) {
	var st activationState
	raw := tx.GetRaw(storage.ActivationState, storage.EncodeID(id))
	if raw == nil {
		return st, nil
	}
	err := json.Unmarshal(raw, &st)
	return st, err
}

func putActivationState(tx *storage.Tx, id uint64, st activationState) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return tx.PutRaw(storage.ActivationState, storage.EncodeID(id), raw)
}

// ensureActivationSecret creates the link secret on first start.
func (s *Service) ensureActivationSecret() error {
	has := false
	if err := s.db.View(func(tx *storage.Tx) error {
		has = len(tx.GetRaw(storage.Secrets, activationSecretName)) == 32
		return nil
	}); err != nil || has {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		if len(tx.GetRaw(storage.Secrets, activationSecretName)) == 32 {
			return nil
		}
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
		return tx.PutRaw(storage.Secrets, activationSecretName, secret)
	})
}

func activationMAC(secret []byte, id uint64, gen uint32) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("activation"))
	m.Write(storage.EncodeID(id))
	m.Write(binary.BigEndian.AppendUint32(nil, gen))
	return m.Sum(nil)[:activationMACLen]
}

// activationToken is the token of license id's current link.
func activationToken(tx *storage.Tx, id uint64, gen uint32) (string, error) {
	secret := tx.GetRaw(storage.Secrets, activationSecretName)
	if len(secret) != 32 {
		return "", errors.New("the activation link secret is missing")
	}
	return base64.RawURLEncoding.EncodeToString(append(storage.EncodeID(id), activationMAC(secret, id, gen)...)), nil
}

// ActivationTokenLen is the length of a token in a link.
var ActivationTokenLen = base64.RawURLEncoding.EncodedLen(8 + activationMACLen)

// parseActivationToken checks a token's shape and MAC against the
// license's current generation: it returns the license id, or false for
// any token that is not a live link (malformed, forged, regenerated,
// revoked).
func parseActivationToken(tx *storage.Tx, token string) (uint64, activationState, bool) {
	if len(token) != ActivationTokenLen {
		return 0, activationState{}, false
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) != 8+activationMACLen {
		return 0, activationState{}, false
	}
	id := storage.DecodeID(raw[:8])
	st, err := getActivationState(tx, id)
	if err != nil || st.Revoked {
		return 0, st, false
	}
	secret := tx.GetRaw(storage.Secrets, activationSecretName)
	if len(secret) != 32 || subtle.ConstantTimeCompare(raw[8:], activationMAC(secret, id, st.Gen)) != 1 {
		return 0, st, false
	}
	return id, st, true
}

// activationCode is a pending confirmation of an existing customer's
// address: a 6-digit code mailed to it, kept hashed.
type activationCode struct {
	Email    string    `json:"email"`
	Customer uint64    `json:"customer"`
	Hash     []byte    `json:"hash"`
	Expires  time.Time `json:"expires"`
	Tries    int       `json:"tries"`
}

func getActivationCode(tx *storage.Tx, id uint64) (activationCode, bool, error) {
	var c activationCode
	raw := tx.GetRaw(storage.ActivationCodes, storage.EncodeID(id))
	if raw == nil {
		return c, false, nil
	}
	err := json.Unmarshal(raw, &c)
	return c, err == nil, err
}

func putActivationCode(tx *storage.Tx, id uint64, c activationCode) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.PutRaw(storage.ActivationCodes, storage.EncodeID(id), raw)
}

func deleteActivationCode(tx *storage.Tx, id uint64) error {
	return tx.Delete(storage.ActivationCodes, storage.EncodeID(id))
}
