package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"licensedesk/storage"
)

// Reminders (F33). One digest mail per partner, weekly (reminder_day) and
// on demand, listing the licenses expiring within 30 days without
// auto-renew, the auto-renew licenses whose renewal the balance will not
// cover (with the shortfall) and the coupons whose activation deadline
// falls within 30 days. The customer gets a mail 3 days before expiry when
// the partner has not renewed, unless the partner switched those off.
// Every mail goes through the outbox, in the transaction that writes its
// marker (renew_store.go): none is sent twice for the same license (or
// partner) and date.

// Reminder windows.
const (
	DigestDays       = 30 // what the digest looks ahead
	CustomerMailDays = 3  // the customer's mail comes this long before expiry
)

// DigestLicense is a license listed in a digest.
type DigestLicense struct {
	ID       uint64    `json:"id"`
	Key      string    `json:"key"`
	Name     string    `json:"name"`
	Customer string    `json:"customer,omitempty"`
	Date     time.Time `json:"date"` // expiry, or the activation deadline of a coupon
}

// Digest is one partner's reminder digest.
type Digest struct {
	PartnerID   uint64          `json:"partner_id"`
	PartnerName string          `json:"partner_name"`
	Email       string          `json:"email,omitempty"`
	Day         time.Time       `json:"day"`
	Expiring    []DigestLicense `json:"expiring"` // manual renewal, expiring within 30 days
	Short       []RenewCover    `json:"auto_renew_short"`
	Balance     Money           `json:"balance"`
	Needed      Money           `json:"needed"`  // the auto-renew shortfall
	Coupons     []DigestLicense `json:"coupons"` // unused, activation deadline within 30 days
}

// Empty reports whether the digest has nothing to tell.
func (d Digest) Empty() bool { return len(d.Expiring)+len(d.Short)+len(d.Coupons) == 0 }

// Text is the digest's mail body.
func (d Digest) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\nyour licenses for the next %d days, as of %s.\n", d.PartnerName, DigestDays, d.Day.Format(time.DateOnly))
	if len(d.Expiring) > 0 {
		fmt.Fprintf(&b, "\nExpiring without auto-renew (%d): renew them, or they lapse.\n", len(d.Expiring))
		for _, l := range d.Expiring {
			fmt.Fprintf(&b, "  %s  %s  %s  expires %s\n", l.Key, l.Name, l.Customer, l.Date.Format(time.DateOnly))
		}
	}
	if len(d.Short) > 0 {
		fmt.Fprintf(&b, "\nAuto-renew not covered by your balance of %s (%d): add %s.\n", d.Balance, len(d.Short), d.Needed)
		for _, it := range d.Short {
			fmt.Fprintf(&b, "  %s  %s  expires %s  renewal %s\n", it.Key, it.Name, it.ValidTo.Format(time.DateOnly), it.Cost)
		}
	}
	if len(d.Coupons) > 0 {
		fmt.Fprintf(&b, "\nUnused licenses about to lapse (%d): activate them before the deadline.\n", len(d.Coupons))
		for _, l := range d.Coupons {
			fmt.Fprintf(&b, "  %s  %s  activate by %s\n", l.Key, l.Name, l.Date.Format(time.DateOnly))
		}
	}
	return b.String()
}

// digestFor builds partner pid's digest as of now, reading the partner's
// active licenses up to the window's end (expiry-sorted index) and its
// unused ones.
func (s *Service) digestFor(tx *storage.Tx, pid uint64, now time.Time) (Digest, error) {
	p, err := getPartner(tx, pid)
	if err != nil {
		return Digest{}, err
	}
	until := now.AddDate(0, 0, DigestDays)
	d := Digest{PartnerID: p.ID, PartnerName: p.Name, Email: p.Email, Day: now, Expiring: []DigestLicense{}, Short: []RenewCover{}, Coupons: []DigestLicense{},
		Balance: Money{balance(tx, p.ID), p.Currency}, Needed: Money{0, p.Currency}}
	tx.Each(storage.LicenseIndex, validPrefix(maskPartner|maskStatus, p.ID, StatusActive, 0), func(k, _ []byte) bool {
		at, id := decodeSortID(k)
		if at > until.Unix() {
			return false
		}
		var l License
		if l, err = getLicense(tx, id); err != nil {
			return false
		}
		if !l.AutoRenew && l.ValidTo != nil {
			d.Expiring = append(d.Expiring, DigestLicense{l.ID, l.Key, l.Name, l.Customer, *l.ValidTo})
		}
		return true
	})
	if err != nil {
		return Digest{}, err
	}
	covers, err := s.autoRenewCover(tx, p.ID, until)
	if err != nil {
		return Digest{}, err
	}
	for _, pc := range covers {
		if sh := pc.Short(); len(sh) > 0 {
			d.Short, d.Needed = sh, pc.Needed
		}
	}
	tx.Each(storage.LicenseIndex, validPrefix(maskPartner|maskStatus, p.ID, StatusOrdered, 0), func(k, _ []byte) bool {
		_, id := decodeSortID(k)
		var l License
		if l, err = getLicense(tx, id); err != nil {
			return false
		}
		if l.ValidFrom == nil && !l.ActivateBy.After(until) && l.ActivateBy.After(now) {
			d.Coupons = append(d.Coupons, DigestLicense{l.ID, l.Key, l.Name, l.Customer, l.ActivateBy})
		}
		return true
	})
	return d, err
}

