package app

import (
	"crypto/ed25519"
	"time"

	"licensedesk/licensefile"
	"licensedesk/storage"
)

// LicenseFileTTL is how long a license file stays valid (never past the
// license's end): revocation reaches the software when it asks for the
// next one.
const LicenseFileTTL = 30 * 24 * time.Hour

// licenseFileTx signs a license file for l and machine ("" for any
// machine) with the install's current key, inside the caller's
// transaction (read or write): signing has no side effect, so a retried
// transaction is safe.
func (s *Service) licenseFileTx(tx *storage.Tx, l *License, machine string) ([]byte, error) {
	r, err := currentSigningRecord(tx, s.now())
	if err != nil {
		return nil, err
	}
	now := s.now()
	exp := now.Add(LicenseFileTTL)
	if l.ValidTo != nil && l.ValidTo.Before(exp) {
		exp = *l.ValidTo
	}
	p := licensefile.Payload{Version: 1, KeyID: r.ID, Key: FormatKey(NormaliseKey(l.Key)), Product: l.ProductName,
		Edition: l.Edition, Seats: l.Seats, ValidFrom: l.ValidFrom, ValidTo: l.ValidTo, Machine: machine,
		IssuedAt: now, ExpiresAt: exp}
	raw, err := licensefile.MarshalPayload(p)
	if err != nil {
		return nil, err
	}
	sig := ed25519.Sign(s.signer.get(r), raw)
	return licensefile.Armour(r.ID, raw, sig), nil
}

// ClientLicenseFile signs a license file for a registered machine of a
// license in good standing. It writes nothing.
func (s *Service) ClientLicenseFile(in ClientCall) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *storage.Tx) error {
		l, ok, err := s.clientLookup(tx, in)
		if err != nil {
			return err
		}
		if !ok {
			return clientErr(CodeUnknownKey, "no license has this key")
		}
		code := licenseState(&l, s.now())
		if code == CodeOK {
			code = machineState(&l, in.Fingerprint)
		}
		if code != CodeOK {
			return stateErr(code)
		}
		s.seen.touch(l.ID, in.Fingerprint, s.now())
		out, err = s.licenseFileTx(tx, &l, in.Fingerprint)
		return err
	})
	s.flushSeenSoon()
	return out, err
}

// LicenseFile signs a file for a license the actor may see, for a machine
// registered on it or, with machine "", for any machine.
func (s *Service) LicenseFile(a Actor, id uint64, machine string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *storage.Tx) error {
		l, err := visibleLicense(tx, a, id)
		if err != nil {
			return err
		}
		if code := licenseState(&l, s.now()); code != CodeOK {
			return stateErr(code)
		}
		if machine != "" && registered(&l, machine) < 0 {
			return clientErr(CodeMachineNotActivated, "this machine is not registered on the license")
		}
		out, err = s.licenseFileTx(tx, &l, machine)
		return err
	})
	return out, err
}

// ClientPublicKey is the current signing key: what verifies license files.
func (s *Service) ClientPublicKey() (SigningKey, error) { return s.CurrentSigningKey() }
