package app

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"

	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"licensedesk/storage"
)

// A transfer file carries licenses from one desk to another with no
// network between them (F39). It is a JSON envelope around a payload that
// the source desk signs with its Ed25519 key:
//
//	{"format":"licensedesk-transfer","version":1,"key_id":…,"payload":base64,"signature":base64}
//
// The payload holds the licenses, the source's public key, the target's
// public partner id, the secret's salted argon2id hash (never the secret),
// an expiry and the transfer id. A receipt is the same envelope with
// format "licensedesk-receipt", signed by the receiving desk.
const (
	transferFormat = "licensedesk-transfer"
	receiptFormat  = "licensedesk-receipt"
	fileVersion    = 1

	// MaxTransferFile bounds a transfer file before anything else is read.
	MaxTransferFile = 256 << 20
	// MaxReceiptFile bounds a receipt the same way.
	MaxReceiptFile = 64 << 10
)

type envelope struct {
	Format    string `json:"format"`
	Version   int    `json:"version"`
	KeyID     string `json:"key_id"`
	Payload   []byte `json:"payload"`
	Signature []byte `json:"signature"`
}

// signed is what a signature covers: the format name, then the payload,
// so a receipt can never pass for a transfer file or the reverse.
func signed(format string, payload []byte) []byte {
	return append([]byte(format+"\n"), payload...)
}

// fileLicense is a license as a transfer file carries it: everything the
// customer's machines rely on, and nothing private to the giving partner
// (notes, the administrator password sealed with this desk's key).
type fileLicense struct {
	Key             string            `json:"key"`
	Name            string            `json:"name"`
	ProductCode     string            `json:"product_code"`
	ProductName     string            `json:"product_name"`
	Edition         string            `json:"edition"`
	Seats           int               `json:"seats"`
	PeriodMonths    int               `json:"period_months"`
	Status          Status            `json:"status"`
	Payment         Payment           `json:"payment_status"`
	Purchased       time.Time         `json:"purchased"`
	ValidFrom       *time.Time        `json:"valid_from,omitempty"`
	ValidTo         *time.Time        `json:"valid_to,omitempty"`
	ActivateBy      time.Time         `json:"activate_by"`
	AutoRenew       bool              `json:"auto_renew"`
	AutoRenewMonths int               `json:"auto_renew_months,omitempty"`
	IP              string            `json:"ip,omitempty"`
	RegistrationKey string            `json:"registration_key,omitempty"`
	Registrations   []Registration    `json:"registrations,omitempty"`
	Customer        string            `json:"customer,omitempty"`
	CustomerEmail   string            `json:"customer_email,omitempty"`
	Config          map[string]string `json:"config,omitempty"`
	OrderNumber     string            `json:"order_number,omitempty"`
}

type filePayload struct {
	TransferID string    `json:"transfer_id"`
	Created    time.Time `json:"created"`
	Expires    time.Time `json:"expires"`
	Source     struct {
		PublicKey   []byte `json:"public_key"`
		PartnerID   string `json:"partner_id"`
		PartnerName string `json:"partner_name"`
	} `json:"source"`
	Target      string        `json:"target"`
	Secret      SecretHash    `json:"secret"`
	ReceiptSalt []byte        `json:"receipt_salt"`
	Licenses    []fileLicense `json:"licenses"`
}

type receiptPayload struct {
	TransferID string    `json:"transfer_id"`
	FileSHA256 []byte    `json:"file_sha256"`
	Target     string    `json:"target"`
	Approved   time.Time `json:"approved"`
	Keys       int       `json:"licenses"`
	PublicKey  []byte    `json:"public_key"`
	Proof      []byte    `json:"proof"`
}

