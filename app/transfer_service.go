package app

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"golang.org/x/crypto/argon2"

	"licensedesk/storage"
)

// canSeeTransfer: the operator sees every transfer, a partner those it
// gives or receives.
func (t *Transfer) canSee(a Actor) bool {
	if a.IsOperator() {
		return true
	}
	return a.PartnerID != 0 && (t.SourcePartnerID == a.PartnerID || t.TargetPartnerID == a.PartnerID)
}

func (t *Transfer) isSource(a Actor) bool {
	return a.IsOperator() || a.PartnerID != 0 && t.SourcePartnerID == a.PartnerID
}

func (t *Transfer) isTarget(a Actor) bool {
	return a.IsOperator() || a.PartnerID != 0 && t.TargetPartnerID == a.PartnerID
}

func visibleTransfer(tx *storage.Tx, a Actor, id uint64) (transferRecord, error) {
	r, err := getTransfer(tx, id)
	if err != nil {
		return r, err
	}
	if !r.canSee(a) {
		return transferRecord{}, ErrNotFound
	}
	return r, nil
}

func newFileID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// receiptProof is what a receipt shows to prove its writer had the
// secret: argon2id of the secret under the file's receipt salt.
func receiptProof(secret string, salt []byte) []byte {
	return argon2.IDKey([]byte(normaliseSecret(secret)), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
}

func summarise(l *License) TransferLicense {
	return TransferLicense{LicenseID: l.ID, Key: l.Key, Name: l.Name, Product: l.ProductName, Customer: l.Customer,
		IP: l.IP, ValidFrom: l.ValidFrom, ValidTo: l.ValidTo, Status: l.Status}
}

// transferPlan is a checked hand-over, not yet written.
type transferPlan struct {
	r        transferRecord
	items    []transferItem
	licenses []License
	source   Partner
}

// checkTransferInput validates what needs no data.
func checkTransferInput(in TransferInput) ([]uint64, string, error) {
	if len(in.LicenseIDs) == 0 {
		return nil, "", Invalid("license_ids", "choose at least one license")
	}
	if len(in.LicenseIDs) > MaxTransferLicenses {
		return nil, "", Invalid("license_ids", "at most %d licenses in one transfer", MaxTransferLicenses)
	}
	ids := slices.Compact(slices.Sorted(slices.Values(in.LicenseIDs)))
	target := NormalisePublicID(in.Target)
	if target == "" {
		return nil, "", Invalid("target", "enter the receiving partner's ID, such as P-ABCD-EFGH")
	}
	if !validPublicID(target) {
		return nil, "", Invalid("target", "%q is not a partner ID; they look like P-ABCD-EFGH", in.Target)
	}
	return ids, target, nil
}

// planTransfer checks a hand-over against the data and reads what it
// moves, writing nothing.
func (s *Service) planTransfer(tx *storage.Tx, a Actor, ids []uint64, target string, file bool) (transferPlan, error) {
	now := s.now()
	p := transferPlan{r: transferRecord{Transfer: Transfer{Kind: TransferLocal, State: TransferPending, TargetPublicID: target,
		Count: len(ids), Created: now, CreatedBy: a.Email, Expires: now.Add(s.transferTTL)}}}
	r := &p.r
	tid, err := tx.Lookup(storage.PartnersByPubID, target)
	switch {
	case err == nil && file:
		return p, Invalid("target", "partner %s is on this desk: hand the licenses over without a file", target)
	case errors.Is(err, ErrNotFound) && !file:
		return p, Invalid("target", "there is no partner %s on this desk; to hand licenses to another desk, export a transfer file", target)
	case err != nil && !errors.Is(err, ErrNotFound):
		return p, err
	}
	if !file {
		tp, err := getPartner(tx, tid)
		if err != nil {
			return p, err
		}
		if tp.Disabled {
			return p, Invalid("target", "partner %s is disabled and cannot receive licenses", target)
		}
		r.TargetPartnerID, r.TargetName = tp.ID, tp.Name
	} else {
		r.Kind = TransferOutgoing
	}
	p.items = make([]transferItem, 0, len(ids))
	p.licenses = make([]License, 0, len(ids))
	for _, id := range ids {
		l, err := visibleLicense(tx, a, id)
		if errors.Is(err, ErrNotFound) {
			return p, Invalid("license_ids", "there is no license %d", id)
		}
		if err != nil {
			return p, err
		}
		if l.PartnerID == 0 {
			return p, Invalid("license_ids", "license %s belongs to no partner; assign it first", l.Key)
		}
		if r.SourcePartnerID == 0 {
			r.SourcePartnerID = l.PartnerID
		} else if l.PartnerID != r.SourcePartnerID {
			return p, Invalid("license_ids", "the licenses belong to different partners; hand over one partner's licenses at a time")
		}
		if !transferable(l.Status) {
			return p, Invalid("license_ids", "license %s is %s and cannot be transferred", l.Key, l.Status)
		}
		if num, held, err := invoiceHold(tx, id); err != nil {
			return p, err
		} else if held {
			return p, Invalid("license_ids", "license %s is on open invoice %s: pay or void the invoice first, then transfer it", l.Key, num)
		}
		if _, busy := openTransferOf(tx, id); busy {
			return p, Invalid("license_ids", "license %s is already in an open transfer; cancel that one first", l.Key)
		}
		p.items = append(p.items, transferItem{TransferLicense: summarise(&l), PrevStatus: l.Status, PrevAutoRenew: l.AutoRenew})
		p.licenses = append(p.licenses, l)
	}
	if r.SourcePartnerID == r.TargetPartnerID {
		return p, Invalid("target", "the licenses already belong to %s", target)
	}
	if p.source, err = getPartner(tx, r.SourcePartnerID); err != nil {
		return p, err
	}
	r.SourceName, r.SourcePublicID = p.source.Name, p.source.PublicID
	return p, nil
}

// PreviewTransfer checks a hand-over and shows what it would move and to
// whom (the confirm page), writing nothing.
func (s *Service) PreviewTransfer(a Actor, in TransferInput) (Transfer, error) {
	ids, target, err := checkTransferInput(in)
	if err != nil {
		return Transfer{}, err
	}
	var t Transfer
	err = s.db.View(func(tx *storage.Tx) error {
		p, err := s.planTransfer(tx, a, ids, target, in.File)
		if err != nil {
			return err
		}
		t = p.r.Transfer
		t.Licenses = make([]TransferLicense, len(p.items))
		for i, it := range p.items {
			t.Licenses[i] = it.TransferLicense
		}
		return nil
	})
	return t, err
}

// CreateTransfer starts a hand-over of licenses to another partner (F37):
// of this desk, or, with File, of another desk by a signed transfer file
// (F39). The answer carries the secret, shown this once; only its hash is
// kept. The licenses stay usable meanwhile; those leaving by file turn
// read-only (transferring).
func (s *Service) CreateTransfer(a Actor, in TransferInput) (Transfer, error) {
	ids, target, err := checkTransferInput(in)
	if err != nil {
		return Transfer{}, err
	}
	// The expensive hashing happens before the transaction, so a retried
	// transaction repeats nothing random and holds no lock while hashing.
	secret := newTransferSecret()
	hash := hashTransferSecret(secret, newSalt())
	var receiptSalt, receiptCheck []byte
	fileID := ""
	if in.File {
		receiptSalt = newSalt()
		sum := sha256.Sum256(receiptProof(secret, receiptSalt))
		receiptCheck = sum[:]
		fileID = newFileID()
	}
	var out Transfer
	err = s.update(func(tx *storage.Tx) error {
		p, err := s.planTransfer(tx, a, ids, target, in.File)
		if err != nil {
			return err
		}
		r, items, licenses := &p.r, p.items, p.licenses
		r.Hash, r.ReceiptSalt, r.ReceiptCheck, r.FileID = hash, receiptSalt, receiptCheck, fileID
		now := r.Created
		if r.ID, err = tx.NextID(storage.Transfers); err != nil {
			return err
		}
		for _, l := range licenses {
			if err := claimLicense(tx, l.ID, r.ID); err != nil {
				return err
			}
		}
		if in.File {
			if err := claimFileID(tx, fileID, r.ID); err != nil {
				return err
			}
			file, err := s.writeTransferFile(tx, r, &p.source, licenses)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(file)
			r.FileSHA256 = sum[:]
			if err := putTransferBlob(tx, r.ID, blobFile, file); err != nil {
				return err
			}
			moved := make([]License, len(licenses))
			for i, old := range licenses {
				l := old
				l.Status, l.AutoRenew, l.Updated = StatusTransferring, false, now
				moved[i] = l
			}
			if err := putLicenses(tx, licenses, moved); err != nil {
				return err
			}
			for i, l := range moved {
				if err := writeHistoryEntry(tx, HistoryEntry{LicenseID: l.ID, At: now, Actor: a.Email, Action: "transfer_file",
					Field: "status", Old: string(licenses[i].Status), New: string(l.Status), PartnerID: l.PartnerID}); err != nil {
					return err
				}
				if licenses[i].AutoRenew {
					if err := writeHistoryEntry(tx, HistoryEntry{LicenseID: l.ID, At: now, Actor: a.Email, Action: "transfer_file",
						Field: "auto_renew", Old: "true", New: "false", PartnerID: l.PartnerID}); err != nil {
						return err
					}
				}
			}
		}
		if err := putTransferItems(tx, r.ID, items); err != nil {
			return err
		}
		if err := putTransfer(tx, r); err != nil {
			return err
		}
		out = r.Transfer
		return s.audit(tx, a, "transfer.create", fmt.Sprintf("transfer %d", r.ID),
			fmt.Sprintf("%d licenses of %s to %s (%s)", r.Count, r.SourcePublicID, target, r.Kind))
	})
	if err != nil {
		return Transfer{}, err
	}
	out.Secret = secret
	return out, nil
}

func validPublicID(s string) bool {
	if len(s) != 11 || s[:2] != "P-" || s[6] != '-' {
		return false
	}
	for i, c := range []byte(s) {
		if i < 2 || i == 6 {
			continue
		}
		if c > 127 || !containsByte(publicIDAlphabet, c) {
			return false
		}
	}
	return true
}

func containsByte(s string, c byte) bool {
	for i := range len(s) {
		if s[i] == c {
			return true
		}
	}
	return false
}

// TransferFilter picks transfers: "incoming", "outgoing" or "" for all.
type TransferFilter struct {
	Direction string
	State     TransferState
}

// ListTransfers lists the transfers the actor gives or receives (the
// operator: every transfer), newest first, with their state as of now.
func (s *Service) ListTransfers(a Actor, f TransferFilter) ([]Transfer, error) {
	switch f.Direction {
	case "", "incoming", "outgoing":
	default:
		return nil, Invalid("direction", "must be incoming or outgoing, not %q", f.Direction)
	}
	if f.State != "" && !f.State.Valid() {
		return nil, Invalid("state", "must be one of pending, approved, rejected, cancelled, expired, locked")
	}
	out := []Transfer{}
	now := s.now()
	err := s.db.View(func(tx *storage.Tx) error {
		return eachTransfer(tx, func(r *transferRecord) bool {
			if !r.canSee(a) {
				return true
			}
			in := r.Kind == TransferIncoming || r.Kind == TransferLocal && (a.IsOperator() || r.TargetPartnerID == a.PartnerID)
			outg := r.Kind == TransferOutgoing || r.Kind == TransferLocal && (a.IsOperator() || r.SourcePartnerID == a.PartnerID)
			if f.Direction == "incoming" && !in || f.Direction == "outgoing" && !outg {
				return true
			}
			t := r.Transfer
			t.State = t.effectiveState(now)
			if f.State != "" && t.State != f.State {
				return true
			}
			out = append(out, t)
			return true
		})
	})
	return out, err
}

// PendingIncoming counts transfers waiting for the actor's approval (the
// operator: every pending transfer), for the menu.
func (s *Service) PendingIncoming(a Actor) int {
	n := 0
	now := s.now()
	s.db.View(func(tx *storage.Tx) error {
		return eachTransfer(tx, func(r *transferRecord) bool {
			if r.Kind != TransferOutgoing && r.effectiveState(now) == TransferPending &&
				(a.IsOperator() || a.PartnerID != 0 && r.TargetPartnerID == a.PartnerID) {
				n++
			}
			return true
		})
	})
	return n
}

// GetTransfer returns one transfer with its licenses. The receiving
// partner sees what the confirm page names, not the keys, until the
// licenses are its own.
func (s *Service) GetTransfer(a Actor, id uint64) (Transfer, error) {
	var t Transfer
	err := s.db.View(func(tx *storage.Tx) error {
		r, err := visibleTransfer(tx, a, id)
		if err != nil {
			return err
		}
		items, err := transferItems(tx, id)
		if err != nil {
			return err
		}
		t = r.Transfer
		t.State = t.effectiveState(s.now())
		hideKeys := !a.IsOperator() && r.SourcePartnerID != a.PartnerID && t.State != TransferApproved
		t.Licenses = make([]TransferLicense, len(items))
		for i, it := range items {
			t.Licenses[i] = it.TransferLicense
			if hideKeys {
				t.Licenses[i].Key = ""
			}
		}
		return nil
	})
	return t, err
}

// closeTransferTx ends an open transfer: the licenses are free again, and
// those that were read-only while their file was out are back exactly as
// they were before it: their status, and auto-renew if it was on.
func (s *Service) closeTransferTx(tx *storage.Tx, a Actor, r *transferRecord, state TransferState, reason string) error {
	now := s.now()
	items, err := transferItems(tx, r.ID)
	if err != nil {
		return err
	}
	var olds, news []License
	var prev []transferItem
	for _, it := range items {
		if it.LicenseID == 0 || r.Kind == TransferIncoming {
			continue
		}
		if err := releaseLicense(tx, it.LicenseID); err != nil {
			return err
		}
		if r.Kind != TransferOutgoing {
			continue
		}
		old, err := getLicense(tx, it.LicenseID)
		if err != nil || old.Status != StatusTransferring {
			continue
		}
		l := old
		l.Status, l.AutoRenew, l.Updated = it.PrevStatus, it.PrevAutoRenew, now
		olds, news, prev = append(olds, old), append(news, l), append(prev, it)
	}
	if err := putLicenses(tx, olds, news); err != nil {
		return err
	}
	for i, l := range news {
		if err := writeHistoryEntry(tx, HistoryEntry{LicenseID: l.ID, At: now, Actor: a.Email, Action: "transfer_" + string(state),
			Field: "status", Old: string(olds[i].Status), New: string(l.Status), PartnerID: l.PartnerID}); err != nil {
			return err
		}
		if prev[i].PrevAutoRenew {
			if err := writeHistoryEntry(tx, HistoryEntry{LicenseID: l.ID, At: now, Actor: a.Email, Action: "transfer_" + string(state),
				Field: "auto_renew", Old: "false", New: "true", PartnerID: l.PartnerID}); err != nil {
				return err
			}
		}
	}
	r.State, r.Closed, r.ClosedBy, r.Reason = state, &now, a.Email, reason
	if err := putTransfer(tx, r); err != nil {
		return err
	}
	return s.audit(tx, a, "transfer."+string(state), fmt.Sprintf("transfer %d", r.ID), reason)
}

// inOpenTransfer reports whether license id is in an open transfer now.
// One past its time is recorded as expired first, in tx, as approving or
// cancelling it would: its licenses are free again. In a read-only tx
// (a quote) it only counts as not open. Refunds, deletes and renewals
// ask it.
func (s *Service) inOpenTransfer(tx *storage.Tx, id uint64) (bool, error) {
	tid, busy := openTransferOf(tx, id)
	if !busy {
		return false, nil
	}
	r, err := getTransfer(tx, tid)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !tx.Writable() {
		overdue := r.State == TransferPending && r.effectiveState(s.now()) == TransferExpired
		return !overdue, nil
	}
	expired, err := s.expireIfDue(tx, &r)
	return !expired, err
}

// expireIfDue records the expiry of a pending transfer past its time, in
// the caller's transaction, and reports whether it did.
func (s *Service) expireIfDue(tx *storage.Tx, r *transferRecord) (bool, error) {
	if r.State != TransferPending || r.effectiveState(s.now()) != TransferExpired {
		return false, nil
	}
	return true, s.closeTransferTx(tx, System, r, TransferExpired, "its secret was not used before "+r.Expires.Format("2006-01-02 15:04 UTC"))
}

// SweepTransfers records the expiry of every pending transfer past its
// time and frees their licenses. Running it twice changes nothing.
func (s *Service) SweepTransfers() (int, error) {
	var due []uint64
	now := s.now()
	if err := s.db.View(func(tx *storage.Tx) error {
		return eachTransfer(tx, func(r *transferRecord) bool {
			if r.State == TransferPending && r.effectiveState(now) == TransferExpired {
				due = append(due, r.ID)
			}
			return true
		})
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range due {
		err := s.update(func(tx *storage.Tx) error {
			r, err := getTransfer(tx, id)
			if err != nil {
				return err
			}
			_, err = s.expireIfDue(tx, &r)
			return err
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// CancelTransfer withdraws a pending transfer (its giver or the
// operator). Licenses that were leaving by file are usable here again.
func (s *Service) CancelTransfer(a Actor, id uint64) (Transfer, error) {
	return s.endTransfer(a, id, TransferCancelled, "")
}

// RejectTransfer declines a pending transfer (its receiver or the
// operator); the licenses stay with the giver.
func (s *Service) RejectTransfer(a Actor, id uint64, reason string) (Transfer, error) {
	if len(reason) > 500 {
		return Transfer{}, Invalid("reason", "must be at most 500 characters")
	}
	if err := checkOneLine("reason", reason); err != nil {
		return Transfer{}, err
	}
	return s.endTransfer(a, id, TransferRejected, reason)
}

func (s *Service) endTransfer(a Actor, id uint64, state TransferState, reason string) (Transfer, error) {
	var out Transfer
	var closedErr error
	err := s.update(func(tx *storage.Tx) error {
		closedErr = nil
		r, err := visibleTransfer(tx, a, id)
		if err != nil {
			return err
		}
		allowed := state == TransferCancelled && r.isSource(a) && r.Kind != TransferIncoming ||
			state == TransferRejected && r.isTarget(a) && r.Kind != TransferOutgoing ||
			a.IsOperator()
		if !allowed {
			if state == TransferCancelled {
				return Invalid("state", "only the giving partner or the operator can cancel a transfer; reject it instead")
			}
			return Invalid("state", "only the receiving partner or the operator can reject a transfer; cancel it instead")
		}
		if expired, err := s.expireIfDue(tx, &r); err != nil || expired {
			out, closedErr = r.Transfer, transferClosed(&r.Transfer)
			return err
		}
		if r.State != TransferPending {
			return transferClosed(&r.Transfer)
		}
		if err := s.closeTransferTx(tx, a, &r, state, reason); err != nil {
			return err
		}
		out = r.Transfer
		return nil
	})
	if err != nil {
		return Transfer{}, err
	}
	return out, closedErr
}

// ApproveTransfer takes the licenses of a pending transfer with its
// secret (F38). The receiving partner must give the secret; the operator
// may approve an in-desk transfer without it. A wrong secret changes
// nothing but the count of wrong guesses: after MaxSecretGuesses the
// transfer locks. Approval moves every license in one transaction.
func (s *Service) ApproveTransfer(a Actor, id uint64, secret string) (Transfer, error) {
	var pre transferRecord
	if err := s.db.View(func(tx *storage.Tx) error {
		var err error
		pre, err = visibleTransfer(tx, a, id)
		return err
	}); err != nil {
		return Transfer{}, err
	}
	if !pre.isTarget(a) || pre.Kind == TransferOutgoing {
		if pre.Kind == TransferOutgoing {
			return Transfer{}, Invalid("state", "this transfer is approved on the receiving desk; import its receipt here")
		}
		return Transfer{}, Invalid("state", "only the receiving partner or the operator can approve a transfer")
	}
	override := a.IsOperator() && secret == "" && pre.Kind == TransferLocal
	if !override && normaliseSecret(secret) == "" {
		return Transfer{}, Invalid("secret", "enter the secret the giving partner passed to you")
	}
	limitKey := a.PartnerID // the operator's guesses count together
	var guess *time.Time    // this request's guess, counted until known right
	if !override {
		at := s.now()
		if err := s.guesses.take(limitKey, at); err != nil {
			return Transfer{}, err
		}
		guess = &at
	}
	// Hash outside the transaction: it costs tens of milliseconds.
	right := override || pre.Hash.matches(secret)
	var proof []byte
	if right && pre.Kind == TransferIncoming {
		proof = receiptProof(secret, pre.ReceiptSalt)
	}
	var out Transfer
	var after error
	err := s.update(func(tx *storage.Tx) error {
		after = nil
		r, err := visibleTransfer(tx, a, id)
		if err != nil {
			return err
		}
		if expired, err := s.expireIfDue(tx, &r); err != nil || expired {
			out, after = r.Transfer, transferClosed(&r.Transfer)
			return err
		}
		if r.State != TransferPending {
			return transferClosed(&r.Transfer)
		}
		if !override && !slices.Equal(r.Hash.Salt, pre.Hash.Salt) {
			return ErrConflict // cannot happen: a transfer's hash never changes
		}
		if !right {
			r.WrongGuesses++
			left := MaxSecretGuesses - r.WrongGuesses
			if err := s.audit(tx, a, "transfer.wrong_secret", fmt.Sprintf("transfer %d", r.ID), fmt.Sprintf("%d of %d", r.WrongGuesses, MaxSecretGuesses)); err != nil {
				return err
			}
			if left <= 0 {
				reason := fmt.Sprintf("the secret was entered wrongly %d times", r.WrongGuesses)
				if err := s.closeTransferTx(tx, a, &r, TransferLocked, reason); err != nil {
					return err
				}
				out, after = r.Transfer, Conflict("secret", "wrong secret; the transfer is now locked after %d wrong tries. The giving partner must start a new one", MaxSecretGuesses)
				return nil
			}
			if err := putTransfer(tx, &r); err != nil {
				return err
			}
			out, after = r.Transfer, Invalid("secret", "that is not the transfer's secret; %d tries left before it locks", left)
			return nil
		}
		if r.Kind == TransferIncoming {
			err = s.approveIncomingTx(tx, a, &r, proof)
		} else {
			err = s.approveLocalTx(tx, a, &r)
		}
		if err != nil {
			return err
		}
		r.State = TransferApproved
		now := s.now()
		r.Closed, r.ClosedBy = &now, a.Email
		if err := putTransfer(tx, &r); err != nil {
			return err
		}
		out = r.Transfer
		detail := fmt.Sprintf("%d licenses from %s to %s", r.Count, r.SourcePublicID, r.TargetPublicID)
		if override {
			detail += " (operator, without the secret)"
		}
		return s.audit(tx, a, "transfer.approve", fmt.Sprintf("transfer %d", r.ID), detail)
	})
	if guess != nil && (err != nil || after == nil || right) {
		s.guesses.give(limitKey, *guess) // no wrong secret was tried
	}
	if err != nil {
		return Transfer{}, err
	}
	return out, after
}

// approveLocalTx moves the licenses of an in-desk transfer to the target:
// partner and distributor change, customer and registrations travel, the
// giver's private notes do not. Each side's history gets its own part.
func (s *Service) approveLocalTx(tx *storage.Tx, a Actor, r *transferRecord) error {
	tp, err := getPartner(tx, r.TargetPartnerID)
	if err != nil {
		return err
	}
	if tp.Disabled {
		return Invalid("target", "partner %s is disabled and cannot receive licenses", tp.PublicID)
	}
	items, err := transferLicenseIDs(tx, r.ID)
	if err != nil {
		return err
	}
	now := s.now()
	olds := make([]License, 0, len(items))
	news := make([]License, 0, len(items))
	for _, it := range items {
		// Named by id: the receiver sees no key before the licenses are its own.
		old, err := getLicense(tx, it.LicenseID)
		if errors.Is(err, ErrNotFound) || err == nil && old.PartnerID != r.SourcePartnerID {
			return Conflict("licenses", "license %d is no longer %s's; the giver must cancel this transfer and start a new one", it.LicenseID, r.SourceName)
		}
		if err != nil {
			return err
		}
		if !transferable(old.Status) {
			return Conflict("licenses", "license %d is %s since the transfer started and can no longer be transferred; nothing was approved: "+
				"the giver can cancel this transfer (and start one without it), or the receiver reject it", old.ID, old.Status)
		}
		if _, held, err := invoiceHold(tx, old.ID); err != nil {
			return err
		} else if held {
			return Conflict("licenses", "license %d was put on an open invoice of %s since the transfer started; nothing was approved: "+
				"%s must pay or void that invoice first, or cancel this transfer", old.ID, r.SourceName, r.SourceName)
		}
		l := old
		l.Config = maps.Clone(old.Config)
		l.PartnerID, l.DistributorID, l.Notes, l.Updated = tp.ID, tp.DistributorID, "", now
		olds, news = append(olds, old), append(news, l)
	}
	if err := putLicenses(tx, olds, news); err != nil {
		return err
	}
	// Customers belong to a partner: each license's customer link moves to
	// the target's record of the same customer, found or made there.
	if err := linkCustomers(tx, now, olds, news); err != nil {
		return err
	}
	for i, l := range news {
		if err := releaseLicense(tx, l.ID); err != nil {
			return err
		}
		// The giver's part: the license left, and its notes stayed behind.
		if err := writeHistoryEntry(tx, HistoryEntry{LicenseID: l.ID, At: now, Actor: a.Email, Action: "transfer_out",
			Field: "partner_id", Old: r.SourcePublicID, New: tp.PublicID, PartnerID: olds[i].PartnerID}); err != nil {
			return err
		}
		// The receiver's part starts here.
		if err := writeHistoryEntry(tx, HistoryEntry{LicenseID: l.ID, At: now, Actor: a.Email, Action: "transfer_in",
			Field: "partner_id", Old: r.SourcePublicID, New: tp.PublicID, PartnerID: tp.ID}); err != nil {
			return err
		}
	}
	return nil
}

// licenseTransfer is the open transfer a license is in, for its page.
func (s *Service) LicenseTransfer(a Actor, licenseID uint64) (Transfer, bool) {
	var t Transfer
	found := false
	s.db.View(func(tx *storage.Tx) error {
		if _, err := visibleLicense(tx, a, licenseID); err != nil {
			return nil
		}
		id, ok := openTransferOf(tx, licenseID)
		if !ok {
			return nil
		}
		r, err := getTransfer(tx, id)
		if err != nil || !r.canSee(a) {
			return nil
		}
		t, found = r.Transfer, true
		t.State = t.effectiveState(s.now())
		return nil
	})
	return t, found
}
