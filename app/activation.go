package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"licensedesk/storage"
)

// Activation by link (F34) and by the partner for a customer (F35).

// ErrActivationLink is any activation link that cannot be used: mistyped,
// used, revoked or replaced. One answer for all, so a link cannot be
// probed.
var ErrActivationLink = errors.New("this activation link is not valid: it was already used, revoked or replaced by a new one, or the address is incomplete; ask your reseller for a new link")

// activationPathPrefix is where activation links point.
const activationPathPrefix = "/activate/"

// Limits of the public activation page per address in limitWindow:
// failed link or code attempts, and codes mailed.
const (
	activationFailsPerAddr = 20
	activationCodeTTL      = 15 * time.Minute
	activationCodeTries    = 5
)

// ActivationOffer is what the public activation page shows: the license
// without any price or partner-internal detail.
type ActivationOffer struct {
	Product      string    `json:"product"`
	Edition      string    `json:"edition"`
	Seats        int       `json:"seats"`
	PeriodMonths int       `json:"period_months"`
	ActivateBy   time.Time `json:"activate_by"`
	Reseller     string    `json:"reseller,omitempty"`
}

// ActivationDone is the outcome of an activation.
type ActivationDone struct {
	License  LicenseView `json:"license"`
	Customer Customer    `json:"customer"`
	MailID   uint64      `json:"mail_id"`
}

// ActivationLink is a license's link as its partner sees it.
type ActivationLink struct {
	Path    string     `json:"path,omitempty"` // empty when the license is not unused or the link is revoked
	Revoked bool       `json:"revoked"`
	UsedAt  *time.Time `json:"used_at,omitempty"`
	UsedBy  string     `json:"used_by,omitempty"`
}

// unusedLicense reports why a license cannot be activated now, or nil.
func unusedLicense(l *License, now time.Time) error {
	if l.Deleted != nil || l.Status.ReadOnly() {
		return ErrNotFound
	}
	if l.Status != StatusOrdered {
		return Conflict("status", "the license is already %s; only an unused license is activated", l.Status)
	}
	if !now.Before(l.ActivateBy) {
		return Conflict("status", "the license was not activated by %s and has lapsed", l.ActivateBy.Format("2006-01-02"))
	}
	return nil
}

// activationPathTx is the path of an unused license's live link, "" when
// it has none (used, revoked, not unused).
func (s *Service) activationPathTx(tx *storage.Tx, l *License) (string, error) {
	if unusedLicense(l, s.now()) != nil {
		return "", nil
	}
	st, err := getActivationState(tx, l.ID)
	if err != nil || st.Revoked {
		return "", err
	}
	tok, err := activationToken(tx, l.ID, st.Gen)
	if err != nil {
		return "", err
	}
	return activationPathPrefix + tok, nil
}

// GetActivationLink is the link of a license the actor may see.
func (s *Service) GetActivationLink(a Actor, id uint64) (ActivationLink, error) {
	var out ActivationLink
	err := s.db.View(func(tx *storage.Tx) error {
		l, err := visibleLicense(tx, a, id)
		if err != nil {
			return err
		}
		st, err := getActivationState(tx, id)
		if err != nil {
			return err
		}
		out = ActivationLink{Revoked: st.Revoked, UsedAt: st.UsedAt, UsedBy: st.UsedBy}
		out.Path, err = s.activationPathTx(tx, &l)
		return err
	})
	return out, err
}

// changeActivationLink regenerates or revokes a license's link.
func (s *Service) changeActivationLink(a Actor, id uint64, action string, fn func(st *activationState)) (ActivationLink, error) {
	err := s.update(func(tx *storage.Tx) error {
		l, err := visibleLicense(tx, a, id)
		if err != nil {
			return err
		}
		if err := unusedLicense(&l, s.now()); err != nil {
			return err
		}
		st, err := getActivationState(tx, id)
		if err != nil {
			return err
		}
		fn(&st)
		if err := putActivationState(tx, id, st); err != nil {
			return err
		}
		if err := deleteActivationCode(tx, id); err != nil {
			return err
		}
		return writeHistoryEntry(tx, HistoryEntry{LicenseID: id, At: s.now(), Actor: a.Email, Action: action, PartnerID: l.PartnerID})
	})
	if err != nil {
		return ActivationLink{}, err
	}
	return s.GetActivationLink(a, id)
}