// writeTransferFile builds and signs the file of an outgoing transfer in
// the caller's transaction. It writes nothing itself.
func (s *Service) writeTransferFile(tx *storage.Tx, r *transferRecord, sp *Partner, ls []License) ([]byte, error) {
	var p filePayload
	p.TransferID, p.Created, p.Expires = r.FileID, r.Created, r.Expires
	p.Source.PartnerID, p.Source.PartnerName = sp.PublicID, sp.Name
	p.Target, p.Secret, p.ReceiptSalt = r.TargetPublicID, r.Hash, r.ReceiptSalt
	products := map[uint64]string{}
	p.Licenses = make([]fileLicense, len(ls))
	for i := range ls {
		l := &ls[i]
		code, ok := products[l.ProductID]
		if !ok {
			var prod Product
			if err := tx.Get(storage.Products, storage.EncodeID(l.ProductID), &prod); err == nil {
				code = prod.Code
			}
			products[l.ProductID] = code
		}
		p.Licenses[i] = fileLicense{Key: l.Key, Name: l.Name, ProductCode: code, ProductName: l.ProductName, Edition: l.Edition,
			Seats: l.Seats, PeriodMonths: l.PeriodMonths, Status: l.Status, Payment: l.Payment, Purchased: l.Purchased,
			ValidFrom: l.ValidFrom, ValidTo: l.ValidTo, ActivateBy: l.ActivateBy, AutoRenew: l.AutoRenew,
			AutoRenewMonths: l.AutoRenewMonths, IP: l.IP, RegistrationKey: l.RegistrationKey, Registrations: l.Registrations,
			Customer: l.Customer, CustomerEmail: l.CustomerEmail, Config: l.Config, OrderNumber: l.OrderNumber}
	}
	key, _, err := s.signTx(tx, nil)
	if err != nil {
		return nil, err
	}
	p.Source.PublicKey = key.Public
	return s.sealEnvelope(tx, transferFormat, p)
}

func (s *Service) sealEnvelope(tx *storage.Tx, format string, payload any) ([]byte, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	key, sig, err := s.signTx(tx, signed(format, raw))
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(envelope{Format: format, Version: fileVersion, KeyID: key.ID, Payload: raw, Signature: sig}, "", " ")
	return append(out, '\n'), err
}

// fileError is a refused file: the reason names what is wrong.
func fileError(format string, args ...any) error { return Invalid("file", format, args...) }

// ReadLimited reads at most limit bytes from r, refusing more: for
// uploads whose size is not known in advance.
func ReadLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fileError("the file is larger than %d bytes", limit)
	}
	return data, nil
}

// openEnvelope parses a file with limits and checks its signature
// against the public key inside the payload (pub reads it out). limits,
// when set, checks the parsed payload before the signature is.
func openEnvelope(data []byte, format string, limit int, payload any, pub func() []byte, limits ...func() error) error {
	if len(data) > limit {
		return fileError("the file is larger than %d bytes", limit)
	}
	if !utf8.Valid(data) {
		return fileError("this is not a %s file (it is not UTF-8 text)", format)
	}
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return fileError("this is not a %s file (it does not parse)", format)
	}
	if env.Format != format {
		if env.Format == receiptFormat || env.Format == transferFormat {
			return fileError("this is a %s file, not a %s file", env.Format, format)
		}
		return fileError("this is not a %s file", format)
	}
	if env.Version != fileVersion {
		return fileError("file version %d is not one this desk reads (it reads %d)", env.Version, fileVersion)
	}
	pd := json.NewDecoder(bytes.NewReader(env.Payload))
	pd.DisallowUnknownFields()
	if err := pd.Decode(payload); err != nil {
		return fileError("the file's content does not parse: it was changed or damaged")
	}
	for _, check := range limits {
		if err := check(); err != nil {
			return err
		}
	}
	key := pub()
	if len(key) != ed25519.PublicKeySize || SigningKeyID(key) != env.KeyID {
		return fileError("the file names a signing key it does not carry")
	}
	if !VerifySignature(key, signed(format, env.Payload), env.Signature) {
		return fileError("the signature does not match: the file was changed after it was signed, or not signed by the desk it names")
	}
	return nil
}

// IncomingFile is what an imported transfer file shows before approval.
type IncomingFile struct {
	Transfer
}

