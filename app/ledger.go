package app

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"licensedesk/storage"
)

// Kinds of balance entries.
const (
	LedgerTopUp      = "topup"      // prepaid funds received
	LedgerCorrection = "correction" // operator fix, either sign
	LedgerPurchase   = "purchase"   // paid from the balance
	LedgerRefund     = "refund"     // returned to the balance
)

// LedgerEntry is one movement of a partner's balance. The balance is the
// sum of the entries; a running balance kept beside them in the same
// transactions makes reading it cheap.
type LedgerEntry struct {
	ID        uint64    `json:"id"`
	PartnerID uint64    `json:"partner_id"`
	Amount    int64     `json:"amount"` // minor units, signed
	Currency  string    `json:"currency"`
	Kind      string    `json:"kind"`
	Reason    string    `json:"reason"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
	Balance   int64     `json:"balance"` // running balance after this entry, stored with it
}

// BalanceInput records a top-up or correction.
type BalanceInput struct {
	Amount int64  `json:"amount"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

// balance is a partner's running balance, kept in the balances bucket
// and changed only by addLedger in the same transaction as the entry it
// adds, so a purchase costs the same however long the ledger is.
func balance(tx *storage.Tx, partnerID uint64) int64 {
	raw := tx.Bucket([]byte(storage.Balances)).Get(storage.EncodeID(partnerID))
	if len(raw) != 8 {
		return 0
	}
	return int64(storage.DecodeID(raw))
}

// ledgerSum adds up a partner's entries: what the running balance must
// equal (checked by tests).
func ledgerSum(tx *storage.Tx, partnerID uint64) int64 {
	var sum int64
	tx.Each(storage.Ledger, storage.EncodeID(partnerID), func(k, v []byte) bool {
		var e LedgerEntry
		if jsonUnmarshal(v, &e) == nil {
			if s, err := addMoney(sum, e.Amount); err == nil {
				sum = s
			}
		}
		return true
	})
	return sum
}

// ShortfallError is a payment the balance does not cover (F19).
type ShortfallError struct {
	Balance, Cost, Short Money
}

func (e *ShortfallError) Error() string {
	return fmt.Sprintf("the balance is %s and this costs %s: %s short", e.Balance, e.Cost, e.Short)
}

// addLedger appends an entry in tx and moves the running balance,
// refusing one that would take the balance below zero (F19) or past
// what an int64 holds.
func (s *Service) addLedger(tx *storage.Tx, a Actor, p Partner, amount int64, kind, reason string) (LedgerEntry, error) {
	if err := checkAmount("amount", amount); err != nil {
		return LedgerEntry{}, err
	}
	bal := balance(tx, p.ID)
	after, err := addMoney(bal, amount)
	if err != nil || after > MaxBalance {
		return LedgerEntry{}, Invalid("amount", "the balance is %s; this would take it above the largest balance the desk keeps (%s)", Money{bal, p.Currency}, Money{MaxBalance, p.Currency})
	}
	if after < 0 {
		if kind == LedgerPurchase {
			return LedgerEntry{}, &ShortfallError{Money{bal, p.Currency}, Money{-amount, p.Currency}, Money{-after, p.Currency}}
		}
		return LedgerEntry{}, Invalid("amount", "the balance is %s; this would take it below zero", Money{bal, p.Currency})
	}
	id, err := tx.NextID(storage.Ledger)
	if err != nil {
		return LedgerEntry{}, err
	}
	e := LedgerEntry{ID: id, PartnerID: p.ID, Amount: amount, Currency: p.Currency, Kind: kind, Reason: reason, By: a.Email, At: s.now(), Balance: after}
	if err := tx.PutRaw(storage.Ledger, storage.Key(storage.EncodeID(p.ID), id), appendLedgerJSON(make([]byte, 0, 192), &e)); err != nil {
		return LedgerEntry{}, err
	}
	if err := tx.PutRaw(storage.Balances, storage.EncodeID(p.ID), storage.EncodeID(uint64(after))); err != nil {
		return LedgerEntry{}, err
	}
	if err := tx.AddCount(storage.LedgerCounts, storage.EncodeID(p.ID), 1); err != nil {
		return LedgerEntry{}, err
	}
	return e, s.audit(tx, a, "balance."+kind, p.PublicID, Money{amount, p.Currency}.String()+" "+reason)
}

// RecordBalance records a top-up (positive) or a correction (either sign)
// with its reason (operator only).
func (s *Service) RecordBalance(a Actor, partnerID uint64, in BalanceInput) (LedgerEntry, error) {
	if err := a.requireOperator(); err != nil {
		return LedgerEntry{}, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	switch in.Kind {
	case LedgerTopUp:
		if in.Amount <= 0 {
			return LedgerEntry{}, Invalid("amount", "a top-up must be more than zero")
		}
		if err := checkAmount("amount", in.Amount); err != nil {
			return LedgerEntry{}, err
		}
	case LedgerCorrection:
		if in.Amount == 0 {
			return LedgerEntry{}, Invalid("amount", "a correction must not be zero")
		}
	default:
		return LedgerEntry{}, Invalid("kind", "must be topup or correction, not %q", in.Kind)
	}
	if in.Reason == "" {
		return LedgerEntry{}, Invalid("reason", "say why the balance changes (payment reference, correction reason)")
	}
	if len(in.Reason) > 500 {
		return LedgerEntry{}, Invalid("reason", "must be at most 500 characters")
	}
	var e LedgerEntry
	err := s.update(func(tx *storage.Tx) error {
		p, err := getPartner(tx, partnerID)
		if err != nil {
			return err
		}
		e, err = s.addLedger(tx, a, p, in.Amount, in.Kind, in.Reason)
		return err
	})
	return e, err
}

// Account is what a partner sees of its own account: terms, balance and
// one page of its ledger.
type Account struct {
	Partner     Partner       `json:"partner"`
	Distributor *Partner      `json:"distributor,omitempty"`
	Balance     Money         `json:"balance"`
	Entries     []LedgerEntry `json:"entries"`  // one page, newest first by default
	Total       int           `json:"total"`    // entries in the whole ledger
	Page        int           `json:"page"`     // the page Entries is
	PerPage     int           `json:"per_page"` // entries on a full page
}

// Pages is the number of pages of entries.
func (acc Account) Pages() int {
	return Page[LedgerEntry]{Total: acc.Total, PerPage: acc.PerPage}.Pages()
}

// GetAccount returns a partner's account with the first page of its
// balance history, newest first (GetAccountPage for another page).
func (s *Service) GetAccount(a Actor, partnerID uint64) (Account, error) {
	return s.GetAccountPage(a, partnerID, ListParams{})
}

// GetAccountPage returns a partner's account with one page of its
// balance history. The page is read in the ledger's key order (partner
// id | entry id) from whichever end is nearer, and the total is the
// partner's entry counter, so the first pages cost the same however long
// the ledger is. Sorts: -created (default, newest first) or created; the
// entries take no filters.
func (s *Service) GetAccountPage(a Actor, partnerID uint64, p ListParams) (Account, error) {
	if !a.canSeePartner(partnerID) {
		return Account{}, ErrNotFound
	}
	p = p.norm()
	acc := Account{Page: p.Page, PerPage: p.PerPage}
	err := s.db.View(func(tx *storage.Tx) error {
		pt, err := getPartner(tx, partnerID)
		if err != nil {
			return err
		}
		// Asked of an account the actor may see: another's stays a 404
		// whatever is asked.
		newest, err := ledgerSort(p)
		if err != nil {
			return err
		}
		acc.Partner = pt
		if pt.DistributorID != 0 {
			if d, err := getPartner(tx, pt.DistributorID); err == nil {
				acc.Distributor = &d
			}
		}
		acc.Balance = Money{balance(tx, partnerID), pt.Currency}
		acc.Total = int(tx.GetCount(storage.LedgerCounts, storage.EncodeID(partnerID)))
		acc.Entries, err = ledgerPage(tx, partnerID, acc.Total, (p.Page-1)*p.PerPage, p.PerPage, newest)
		return err
	})
	return acc, err
}

// ledgerSort reads the balance history's sort and refuses any filter.
func ledgerSort(p ListParams) (newest bool, err error) {
	for k := range p.Filters {
		return false, Invalid(k, "is not a filter of the balance entries; they take none (page, per_page and sort=created or -created only)")
	}
	switch p.Sort {
	case "", "-created":
		return true, nil
	case "created":
		return false, nil
	}
	return false, Invalid("sort", "cannot sort the balance entries by %q; use created (oldest first) or -created (newest first)", p.Sort)
}

// ledgerPage reads the entries at positions [skip, skip+n) of a
// partner's ledger of total entries, newest first or oldest first,
// walking the keys from the nearer end and decoding only those returned.
func ledgerPage(tx *storage.Tx, partnerID uint64, total, skip, n int, newest bool) ([]LedgerEntry, error) {
	out := []LedgerEntry{}
	if skip >= total {
		return out, nil
	}
	n = min(n, total-skip)
	fromEnd := newest
	if skip > (total-n)/2 {
		// Nearer the other end: walk from there and turn the page round.
		fromEnd, skip = !fromEnd, total-skip-n
	}
	var err error
	i := 0
	visit := func(k, v []byte) bool {
		if i++; i <= skip {
			return true
		}
		var e LedgerEntry
		if err = jsonUnmarshal(v, &e); err != nil {
			err = fmt.Errorf("ledger entry %x: %w", k, err)
			return false
		}
		out = append(out, e)
		return len(out) < n
	}
	if fromEnd {
		tx.EachReverse(storage.Ledger, storage.EncodeID(partnerID), visit)
	} else {
		tx.Each(storage.Ledger, storage.EncodeID(partnerID), visit)
	}
	if fromEnd != newest {
		slices.Reverse(out)
	}
	return out, err
}
