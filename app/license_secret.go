package app

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"

	"licensedesk/storage"
)

// The administrator password of a license is sealed with AES-256-GCM
// under a key kept in the data file's secrets bucket: created on first
// use, carried by every backup, never shown.
var secretKeyName = []byte("license-password-key")

func (s *Service) sealer(tx *storage.Tx) (cipher.AEAD, error) {
	key := tx.GetRaw(storage.Secrets, secretKeyName)
	if key == nil {
		if !tx.Writable() {
			return nil, errors.New("license password key missing")
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := tx.PutRaw(storage.Secrets, secretKeyName, key); err != nil {
			return nil, err
		}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealPassword encrypts pw, binding it to the license id.
func (s *Service) sealPassword(tx *storage.Tx, licenseID uint64, pw string) ([]byte, error) {
	if pw == "" {
		return nil, nil
	}
	aead, err := s.sealer(tx)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, []byte(pw), storage.EncodeID(licenseID)), nil
}

// openPassword decrypts a sealed password.
func (s *Service) openPassword(tx *storage.Tx, licenseID uint64, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	aead, err := s.sealer(tx)
	if err != nil {
		return "", err
	}
	if len(sealed) < aead.NonceSize() {
		return "", errors.New("sealed password too short")
	}
	pt, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], storage.EncodeID(licenseID))
	return string(pt), err
}