// ImportTransferFile takes another desk's transfer file (F39): it checks
// the size and license count, the signature, the expiry, that the file
// was not imported before, that the target partner is on this desk and
// that no key in it exists here, then keeps it as a pending incoming
// transfer for the target to approve with the secret. A refused file
// writes nothing. The operator may import any file; a partner only a file
// meant for it.
func (s *Service) ImportTransferFile(a Actor, data []byte) (Transfer, error) {
	var p filePayload
	if err := openEnvelope(data, transferFormat, MaxTransferFile, &p, func() []byte { return p.Source.PublicKey }, func() error {
		if len(p.Licenses) == 0 || len(p.Licenses) > MaxTransferLicenses {
			return fileError("the file carries %d licenses; a transfer has 1 to %d", len(p.Licenses), MaxTransferLicenses)
		}
		return nil
	}); err != nil {
		return Transfer{}, err
	}
	if len(p.TransferID) != 32 || strings.Trim(p.TransferID, "0123456789abcdef") != "" {
		return Transfer{}, fileError("the file's transfer id is malformed")
	}
	if !p.Secret.usable() || len(p.ReceiptSalt) < 8 || len(p.ReceiptSalt) > 64 {
		return Transfer{}, fileError("the file's secret hash is not one this desk accepts")
	}
	if err := checkFileSource(p.Source.PartnerID, p.Source.PartnerName); err != nil {
		return Transfer{}, fileError("the giving partner: %s", err.Error())
	}
	now := s.now()
	if !now.Before(p.Expires) {
		return Transfer{}, fileError("the file expired on %s; ask the giving desk for a new one", p.Expires.UTC().Format("2006-01-02 15:04 UTC"))
	}
	target := NormalisePublicID(p.Target)
	var out Transfer
	err := s.update(func(tx *storage.Tx) error {
		own, err := currentSigningRecord(tx, now)
		if err != nil {
			return err
		}
		if bytes.Equal(own.Public, p.Source.PublicKey) {
			return fileError("the file comes from this desk; import it on the receiving desk")
		}
		if prev, err := transferByFileID(tx, p.TransferID); err == nil {
			return fileError("this file was already imported (transfer %d)", prev)
		}
		tid, err := tx.Lookup(storage.PartnersByPubID, target)
		if errors.Is(err, ErrNotFound) {
			return fileError("the file is meant for partner %s, which this desk does not have", p.Target)
		}
		if err != nil {
			return err
		}
		if !a.IsOperator() && a.PartnerID != tid {
			return fileError("the file is meant for another partner (%s)", target)
		}
		tp, err := getPartner(tx, tid)
		if err != nil {
			return err
		}
		products := map[string]bool{}
		seen := map[string]bool{}
		items := make([]transferItem, len(p.Licenses))
		for i := range p.Licenses {
			fl := &p.Licenses[i]
			if err := fl.check(); err != nil {
				return fileError("license %d in the file: %s", i+1, err.Error())
			}
			nk := NormaliseKey(fl.Key)
			if seen[nk] {
				return fileError("the file carries key %s twice", fl.Key)
			}
			seen[nk] = true
			if _, err := tx.Lookup(storage.LicensesByKey, nk); err == nil {
				return fileError("key %s already exists on this desk; nothing was imported", fl.Key)
			}
			if _, ok := products[fl.ProductCode]; !ok {
				_, err := productByCode(tx, fl.ProductCode)
				products[fl.ProductCode] = err == nil
			}
			if !products[fl.ProductCode] {
				return fileError("product %q (%s) of key %s is not in this desk's catalogue; add it with the same code first", fl.ProductCode, fl.ProductName, fl.Key)
			}
			items[i] = transferItem{TransferLicense: TransferLicense{Key: fl.Key, Name: fl.Name, Product: fl.ProductName,
				Customer: fl.Customer, IP: fl.IP, ValidFrom: fl.ValidFrom, ValidTo: fl.ValidTo, Status: fl.Status}, Record: fl}
		}
		id, err := tx.NextID(storage.Transfers)
		if err != nil {
			return err
		}
		fsum := sha256.Sum256(data)
		r := transferRecord{Transfer: Transfer{ID: id, Kind: TransferIncoming, State: TransferPending, FileID: p.TransferID,
			SourceName: p.Source.PartnerName, SourcePublicID: p.Source.PartnerID, TargetPartnerID: tp.ID, TargetName: tp.Name,
			TargetPublicID: tp.PublicID, Count: len(items), Created: now, CreatedBy: a.Email, Expires: p.Expires.UTC(),
			PeerKeyID: SigningKeyID(p.Source.PublicKey), PeerFingerprint: Fingerprint(p.Source.PublicKey)},
			Hash: p.Secret, ReceiptSalt: p.ReceiptSalt, PeerPublic: p.Source.PublicKey, FileSHA256: fsum[:]}
		if err := claimFileID(tx, p.TransferID, id); err != nil {
			return err
		}
		if err := putTransferItems(tx, id, items); err != nil {
			return err
		}
		if err := putTransferBlob(tx, id, blobFile, data); err != nil {
			return err
		}
		if err := putTransfer(tx, &r); err != nil {
			return err
		}
		out = r.Transfer
		return s.audit(tx, a, "transfer.import", fmt.Sprintf("transfer %d", id),
			fmt.Sprintf("%d licenses from %s (desk %s) for %s", r.Count, r.SourcePublicID, r.PeerFingerprint, r.TargetPublicID))
	})
	return out, err
}