// PreviewDigest is the digest partnerID would get now, without sending.
func (s *Service) PreviewDigest(a Actor, partnerID uint64) (Digest, error) {
	if !a.IsOperator() {
		if partnerID != 0 && partnerID != a.PartnerID {
			return Digest{}, ErrNotFound
		}
		partnerID = a.PartnerID
	}
	if partnerID == 0 {
		return Digest{}, Invalid("partner_id", "name the partner whose digest to show")
	}
	var d Digest
	err := s.db.View(func(tx *storage.Tx) (err error) {
		d, err = s.digestFor(tx, partnerID, s.now())
		return err
	})
	return d, err
}

// sendDigest queues partner pid's digest for day, once: false when there
// is nothing to tell, no address, or it was sent for that day already.
func (s *Service) sendDigest(pid uint64, day time.Time) (bool, error) {
	sent := false
	err := s.update(func(tx *storage.Tx) error {
		sent = false
		if marked(tx, famDigestMail, pid, day) {
			return nil
		}
		d, err := s.digestFor(tx, pid, s.now())
		if err != nil || d.Empty() || d.Email == "" {
			return err
		}
		if _, err := markOnce(tx, famDigestMail, pid, day, s.now()); err != nil {
			return err
		}
		subject := fmt.Sprintf("Licenses to look after: %d expiring, %d auto-renew short, %d coupons lapsing", len(d.Expiring), len(d.Short), len(d.Coupons))
		if _, err := s.queueMail(tx, MailInput{Kind: "reminder_digest", PartnerID: pid, Ref: "partner:" + uintStr(pid),
			To: []string{d.Email}, Subject: subject, Text: d.Text()}); err != nil {
			return err
		}
		sent = true
		return nil
	})
	return sent, err
}

