package app_test

import (
	"errors"
	"regexp"
	"testing"

	"licensedesk/app"
)

// TestSigningKeyIsCreatedOnceAndSurvivesRestart: the install has a key
// from its first start, the same key after a restart, and what it signs
// verifies with the public key and nothing else.
func TestSigningKeyIsCreatedOnceAndSurvivesRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, err := e.svc.CurrentSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(k.ID) || k.ID != app.SigningKeyID(k.Public) {
		t.Errorf("key id %q", k.ID)
	}
	if !regexp.MustCompile(`^([0-9A-F]{4} ){7}[0-9A-F]{4}$`).MatchString(k.Fingerprint) || k.Fingerprint != app.Fingerprint(k.Public) {
		t.Errorf("fingerprint %q", k.Fingerprint)
	}
	if !k.Current {
		t.Error("the only key is not current")
	}
	msg := []byte("transfer 42")
	signer, sig, err := e.svc.Sign(msg)
	if err != nil || signer.ID != k.ID {
		t.Fatalf("sign: %v, key %s", err, signer.ID)
	}
	if !app.VerifySignature(k.Public, msg, sig) {
		t.Error("the signature does not verify")
	}
	if app.VerifySignature(k.Public, []byte("transfer 43"), sig) {
		t.Error("the signature verifies another message")
	}
	e.reopen()
	again, err := e.svc.CurrentSigningKey()
	if err != nil || again.ID != k.ID {
		t.Fatalf("after restart: %v, key %s want %s", err, again.ID, k.ID)
	}

	other := newEnv(t)
	ok, _ := other.svc.CurrentSigningKey()
	if ok.ID == k.ID {
		t.Error("two installs have the same key")
	}
}

// TestSigningKeyRotationKeepsOldPublicKeys: after a rotation the new key
// signs, and a signature made before it still verifies with the old
// public key found by its key id.
func TestSigningKeyRotationKeepsOldPublicKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	old, _ := e.svc.CurrentSigningKey()
	msg := []byte("license file")
	_, oldSig, _ := e.svc.Sign(msg)

	if _, err := e.svc.RotateSigningKey(app.Actor{Email: "p@x", Role: app.RolePartner, PartnerID: 1}); !errors.Is(err, app.ErrForbidden) {
		t.Errorf("a partner rotated the key: %v", err)
	}
	nk, err := e.svc.RotateSigningKey(app.System)
	if err != nil {
		t.Fatal(err)
	}
	if nk.ID == old.ID || !nk.Current {
		t.Fatalf("rotated key %+v", nk)
	}
	signer, newSig, _ := e.svc.Sign(msg)
	if signer.ID != nk.ID || !app.VerifySignature(nk.Public, msg, newSig) {
		t.Error("the new key does not sign")
	}
	e.reopen()
	byID, err := e.svc.SigningPublicKey(old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if byID.Current || byID.Retired == nil || !app.VerifySignature(byID.Public, msg, oldSig) {
		t.Errorf("old key after rotation: %+v", byID)
	}
	keys, err := e.svc.SigningKeys()
	if err != nil || len(keys) != 2 || keys[0].ID != nk.ID || keys[1].ID != old.ID {
		t.Errorf("keys %+v, %v", keys, err)
	}
	if _, err := e.svc.SigningPublicKey("0000000000000000"); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("unknown key id: %v", err)
	}
}