// check refuses license fields this desk could not store as they are.
func (fl *fileLicense) check() error {
	switch {
	case NormaliseKey(fl.Key) == "" || len(fl.Key) > 100:
		return errors.New("the key is missing or too long")
	case !fl.Status.Valid():
		return fmt.Errorf("status %q is not one this desk knows", fl.Status)
	case !transferable(fl.Status):
		return fmt.Errorf("it is %s and cannot be transferred", fl.Status)
	case fl.Payment != "" && !fl.Payment.Valid():
		return fmt.Errorf("payment status %q is not one this desk knows", fl.Payment)
	case fl.Seats < 0 || fl.PeriodMonths < 0 || fl.AutoRenewMonths < 0:
		return errors.New("a count is negative")
	case len(fl.Registrations) > 10000 || len(fl.Config) > 100:
		return errors.New("too many registrations or settings")
	}
	for _, d := range []struct {
		field string
		t     *time.Time
	}{{"purchased", &fl.Purchased}, {"valid_from", fl.ValidFrom}, {"valid_to", fl.ValidTo}, {"activate_by", &fl.ActivateBy}} {
		if err := checkLatest(d.field, d.t); err != nil {
			return err
		}
	}
	if err := checkLicenseText(fl.Name, fl.Customer, ""); err != nil {
		return err
	}
	return fl.checkText()
}

// checkText holds the rest of a file's license text to the rules the
// same fields meet when typed here: the giving desk's partner wrote
// them, and the signature proves only that the file is whole.
func (fl *fileLicense) checkText() error {
	ip, err := normIP(fl.IP)
	if err != nil {
		return err
	}
	fl.IP = ip
	if fl.CustomerEmail != "" {
		fl.CustomerEmail = normEmail(fl.CustomerEmail)
		if err := validEmail("customer_email", fl.CustomerEmail); err != nil {
			return err
		}
	}
	for _, f := range []struct{ field, v string }{{"key", fl.Key}, {"edition", fl.Edition}, {"product_name", fl.ProductName},
		{"registration_key", fl.RegistrationKey}, {"order_number", fl.OrderNumber}} {
		if len(f.v) > 200 {
			return Invalid(f.field, "must be at most 200 characters")
		}
		if err := checkOneLine(f.field, f.v); err != nil {
			return err
		}
	}
	for k, v := range fl.Config {
		if len(k) > 200 || len(v) > 1000 || checkOneLine("config", k) != nil || checkOneLine("config", v) != nil {
			return Invalid("config", "setting %.40q must be one line of plain text", k)
		}
	}
	for _, r := range fl.Registrations {
		if clientFingerprint(r.Machine) != nil {
			return Invalid("registrations", "machine %.40q is not a fingerprint of 1 to 128 printable characters", r.Machine)
		}
		if h, err := clientHostname(r.Hostname); err != nil || h != r.Hostname || checkOneLine("registrations", h) != nil {
			return Invalid("registrations", "machine %s has a host name that is not one line of plain text", r.Machine)
		}
	}
	return nil
}