// SendDigestNow sends partnerID's digest on demand. The digest goes once
// a day: asking again the same day (or on the weekly day after the job)
// is a conflict that says so.
func (s *Service) SendDigestNow(a Actor, partnerID uint64) (Digest, error) {
	d, err := s.PreviewDigest(a, partnerID)
	if err != nil {
		return d, err
	}
	switch {
	case d.Empty():
		return d, Invalid("partner_id", "nothing to remind %s of in the next %d days", d.PartnerName, DigestDays)
	case d.Email == "":
		return d, Invalid("partner_id", "%s has no email address for reminders", d.PartnerName)
	}
	sent, err := s.sendDigest(d.PartnerID, dayOf(s.now()))
	if err != nil {
		return d, err
	}
	if !sent {
		return d, Conflict("partner_id", "today's digest was sent already; it is in the outbox")
	}
	return d, nil
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// SendDigests sends the weekly digest for day to every partner with
// something due: the partners are found through the due-time index, so
// only the licenses due in the window are read.
func (s *Service) SendDigests(day time.Time) (int, error) {
	partners := map[uint64]bool{}
	var order []uint64
	until := s.now().AddDate(0, 0, DigestDays)
	if err := s.db.View(func(tx *storage.Tx) error {
		tx.Each(storage.LicenseIndex, []byte{famDue}, func(k, _ []byte) bool {
			at, id := decodeSortID(k)
			if at > until.Unix() {
				return false
			}
			l, err := getLicense(tx, id)
			if err != nil || l.PartnerID == 0 || partners[l.PartnerID] {
				return true
			}
			partners[l.PartnerID] = true
			order = append(order, l.PartnerID)
			return true
		})
		return nil
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, pid := range order {
		sent, err := s.sendDigest(pid, dayOf(day))
		if err != nil {
			return n, err
		}
		if sent {
			n++
		}
	}
	return n, nil
}

// SendCustomerMails mails each customer whose license expires on the
// day 3 days after period's (UTC) or sooner and has not been renewed,
// once per license and expiry date, unless its partner switched customer
// mails off. By date, not by the hour: a license ending on 2 March at
// 09:00 is mailed on 27 February, three days before.
func (s *Service) SendCustomerMails(period time.Time) (int, error) {
	now := s.now()
	before := dayOf(period).AddDate(0, 0, CustomerMailDays+1) // the day after the last day mailed
	var due []uint64
	if err := s.db.View(func(tx *storage.Tx) error {
		c := tx.Cursor(storage.LicenseIndex)
		for k, _ := c.Seek(appendSortID([]byte{famDue}, now.Unix(), 0)); k != nil && k[0] == famDue; k, _ = c.Next() {
			at, id := decodeSortID(k)
			if at >= before.Unix() {
				break
			}
			due = append(due, id)
		}
		return nil
	}); err != nil {
		return 0, err
	}
	n := 0
	for chunk := range slices.Chunk(due, sweepBatch) {
		m := 0
		err := s.update(func(tx *storage.Tx) error {
			m = 0
			for _, id := range chunk {
				l, err := getLicense(tx, id)
				if err != nil || l.Status != StatusActive || l.ValidTo == nil || l.CustomerEmail == "" || !l.ValidTo.Before(before) {
					continue
				}
				if customerMailsOff(tx, l.PartnerID) {
					continue
				}
				if err := CheckMailAddress("customer_email", l.CustomerEmail); err != nil {
					// Stored before addresses were checked everywhere: one
					// such license must not hold back every other's mail.
					s.log.Warn("customer expiry mail not sent: the license's customer email cannot be mailed", "license", l.ID, "err", err)
					continue
				}
				fresh, err := markOnce(tx, famCustomerMail, l.ID, *l.ValidTo, now)
				if err != nil {
					return err
				}
				if !fresh {
					continue
				}
				who := l.Customer
				if who == "" {
					who = "customer"
				}
				text := fmt.Sprintf("Hello %s,\n\nyour license %s (%s %s) expires on %s.\nPlease contact your reseller to renew it.\n", who, l.Key, l.ProductName, l.Edition, l.ValidTo.Format(time.DateOnly))
				if _, err := s.queueMail(tx, MailInput{Kind: "customer_expiry", PartnerID: l.PartnerID, Ref: "license:" + uintStr(l.ID),
					To: []string{l.CustomerEmail}, Subject: fmt.Sprintf("Your license %s expires on %s", l.Key, l.ValidTo.Format(time.DateOnly)), Text: text}); err != nil {
					return err
				}
				m++
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

func (s *Service) runDigests(_ context.Context, period time.Time) error {
	if s.now().Sub(period) >= 7*24*time.Hour {
		return nil // a week missed while the desk was down: only the latest one is sent
	}
	n, err := s.SendDigests(period)
	if n > 0 {
		s.log.Info("reminder digests queued", "count", n)
	}
	return err
}

func (s *Service) runCustomerMails(_ context.Context, period time.Time) error {
	n, err := s.SendCustomerMails(period)
	if n > 0 {
		s.log.Info("customer expiry mails queued", "count", n)
	}
	return err
}

// CustomerMails reports whether partnerID's customers get expiry mails.
func (s *Service) CustomerMails(a Actor, partnerID uint64) (bool, error) {
	if !a.canSeePartner(partnerID) {
		return false, ErrNotFound
	}
	on := false
	err := s.db.View(func(tx *storage.Tx) error {
		if _, err := getPartner(tx, partnerID); err != nil {
			return err
		}
		on = !customerMailsOff(tx, partnerID)
		return nil
	})
	return on, err
}

// SetCustomerMails switches partnerID's customer expiry mails on or off.
func (s *Service) SetCustomerMails(a Actor, partnerID uint64, on bool) error {
	if !a.canSeePartner(partnerID) {
		return ErrNotFound
	}
	return s.update(func(tx *storage.Tx) error {
		p, err := getPartner(tx, partnerID)
		if err != nil {
			return err
		}
		if err := setCustomerMailsOff(tx, partnerID, !on); err != nil {
			return err
		}
		return s.audit(tx, a, "partner.customer_mails", p.PublicID, fmt.Sprintf("on=%t", on))
	})
}
