package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"licensedesk/storage"
)

// Auto-renew (F32): a daily job renews, from the balance, every active
// license with auto-renew on that expires within auto_renew_days. When
// the balance is short the renewal is not made: the partner gets a mail
// (once a day) and a red banner on the dashboard naming the licenses and
// the sum needed, and the job tries again the next day until the license
// expires. A renewed license's valid_to leaves the window, so running the
// job twice renews once; after downtime the runner catches up day by
// day, and a license that expired while the desk was down (the expiry
// sweep runs after this job) is renewed counting from its expiry.

// DefaultAutoRenewDays is auto_renew_days when the config names none.
const DefaultAutoRenewDays = 7

// autoRenewActor is who the history and audit name for the job.
var autoRenewActor = Actor{Email: "auto-renew", Role: RoleOperator}

// autoRenewChunk bounds the licenses one auto-renew transaction renews.
const autoRenewChunk = 500

// ParseWeekday reads a weekday name in English ("monday", "Mon").
func ParseWeekday(s string) (time.Weekday, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		n := strings.ToLower(d.String())
		if s == n || len(s) >= 3 && strings.HasPrefix(n, s) {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%q is not a weekday", s)
}

// RenewCover is an auto-renew license due in a window, with what its next
// renewal costs and whether the balance covers it.
type RenewCover struct {
	LicenseID uint64    `json:"license_id"`
	Key       string    `json:"key"`
	Name      string    `json:"name"`
	Customer  string    `json:"customer,omitempty"`
	ValidTo   time.Time `json:"valid_to"`
	Cost      Money     `json:"cost"`
	Covered   bool      `json:"covered"`
	Problem   string    `json:"problem,omitempty"` // why it cannot renew at all (product no longer sold, ...)
}

// PartnerCover is one partner's auto-renew licenses due in a window: in
// expiry order, the balance pays for each until one does not fit; that
// one and every later one are short.
type PartnerCover struct {
	PartnerID   uint64       `json:"partner_id"`
	PartnerName string       `json:"partner_name"`
	Balance     Money        `json:"balance"`
	Items       []RenewCover `json:"items"`
	Needed      Money        `json:"needed"` // what the balance lacks to renew every one
}

// Short lists the licenses the balance does not cover.
func (pc PartnerCover) Short() []RenewCover {
	var out []RenewCover
	for _, it := range pc.Items {
		if !it.Covered {
			out = append(out, it)
		}
	}
	return out
}

// autoRenewCover walks the active licenses that expire by until (one
// partner's, or all when partnerID is 0) through the expiry-sorted list
// index, so it reads only the licenses due; it keeps those with
// auto-renew on and prices their next renewal.
func (s *Service) autoRenewCover(tx *storage.Tx, partnerID uint64, until time.Time) ([]PartnerCover, error) {
	prefix := validPrefix(maskStatus, 0, StatusActive, 0)
	if partnerID != 0 {
		prefix = validPrefix(maskPartner|maskStatus, partnerID, StatusActive, 0)
	}
	byPartner := map[uint64]*PartnerCover{}
	var order []uint64
	var err error
	lk := newRenewLookup()
	tx.Each(storage.LicenseIndex, prefix, func(k, _ []byte) bool {
		at, id := decodeSortID(k)
		if at > until.Unix() {
			return false
		}
		var l License
		if l, err = getLicense(tx, id); err != nil {
			return false
		}
		if !l.AutoRenew || l.Status != StatusActive || l.ValidTo == nil {
			return true
		}
		pc := byPartner[l.PartnerID]
		if pc == nil {
			pc = &PartnerCover{PartnerID: l.PartnerID}
			if p, perr := getPartner(tx, l.PartnerID); perr == nil {
				pc.PartnerName = p.Name
				pc.Balance = Money{balance(tx, p.ID), p.Currency}
				pc.Needed = Money{0, p.Currency}
			}
			byPartner[l.PartnerID] = pc
			order = append(order, l.PartnerID)
		}
		it := RenewCover{LicenseID: l.ID, Key: l.Key, Name: l.Name, Customer: l.Customer, ValidTo: *l.ValidTo}
		pl, perr := s.planRenewal(tx, autoRenewActor, l, RenewInput{Periods: 1}, 1, true, lk)
		if perr != nil {
			it.Problem = perr.Error()
		} else {
			it.Cost = pl.total()
		}
		pc.Items = append(pc.Items, it)
		return true
	})
	if err != nil {
		return nil, err
	}
	out := make([]PartnerCover, 0, len(order))
	for _, id := range order {
		pc := byPartner[id]
		left, short := pc.Balance.Amount, false
		for i := range pc.Items {
			it := &pc.Items[i]
			if it.Problem == "" && !short && it.Cost.Amount <= left {
				it.Covered = true
				left -= it.Cost.Amount
				continue
			}
			short = true
			pc.Needed.Amount += it.Cost.Amount
		}
		if pc.Needed.Amount > 0 {
			pc.Needed.Amount -= left
		}
		out = append(out, *pc)
	}
	return out, nil
}

// AutoRenewShortfalls lists, per partner the actor may see, the
// auto-renew licenses due within auto_renew_days that the balance does
// not cover and the sum needed: the dashboard's red banner.
func (s *Service) AutoRenewShortfalls(a Actor) ([]PartnerCover, error) {
	pid := uint64(0)
	if !a.IsOperator() {
		if a.PartnerID == 0 {
			return nil, nil
		}
		pid = a.PartnerID
	}
	var out []PartnerCover
	err := s.db.View(func(tx *storage.Tx) error {
		all, err := s.autoRenewCover(tx, pid, s.now().AddDate(0, 0, s.autoRenewDays))
		if err != nil {
			return err
		}
		for _, pc := range all {
			if len(pc.Short()) > 0 {
				pc.Items = pc.Short()
				out = append(out, pc)
			}
		}
		return nil
	})
	return out, err
}

// AutoRenewReport is what one auto-renew run did.
type AutoRenewReport struct {
	Renewed int // licenses renewed
	Short   int // licenses not renewed for want of balance (or another problem)
	Mails   int // shortfall mails queued
}

// AutoRenew renews the auto-renew licenses due by period + auto_renew_days
// (F32). It is the job's work for the day period stands for; running it
// again for the same day renews nothing twice and mails nobody twice.
func (s *Service) AutoRenew(period time.Time) (AutoRenewReport, error) {
	var rep AutoRenewReport
	until := period.AddDate(0, 0, s.autoRenewDays)
	var covers []PartnerCover
	if err := s.db.View(func(tx *storage.Tx) (err error) {
		covers, err = s.autoRenewCover(tx, 0, until)
		return err
	}); err != nil {
		return rep, err
	}
	for _, pc := range covers {
		var ids []uint64
		for _, it := range pc.Items {
			if it.Covered {
				ids = append(ids, it.LicenseID)
			}
		}
		for chunk := range slices.Chunk(ids, autoRenewChunk) {
			n, err := s.autoRenewChunk(pc.PartnerID, chunk, until)
			if err != nil {
				return rep, err
			}
			rep.Renewed += n
		}
		short := pc.Short()
		if len(short) == 0 {
			continue
		}
		rep.Short += len(short)
		sent, err := s.mailShortfall(pc, period)
		if err != nil {
			return rep, err
		}
		if sent {
			rep.Mails++
		}
	}
	return rep, nil
}

// autoRenewChunk renews the licenses of one partner in one transaction,
// each checked again inside it: a license renewed meanwhile (by hand, or
// by an earlier run that crashed before recording itself) has left the
// window and is skipped, and so is one that another partner holds now (a
// transfer approved since the licenses were picked: it is renewed on its
// new partner's run, never on this partner's money); a balance that no
// longer covers one stops there.
func (s *Service) autoRenewChunk(partner uint64, ids []uint64, until time.Time) (int, error) {
	n := 0
	err := s.update(func(tx *storage.Tx) error {
		n = 0
		var plans []renewPlan
		var cost int64
		lk := newRenewLookup() // fn may run again: a fresh cache each run
		for _, id := range ids {
			l, err := getLicense(tx, id)
			if err != nil || l.PartnerID != partner || !l.AutoRenew || l.Status != StatusActive || l.ValidTo == nil || l.ValidTo.After(until) {
				continue
			}
			pl, err := s.planRenewal(tx, autoRenewActor, l, RenewInput{Periods: 1}, 1, true, lk)
			if err != nil {
				continue
			}
			if cost+pl.line.Total > balance(tx, pl.partner.ID) {
				break
			}
			cost += pl.line.Total
			plans = append(plans, pl)
		}
		if len(plans) == 0 {
			return nil
		}
		if _, _, err := s.applyRenewals(tx, autoRenewActor, plans, RenewInput{Payment: RenewPayBalance}, "auto_renew"); err != nil {
			return err
		}
		n = len(plans)
		return nil
	})
	return n, err
}

// mailShortfall tells the partner, once per day, which auto-renewals the
// balance does not cover and what is needed.
func (s *Service) mailShortfall(pc PartnerCover, day time.Time) (bool, error) {
	sent := false
	err := s.update(func(tx *storage.Tx) error {
		sent = false
		p, err := getPartner(tx, pc.PartnerID)
		if err != nil || p.Email == "" {
			return nil // no one to mail: the dashboard banner still says it
		}
		fresh, err := markOnce(tx, famShortMail, p.ID, day, s.now())
		if err != nil || !fresh {
			return err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Hello %s,\n\nThese licenses renew themselves automatically, but your balance of %s does not cover their renewal:\n\n", p.Name, pc.Balance)
		for _, it := range pc.Short() {
			fmt.Fprintf(&b, "  %s  %s  expires %s  renewal %s", it.Key, it.Name, it.ValidTo.Format(time.DateOnly), it.Cost)
			if it.Problem != "" {
				fmt.Fprintf(&b, "  (cannot renew: %s)", it.Problem)
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "\nAdd %s to your balance and they renew on the next daily run; until a license expires we try again every day.\n", pc.Needed)
		_, err = s.queueMail(tx, MailInput{Kind: "auto_renew_short", PartnerID: p.ID, Ref: "partner:" + uintStr(p.ID),
			To: []string{p.Email}, Subject: fmt.Sprintf("Auto-renewal needs %s more on your balance", pc.Needed), Text: b.String()})
		sent = err == nil
		return err
	})
	return sent, err
}

func (s *Service) runAutoRenew(_ context.Context, period time.Time) error {
	rep, err := s.AutoRenew(period)
	if rep.Renewed > 0 || rep.Short > 0 {
		s.log.Info("auto-renew", "period", period, "renewed", rep.Renewed, "short", rep.Short, "mails", rep.Mails)
	}
	return err
}