// checkFileSource checks what a file says of the partner that gives it,
// shown on the receiver's transfer pages and in its history.
func checkFileSource(publicID, name string) error {
	switch {
	case !validPublicID(NormalisePublicID(publicID)):
		return Invalid("partner", "%.40q is not a partner ID", publicID)
	case name == "" || len(name) > 200:
		return Invalid("partner", "the name must be 1 to 200 characters")
	}
	if err := checkOneLine("partner", name); err != nil {
		return err
	}
	return nil
}

// approveIncomingTx creates the licenses of an imported file on this
// desk, keys exactly as they were, for the target partner, and writes the
// signed receipt the giving desk imports.
func (s *Service) approveIncomingTx(tx *storage.Tx, a Actor, r *transferRecord, proof []byte) error {
	tp, err := getPartner(tx, r.TargetPartnerID)
	if err != nil {
		return err
	}
	items, err := transferItems(tx, r.ID)
	if err != nil {
		return err
	}
	now := s.now()
	prods := map[string]Product{}
	ls := make([]License, 0, len(items))
	for i, it := range items {
		fl := it.Record
		if fl == nil {
			return errors.New("incoming transfer item without its license")
		}
		// A file kept from before the import checked it is held to the same rule.
		if !transferable(fl.Status) {
			return Conflict("licenses", "license %d of the file is %s and cannot be transferred; nothing was approved: reject this transfer", i+1, fl.Status)
		}
		if _, err := tx.Lookup(storage.LicensesByKey, NormaliseKey(fl.Key)); err == nil {
			return Conflict("licenses", "key %s exists on this desk since the file was imported; nothing was approved", fl.Key)
		}
		prod, ok := prods[fl.ProductCode]
		if !ok {
			if prod, err = productByCode(tx, fl.ProductCode); err != nil {
				return Conflict("licenses", "product %q is no longer in this desk's catalogue", fl.ProductCode)
			}
			prods[fl.ProductCode] = prod
		}
		l := License{Key: fl.Key, Name: fl.Name, ProductID: prod.ID, ProductName: prod.Name, Edition: fl.Edition,
			Seats: fl.Seats, PeriodMonths: fl.PeriodMonths, Status: fl.Status, Payment: fl.Payment, Purchased: fl.Purchased.UTC(),
			ValidFrom: utcPtr(fl.ValidFrom), ValidTo: utcPtr(fl.ValidTo), ActivateBy: fl.ActivateBy.UTC(), AutoRenew: fl.AutoRenew,
			AutoRenewMonths: fl.AutoRenewMonths, IP: fl.IP, RegistrationKey: fl.RegistrationKey, Registrations: fl.Registrations,
			Customer: fl.Customer, CustomerEmail: fl.CustomerEmail, PartnerID: tp.ID, DistributorID: tp.DistributorID,
			Config: maps.Clone(fl.Config), OrderNumber: fl.OrderNumber, Updated: now}
		if l.Payment == "" {
			l.Payment = PaymentPaid
		}
		ls = append(ls, l)
	}
	// The shared bulk loader: ids here, keys as they were, sorted writes.
	if err := bulkInsertTx(tx, now, ls, true); err != nil {
		return err
	}
	for _, l := range ls {
		if err := writeHistoryEntry(tx, HistoryEntry{LicenseID: l.ID, At: now, Actor: a.Email, Action: "transfer_in",
			Field: "partner_id", Old: r.SourcePublicID + " (desk " + r.PeerFingerprint + ")", New: tp.PublicID, PartnerID: tp.ID}); err != nil {
			return err
		}
		if err := tx.Changed("license", l.ID); err != nil {
			return err
		}
	}
	receipt, err := s.sealEnvelope(tx, receiptFormat, receiptPayload{TransferID: r.FileID, FileSHA256: r.FileSHA256,
		Target: tp.PublicID, Approved: now, Keys: len(items), PublicKey: mustPublic(tx, now), Proof: proof})
	if err != nil {
		return err
	}
	return putTransferBlob(tx, r.ID, blobReceipt, receipt)
}