// RegenerateActivationLink replaces a license's link with a new one; the
// old link stops working.
func (s *Service) RegenerateActivationLink(a Actor, id uint64) (ActivationLink, error) {
	return s.changeActivationLink(a, id, "activation_link.regenerate", func(st *activationState) {
		st.Gen++
		st.Revoked = false
	})
}

// RevokeActivationLink voids a license's link until a new one is made.
func (s *Service) RevokeActivationLink(a Actor, id uint64) (ActivationLink, error) {
	return s.changeActivationLink(a, id, "activation_link.revoke", func(st *activationState) { st.Revoked = true })
}

// linkMailsPerLicense bounds how many times one license's link is mailed
// in limitWindow: enough to resend a lost mail or correct an address, not
// enough to use the desk's mail server against someone's inbox.
const linkMailsPerLicense = 5

// MailActivationLink mails a license's link to a customer through the
// outbox. baseURL is the desk's public address.
func (s *Service) MailActivationLink(a Actor, id uint64, to, baseURL string) (Mail, error) {
	to = normEmail(to)
	key := "license:" + uintStr(id)
	var m Mail
	var taken *time.Time // this request's use of the limit, kept across runs
	err := s.update(func(tx *storage.Tx) error {
		l, err := visibleLicense(tx, a, id)
		if err != nil {
			return err
		}
		if err := validEmail("email", to); err != nil {
			return err
		}
		// Asked only of the license's own partner or the operator, so the
		// limit tells nobody else the license exists. Checked and counted
		// at once (take), so requests racing cannot all pass the check;
		// once per request, though the transaction may run again.
		if taken == nil {
			now := s.now()
			if !s.linkMails.take(key, now) {
				return ErrRateLimited
			}
			taken = &now
		}
		if err := unusedLicense(&l, s.now()); err != nil {
			return err
		}
		path, err := s.activationPathTx(tx, &l)
		if err != nil {
			return err
		}
		if path == "" {
			return Conflict("status", "the link is revoked; make a new one first")
		}
		text := fmt.Sprintf("Hello,\n\nyour license for %s (%s, %d %s, %d months) is ready to activate.\nOpen this link to activate it:\n\n  %s%s\n\nThe link can be used once, until %s.\n",
			l.ProductName, l.Edition, l.Seats, plural(l.Seats, "seat", "seats"), l.PeriodMonths, strings.TrimRight(baseURL, "/"), path, l.ActivateBy.Format("2 January 2006"))
		m, err = s.queueMail(tx, MailInput{Kind: "activation_link", PartnerID: l.PartnerID, Ref: "license:" + uintStr(l.ID),
			To: []string{to}, Subject: "Activate your " + l.ProductName + " license", Text: text})
		if err != nil {
			return err
		}
		return writeHistoryEntry(tx, HistoryEntry{LicenseID: id, At: s.now(), Actor: a.Email, Action: "activation_link.mail", New: to, PartnerID: l.PartnerID})
	})
	if err != nil && taken != nil {
		s.linkMails.give(key, *taken) // nothing was mailed
	}
	return m, err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// linkLicense resolves a token for the public page, counting failures
// per address. For read transactions only: writes use linkFind and count
// after the transaction (linkMissed).
func (s *Service) linkLicense(tx *storage.Tx, token, addr string) (License, error) {
	var miss lookupMiss
	l, err := s.linkFind(tx, token, addr, &miss)
	s.linkMissed(addr, miss)
	return l, err
}

// linkFind is linkLicense without counting: a dead link sets *miss.
func (s *Service) linkFind(tx *storage.Tx, token, addr string, miss *lookupMiss) (License, error) {
	*miss = false
	if s.activationLimits.blocked(addr, s.now()) {
		return License{}, ErrRateLimited
	}
	id, _, ok := parseActivationToken(tx, token)
	if ok {
		l, err := rawLicense(tx, id)
		if err == nil && unusedLicense(&l, s.now()) == nil {
			return l, nil
		}
	}
	*miss = true
	return License{}, ErrActivationLink
}

// linkMissed counts a dead link against addr, once.
func (s *Service) linkMissed(addr string, miss lookupMiss) {
	if miss {
		s.activationFailed(addr)
	}
}

func (s *Service) activationFailed(addr string) {
	if !s.activationLimits.fail(addr, s.now()) {
		return
	}
	s.clientBG.run(func() {
		if err := s.update(func(tx *storage.Tx) error {
			return s.audit(tx, Actor{Email: "activation page", Addr: addr}, "activation.locked", addr, "too many invalid activation links or codes: refused for a while")
		}); err != nil {
			s.log.Error("audit a locked activation address", "addr", addr, "err", err)
		}
	})
}

// GetActivationOffer is what the public page shows for a link.
func (s *Service) GetActivationOffer(token, addr string) (ActivationOffer, error) {
	var o ActivationOffer
	err := s.db.View(func(tx *storage.Tx) error {
		l, err := s.linkLicense(tx, token, addr)
		if err != nil {
			return err
		}
		o = ActivationOffer{Product: l.ProductName, Edition: l.Edition, Seats: l.Seats, PeriodMonths: l.PeriodMonths, ActivateBy: l.ActivateBy}
		var p Product
		if tx.Get(storage.Products, storage.EncodeID(l.ProductID), &p) == nil {
			for _, e := range p.Editions {
				if e.Code == l.Edition && e.Name != "" {
					o.Edition = e.Name
				}
			}
		}
		if p, err := getPartner(tx, l.PartnerID); err == nil {
			o.Reseller = p.Name
		}
		return nil
	})
	return o, err
}

// ActivateAsNewCustomer activates by link for a new customer record.
func (s *Service) ActivateAsNewCustomer(token, addr string, in CustomerInput) (ActivationDone, error) {
	in.PartnerID = nil
	var done ActivationDone
	var miss lookupMiss
	defer func() { s.linkMissed(addr, miss) }()
	err := s.update(func(tx *storage.Tx) error {
		done = ActivationDone{}
		l, err := s.linkFind(tx, token, addr, &miss)
		if err != nil {
			return err
		}
		email := ""
		if in.Email != nil {
			email = normEmail(*in.Email)
		}
		a := Actor{Email: email, Addr: addr}
		c, err := s.createCustomerTx(tx, a, l.PartnerID, in)
		if errors.Is(err, ErrConflict) {
			return Conflict("email", "a customer with this email is already known: choose \"I am an existing customer\" and confirm the address with a code")
		}
		if err != nil {
			return err
		}
		done, err = s.activateTx(tx, a, l, c, "link")
		return err
	})
	return done, err
}

// SendActivationCode mails a 6-digit code to an existing customer of the
// license's partner. It answers the same whether or not the address is
// known, so the page cannot be used to look addresses up.
func (s *Service) SendActivationCode(token, addr, email string) error {
	email = normEmail(email)
	if err := validEmail("email", email); err != nil {
		return err
	}
	var miss lookupMiss
	err := s.update(func(tx *storage.Tx) error {
		l, err := s.linkFind(tx, token, addr, &miss)
		if err != nil {
			return err
		}
		c, err := customerByEmail(tx, l.PartnerID, email)
		if errors.Is(err, ErrNotFound) {
			return deleteActivationCode(tx, l.ID)
		}
		if err != nil {
			return err
		}
		code, err := sixDigits()
		if err != nil {
			return err
		}
		if err := putActivationCode(tx, l.ID, activationCode{Email: email, Customer: c.ID, Hash: s.codeHash(tx, l.ID, code),
			Expires: s.now().Add(activationCodeTTL)}); err != nil {
			return err
		}
		_, err = s.queueMail(tx, MailInput{Kind: "activation_code", PartnerID: l.PartnerID, Ref: "license:" + uintStr(l.ID), To: []string{email},
			Subject: "Your activation code: " + code,
			Text: fmt.Sprintf("Hello %s,\n\nenter this code on the activation page to activate %s (%s):\n\n  %s\n\nIt is valid for 15 minutes. If you did not ask for it, ignore this mail.\n",
				c.Name, l.ProductName, l.Edition, code)})
		return err
	})
	// Counted once, after the transaction: a dead link as a failure, and
	// every code asked for (mailed or not, the answer is the same)
	// against the address.
	s.linkMissed(addr, miss || err == nil)
	return err
}

func sixDigits() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1000000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

func (s *Service) codeHash(tx *storage.Tx, id uint64, code string) []byte {
	m := hmac.New(sha256.New, tx.GetRaw(storage.Secrets, activationSecretName))
	m.Write([]byte("code"))
	m.Write(storage.EncodeID(id))
	m.Write([]byte(code))
	return m.Sum(nil)
}

// errBadCode is a wrong, expired or used-up confirmation code.
var errBadCode = Invalid("code", "the code is wrong or has expired; ask for a new one")

// ActivateAsExistingCustomer activates by link for the existing customer
// whose address the code confirms.
func (s *Service) ActivateAsExistingCustomer(token, addr, email, code string) (ActivationDone, error) {
	email = normEmail(email)
	code = strings.TrimSpace(code)
	var done ActivationDone
	var wrong bool
	var after error // a wrong code: its try is committed, then this is the answer
	var miss lookupMiss
	defer func() { s.linkMissed(addr, miss) }()
	err := s.update(func(tx *storage.Tx) error {
		done, wrong, after = ActivationDone{}, false, nil
		l, err := s.linkFind(tx, token, addr, &miss)
		if err != nil {
			return err
		}
		pending, ok, err := getActivationCode(tx, l.ID)
		if err != nil {
			return err
		}
		if !ok || pending.Email != email || !s.now().Before(pending.Expires) || pending.Tries >= activationCodeTries {
			wrong = true
			return errBadCode
		}
		if len(code) != 6 || !hmac.Equal(pending.Hash, s.codeHash(tx, l.ID, code)) {
			// Counted in this transaction, which commits the count and
			// answers errBadCode after it: a try racing this one sees it
			// (a count in a later transaction let any number of tries
			// through before the first was counted).
			wrong, after = true, errBadCode
			return countCodeTry(tx, l.ID, pending)
		}
		c, err := getCustomer(tx, pending.Customer)
		if err != nil {
			return errBadCode
		}
		done, err = s.activateTx(tx, Actor{Email: c.Email, Addr: addr}, l, c, "link")
		return err
	})
	if wrong {
		s.activationFailed(addr)
	}
	if err == nil && after != nil {
		return ActivationDone{}, after
	}
	return done, err
}

// countCodeTry records a wrong code against license id's pending code in
// tx; after activationCodeTries the code is void.
func countCodeTry(tx *storage.Tx, id uint64, pending activationCode) error {
	pending.Tries++
	if pending.Tries >= activationCodeTries {
		return deleteActivationCode(tx, id)
	}
	return putActivationCode(tx, id, pending)
}

// CustomerChoice picks the customer to activate for: an existing record
// (ID) or a new one (New).
type CustomerChoice struct {
	ID  uint64         `json:"customer_id"`
	New *CustomerInput `json:"new_customer"`
}

// ActivateForCustomer activates a license for a customer (F35): the
// partner picks or creates the customer; the customer gets the mail.
func (s *Service) ActivateForCustomer(a Actor, id uint64, ch CustomerChoice) (ActivationDone, error) {
	var done ActivationDone
	err := s.update(func(tx *storage.Tx) error {
		done = ActivationDone{}
		l, err := visibleLicense(tx, a, id)
		if err != nil {
			return err
		}
		if (ch.ID == 0) == (ch.New == nil) {
			return Invalid("customer_id", "pick a customer or enter a new one")
		}
		if err := unusedLicense(&l, s.now()); err != nil {
			return err
		}
		var c Customer
		if ch.ID != 0 {
			c, err = visibleCustomer(tx, a, ch.ID)
			if errors.Is(err, ErrNotFound) || err == nil && c.PartnerID != l.PartnerID {
				return Invalid("customer_id", "there is no customer %d of this license's partner", ch.ID)
			}
		} else {
			in := *ch.New
			in.PartnerID = nil
			c, err = s.createCustomerTx(tx, a, l.PartnerID, in)
		}
		if err != nil {
			return err
		}
		done, err = s.activateTx(tx, a, l, c, "partner")
		return err
	})
	return done, err
}

// activateTx activates an unused license for customer c in the caller's
// transaction: it starts the period (F7), records who and when, links the
// customer record, uses up the link and mails the customer the key and a
// license file. Everything it does is inside tx, so a retried
// transaction is safe.
func (s *Service) activateTx(tx *storage.Tx, a Actor, old License, c Customer, via string) (ActivationDone, error) {
	now := s.now()
	if err := unusedLicense(&old, now); err != nil {
		return ActivationDone{}, err
	}
	l := old
	l.Customer, l.CustomerEmail = c.Name, c.Email
	if c.Company != "" {
		l.Customer = c.Name + " (" + c.Company + ")"
	}
	startPeriod(&l, now)
	l.Updated = now
	if err := putLicense(tx, &old, &l); err != nil {
		return ActivationDone{}, err
	}
	if err := s.writeHistory(tx, a, "activate."+via, &old, &l); err != nil {
		return ActivationDone{}, err
	}
	if err := linkLicenseCustomer(tx, l.ID, c.ID); err != nil {
		return ActivationDone{}, err
	}
	st, err := getActivationState(tx, l.ID)
	if err != nil {
		return ActivationDone{}, err
	}
	st.UsedAt, st.UsedBy = &now, a.Email
	if err := putActivationState(tx, l.ID, st); err != nil {
		return ActivationDone{}, err
	}
	if err := deleteActivationCode(tx, l.ID); err != nil {
		return ActivationDone{}, err
	}
	file, err := s.licenseFileTx(tx, &l, "")
	if err != nil {
		return ActivationDone{}, err
	}
	key := FormatKey(NormaliseKey(l.Key))
	text := fmt.Sprintf("Hello %s,\n\nyour license is active.\n\n  Product:     %s\n  Edition:     %s\n  Seats:       %d\n  Valid:       %s to %s\n  License key: %s\n\nEnter the key in the software, which activates itself online. For a machine without network, the attached license file lets the software verify the license offline; it is valid until %s, and the software fetches a newer one when it can.\n",
		c.Name, l.ProductName, l.Edition, l.Seats, l.ValidFrom.Format("2 January 2006"), l.ValidTo.Format("2 January 2006"), key,
		now.Add(LicenseFileTTL).Format("2 January 2006"))
	m, err := s.queueMail(tx, MailInput{Kind: "activation", PartnerID: l.PartnerID, Ref: "license:" + uintStr(l.ID), To: []string{c.Email},
		Subject: "Your " + l.ProductName + " license key", Text: text,
		Attachments: []Attachment{{Name: "license-" + NormaliseKey(l.Key)[:5] + ".lic", ContentType: "text/plain", Data: file}}})
	if err != nil {
		return ActivationDone{}, err
	}
	return ActivationDone{License: l.view(), Customer: c, MailID: m.ID}, nil
}