func mustPublic(tx *storage.Tx, now time.Time) []byte {
	r, err := currentSigningRecord(tx, now)
	if err != nil {
		return nil
	}
	return r.Public
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// TransferFile is the signed file of a transfer between desks: the one
// this desk wrote (outgoing) or imported (incoming).
func (s *Service) TransferFile(a Actor, id uint64) ([]byte, error) {
	return s.transferBlob(a, id, blobFile, func(r *transferRecord) error {
		if r.Kind == TransferLocal {
			return Invalid("file", "an in-desk transfer has no file; only a transfer to another desk does")
		}
		return nil
	})
}

// TransferReceipt is the signed receipt of an approved transfer between
// desks: written here on approval (incoming; the giving desk imports it
// to close its side), or imported here (outgoing).
func (s *Service) TransferReceipt(a Actor, id uint64) ([]byte, error) {
	return s.transferBlob(a, id, blobReceipt, func(r *transferRecord) error {
		if r.Kind == TransferLocal {
			return Invalid("file", "an in-desk transfer has no receipt")
		}
		if r.State != TransferApproved {
			return Invalid("file", "the transfer has no receipt until it is approved")
		}
		return nil
	})
}

func (s *Service) transferBlob(a Actor, id uint64, kind byte, check func(r *transferRecord) error) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *storage.Tx) error {
		r, err := visibleTransfer(tx, a, id)
		if err != nil {
			return err
		}
		if err := check(&r); err != nil {
			return err
		}
		b := getTransferBlob(tx, id, kind)
		if b == nil {
			return ErrNotFound
		}
		out = bytes.Clone(b)
		return nil
	})
	return out, err
}

// ImportReceipt closes an outgoing transfer with the receiving desk's
// signed receipt: its licenses are kept here, read-only, as transferred
// out, with the receipt in their history. The receipt must prove its
// writer had the secret, so no one but the receiver can close a transfer.
//
// A receipt can come after the transfer ended here without one: the
// giver cancelled it, the operator rejected it, or its time passed by
// this desk's clock. Cancelling here cannot recall a file already handed
// out across an air gap: the receiving desk may have approved it with
// the secret before (or without) hearing of it, and a genuine receipt
// proves it did, and now serves those keys to its partner. Refusing the
// receipt would leave both desks owning the same keys, so it is honoured
// like one for an open transfer: the licenses turn transferred out and
// the transfer approved, its history saying the receipt came late.
// Because the licenses were usable here again meanwhile, each must still
// be where the transfer left it: with the giving partner, in no other
// open transfer and not transferred out by another receipt. Otherwise
// the receipt is refused, naming the licenses and what to do, and
// nothing is written (the operator cancels the other transfer or moves
// the license back, then imports the receipt again). A license deleted
// meanwhile is skipped, as for an open transfer.
func (s *Service) ImportReceipt(a Actor, data []byte) (Transfer, error) {
	var p receiptPayload
	if err := openEnvelope(data, receiptFormat, MaxReceiptFile, &p, func() []byte { return p.PublicKey }); err != nil {
		return Transfer{}, err
	}
	var out Transfer
	err := s.update(func(tx *storage.Tx) error {
		id, err := transferByFileID(tx, p.TransferID)
		if errors.Is(err, ErrNotFound) {
			return fileError("the receipt is for a transfer this desk did not send")
		}
		if err != nil {
			return err
		}
		r, err := getTransfer(tx, id)
		if err != nil {
			return err
		}
		if r.Kind != TransferOutgoing || !r.canSee(a) || !r.isSource(a) {
			return fileError("the receipt is for a transfer this desk did not send")
		}
		if r.State == TransferApproved {
			return fileError("this receipt was already imported")
		}
		// An open transfer past its time is closed by the receipt, not
		// expired: the receiving desk approved it.
		late := r.State != TransferPending
		sum := sha256.Sum256(p.Proof)
		if len(r.ReceiptCheck) != sha256.Size || subtle.ConstantTimeCompare(sum[:], r.ReceiptCheck) != 1 ||
			!bytes.Equal(p.FileSHA256, r.FileSHA256) || NormalisePublicID(p.Target) != r.TargetPublicID {
			return fileError("the receipt does not match this transfer: it was not written by the desk that approved it with the secret")
		}
		now := s.now()
		fp := Fingerprint(p.PublicKey)
		items, err := transferItems(tx, id)
		if err != nil {
			return err
		}
		var olds, news []License
		var conflicts []string
		for _, it := range items {
			old, err := getLicense(tx, it.LicenseID)
			if errors.Is(err, ErrNotFound) {
				if !late {
					if err := releaseLicense(tx, it.LicenseID); err != nil {
						return err
					}
				}
				continue // deleted meanwhile by the operator: nothing to mark
			}
			if err != nil {
				return err
			}
			if late {
				// The claim was released when the transfer closed; a claim
				// now is another transfer's.
				if other, busy := openTransferOf(tx, old.ID); busy {
					conflicts = append(conflicts, fmt.Sprintf("%s is in transfer %d", old.Key, other))
					continue
				}
				if old.PartnerID != r.SourcePartnerID {
					conflicts = append(conflicts, fmt.Sprintf("%s has moved to another partner", old.Key))
					continue
				}
				if old.Status.ReadOnly() {
					conflicts = append(conflicts, fmt.Sprintf("%s is already %s", old.Key, old.Status))
					continue
				}
			} else if err := releaseLicense(tx, it.LicenseID); err != nil {
				return err
			}
			l := old
			l.Status, l.AutoRenew, l.Updated = StatusTransferredOut, false, now
			olds, news = append(olds, old), append(news, l)
		}
		if len(conflicts) > 0 {
			more := ""
			if len(conflicts) > 5 {
				more = fmt.Sprintf(" and %d more", len(conflicts)-5)
				conflicts = conflicts[:5]
			}
			return Conflict("file", "the transfer was %s here before this receipt came, and since then %s%s. "+
				"The other desk owns these keys now: cancel the other transfer or move the licenses back to %s, then import the receipt again; nothing was changed",
				r.State, strings.Join(conflicts, ", "), more, r.SourceName)
		}
		if err := putLicenses(tx, olds, news); err != nil {
			return err
		}
		note := ""
		if late {
			note = fmt.Sprintf(" (the receipt came after the transfer was %s here)", r.State)
		}
		for i, l := range news {
			if err := writeHistoryEntry(tx, HistoryEntry{LicenseID: l.ID, At: now, Actor: a.Email, Action: "transfer_receipt",
				Field: "status", Old: string(olds[i].Status), New: fmt.Sprintf("%s: to %s, approved %s, receipt signed by desk %s%s",
					l.Status, r.TargetPublicID, p.Approved.UTC().Format(time.RFC3339), fp, note), PartnerID: l.PartnerID}); err != nil {
				return err
			}
		}
		if late {
			r.Reason = fmt.Sprintf("was %s here; the receiving desk's receipt (approved %s) came afterwards", r.State, p.Approved.UTC().Format("2006-01-02 15:04 UTC"))
		}
		r.State, r.Closed, r.ClosedBy = TransferApproved, &now, a.Email
		r.PeerKeyID, r.PeerFingerprint, r.PeerPublic = SigningKeyID(p.PublicKey), fp, p.PublicKey
		if err := putTransferBlob(tx, id, blobReceipt, data); err != nil {
			return err
		}
		if err := putTransfer(tx, &r); err != nil {
			return err
		}
		out = r.Transfer
		return s.audit(tx, a, "transfer.receipt", fmt.Sprintf("transfer %d", id), "approved on desk "+fp+note)
	})
	return out, err
}
