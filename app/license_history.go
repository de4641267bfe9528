package app

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"licensedesk/storage"
)

// HistoryEntry is one change of one field of a license (F12).
type HistoryEntry struct {
	ID        uint64    `json:"id"`
	LicenseID uint64    `json:"license_id"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"`
	Field     string    `json:"field,omitempty"`
	Old       string    `json:"old,omitempty"`
	New       string    `json:"new,omitempty"`
	PartnerID uint64    `json:"partner_id,omitempty"` // owner when written: a partner reads the entries of its own time
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// historyFields lists what the history compares, as strings. The
// administrator password is shown as set/changed, never its value.
var historyFields = []struct {
	name string
	get  func(l *License) string
}{
	{"name", func(l *License) string { return l.Name }},
	{"status", func(l *License) string { return string(l.Status) }},
	{"payment_status", func(l *License) string { return string(l.Payment) }},
	{"edition", func(l *License) string { return l.Edition }},
	{"seats", func(l *License) string { return strconv.Itoa(l.Seats) }},
	{"period_months", func(l *License) string { return strconv.Itoa(l.PeriodMonths) }},
	{"valid_from", func(l *License) string { return fmtTime(l.ValidFrom) }},
	{"valid_to", func(l *License) string { return fmtTime(l.ValidTo) }},
	{"auto_renew", func(l *License) string { return strconv.FormatBool(l.AutoRenew) }},
	{"auto_renew_months", func(l *License) string { return strconv.Itoa(l.AutoRenewMonths) }},
	{"ip", func(l *License) string { return l.IP }},
	{"admin_password", func(l *License) string {
		if len(l.AdminPassword) == 0 {
			return ""
		}
		return fmt.Sprintf("(set, %x)", l.AdminPassword[len(l.AdminPassword)-4:])
	}},
	{"registration_key", func(l *License) string { return l.RegistrationKey }},
	{"registrations", func(l *License) string {
		n := len(l.Registrations)
		return strconv.Itoa(n) + " " + plural(n, "machine", "machines")
	}},
	{"customer", func(l *License) string { return l.Customer }},
	{"customer_email", func(l *License) string { return l.CustomerEmail }},
	{"partner_id", func(l *License) string { return uintStr(l.PartnerID) }},
	{"notes", func(l *License) string { return l.Notes }},
	{"config", func(l *License) string {
		keys := slices.Sorted(maps.Keys(l.Config))
		var b strings.Builder
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k + "=" + l.Config[k])
		}
		return b.String()
	}},
}

// historyChange is one field of a stored history record that changed
// several fields at once.
type historyChange struct {
	Field string `json:"field"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
}

// historyRecord is how the history is stored, one record a write: a
// single entry as it is read, or, when one write changed several fields
// (a purchase sets seven), their shared id, time, actor, action and owner
// once and each field in Changes; the field in Changes[i] is the entry
// with id ID+i. A purchase's history is then one short record instead of
// seven of two hundred bytes each, which the commit would write and sync.
type historyRecord struct {
	HistoryEntry
	Changes []historyChange `json:"changes,omitempty"`
}

// appendEntries appends the entries r holds to out, newest (highest id)
// first.
func (r *historyRecord) appendEntries(out []HistoryEntry) []HistoryEntry {
	if len(r.Changes) == 0 {
		return append(out, r.HistoryEntry)
	}
	for i := len(r.Changes) - 1; i >= 0; i-- {
		e := r.HistoryEntry
		e.ID += uint64(i)
		e.Field, e.Old, e.New = r.Changes[i].Field, r.Changes[i].Old, r.Changes[i].New
		out = append(out, e)
	}
	return out
}

// eachHistory calls fn with each history entry of license id, newest
// (highest id) first, until fn returns false. It is the one reader of the
// stored records: a record of several fields gives one entry each.
func eachHistory(tx *storage.Tx, id uint64, fn func(e HistoryEntry) bool) error {
	var err error
	var buf []HistoryEntry
	tx.EachReverse(storage.LicenseHistory, storage.EncodeID(id), func(k, v []byte) bool {
		var r historyRecord
		if err = jsonUnmarshal(v, &r); err != nil {
			return false
		}
		buf = r.appendEntries(buf[:0])
		for _, e := range buf {
			if !fn(e) {
				return false
			}
		}
		return true
	})
	return err
}

// writeHistory records every field that differs between old and l (all
// set fields for a new license) in the caller's transaction, as one record.
func (s *Service) writeHistory(tx *storage.Tx, a Actor, action string, old, l *License) error {
	var changes []historyChange
	for _, f := range historyFields {
		var o string
		if old != nil {
			o = f.get(old)
		}
		n := f.get(l)
		if o == n || old == nil && (n == "" || n == "0" || n == "false" || n == "0 machines") {
			continue
		}
		if f.name == "admin_password" {
			o, n = maskSecret(o), maskSecret(n)
		}
		changes = append(changes, historyChange{Field: f.name, Old: o, New: n})
	}
	e := HistoryEntry{LicenseID: l.ID, At: s.now(), Actor: a.Email, Action: action, PartnerID: l.PartnerID}
	if len(changes) <= 1 {
		if len(changes) == 1 {
			e.Field, e.Old, e.New = changes[0].Field, changes[0].Old, changes[0].New
		}
		return writeHistoryEntry(tx, e)
	}
	first, err := tx.NextIDs(storage.LicenseHistory, uint64(len(changes)))
	if err != nil {
		return err
	}
	e.ID = first
	r := historyRecord{HistoryEntry: e, Changes: changes}
	if err := tx.PutRaw(storage.LicenseHistory, storage.Key(storage.EncodeID(l.ID), first), appendHistoryRecordJSON(make([]byte, 0, 128+48*len(changes)), &r)); err != nil {
		return err
	}
	return countHistory(tx, l.ID, e.PartnerID, int64(len(changes)))
}

// countHistory adds n entries to a license's history counters: all its
// entries, and those of the owner's time (what that partner reads).
func countHistory(tx *storage.Tx, licenseID, owner uint64, n int64) error {
	if err := tx.AddCount(storage.HistoryCounts, storage.EncodeID(licenseID), n); err != nil {
		return err
	}
	return tx.AddCount(storage.HistoryCounts, storage.Key(storage.EncodeID(licenseID), owner), n)
}

// historyTotal is the number of history entries of license id the actor
// reads: all for the operator, those of its own time for a partner.
func historyTotal(tx *storage.Tx, a Actor, licenseID uint64) int {
	if a.IsOperator() {
		return int(tx.GetCount(storage.HistoryCounts, storage.EncodeID(licenseID)))
	}
	return int(tx.GetCount(storage.HistoryCounts, storage.Key(storage.EncodeID(licenseID), a.PartnerID)))
}

// migrateHistoryCounts fills the history counters from the entries
// already written: one pass in key order, a license at a time.
func migrateHistoryCounts(tx *storage.Tx) error {
	var cur uint64
	counts := map[uint64]int64{} // owner -> entries of the current license
	flush := func() error {
		for owner, n := range counts {
			if err := countHistory(tx, cur, owner, n); err != nil {
				return err
			}
		}
		clear(counts)
		return nil
	}
	var err error
	tx.Each(storage.LicenseHistory, nil, func(k, v []byte) bool {
		if lid := storage.DecodeID(k); lid != cur {
			if err = flush(); err != nil {
				return false
			}
			cur = lid
		}
		var r historyRecord
		if err = jsonUnmarshal(v, &r); err != nil {
			err = fmt.Errorf("history entry %x: %w", k, err)
			return false
		}
		counts[r.PartnerID] += int64(max(len(r.Changes), 1))
		return true
	})
	if err != nil {
		return err
	}
	return flush()
}

// sameLicense reports whether every field the history compares is equal.
func sameLicense(a, b *License) bool {
	for _, f := range historyFields {
		if f.get(a) != f.get(b) {
			return false
		}
	}
	return slices.EqualFunc(a.Registrations, b.Registrations, func(x, y Registration) bool {
		return x.Machine == y.Machine && x.Hostname == y.Hostname && x.At.Equal(y.At)
	})
}

func maskSecret(v string) string {
	if v == "" {
		return ""
	}
	return "••••••"
}

// historyReadable refuses, as not found, a license whose history a may
// not read: a partner reads its own licenses' history, and a license
// deleted for it is gone, history included, as GET answers; the
// operator reads every license's, deleted ones too.
func historyReadable(tx *storage.Tx, a Actor, id uint64) error {
	l, err := rawLicense(tx, id)
	if err != nil {
		return err
	}
	if !a.IsOperator() && (a.PartnerID == 0 || l.PartnerID != a.PartnerID || l.Deleted != nil) {
		return ErrNotFound
	}
	return nil
}

// historyShown reports whether a reads entry e: the operator every entry,
// a partner those written in its own time as owner.
func historyShown(a Actor, e HistoryEntry) bool {
	return a.IsOperator() || e.PartnerID == a.PartnerID
}

// LicenseHistory returns a license's changes, newest first. It stays
// readable after the license is deleted. A partner sees the entries of
// its own time as owner, not what a previous owner did with the license.
func (s *Service) LicenseHistory(a Actor, id uint64) ([]HistoryEntry, error) {
	out := []HistoryEntry{}
	err := s.db.View(func(tx *storage.Tx) error {
		if err := historyReadable(tx, a, id); err != nil {
			return err
		}
		return eachHistory(tx, id, func(e HistoryEntry) bool {
			if historyShown(a, e) {
				out = append(out, e)
			}
			return true
		})
	})
	return out, err
}

// stoppedUse is when license id last stopped being in use, from its
// history: the newest status change from a status in use (active, in
// progress, being transferred) to one that is not. A license suspended
// and then expired stopped at its suspension. ok is false when the
// history has no such change.
func stoppedUse(tx *storage.Tx, id uint64) (at time.Time, ok bool) {
	inUse := func(st string) bool {
		return st == string(StatusActive) || st == string(StatusInProgress) || st == string(StatusTransferring)
	}
	if eachHistory(tx, id, func(e HistoryEntry) bool {
		if e.Field != "status" {
			return true
		}
		if inUse(e.New) {
			return false // in use after its last stop: none to report
		}
		if inUse(e.Old) {
			at, ok = e.At, true
			return false
		}
		return true
	}) != nil {
		return time.Time{}, false
	}
	return at, ok
}

// LicenseHistoryPage is LicenseHistory as one page of a list, newest
// first (its only order), with the exact total: the API's history takes
// page and per_page like every list, and refuses a filter or a sort it
// does not have rather than ignore it. The total is the license's
// history counter and the page is read from the newest end, stopping
// after it, so the first pages cost the same however long the history
// is.
func (s *Service) LicenseHistoryPage(a Actor, id uint64, p ListParams) (Page[HistoryEntry], error) {
	p = p.norm()
	out := Page[HistoryEntry]{Page: p.Page, PerPage: p.PerPage, Items: []HistoryEntry{}}
	err := s.db.View(func(tx *storage.Tx) error {
		if err := historyReadable(tx, a, id); err != nil {
			return err
		}
		// Asked of a license the actor may see: another's stays a 404
		// whatever is asked.
		if err := p.fixedOrder("this list", "-at", "the history is listed newest first (-at)"); err != nil {
			return err
		}
		out.Total = historyTotal(tx, a, id)
		skip := (p.Page - 1) * p.PerPage
		if skip >= out.Total {
			return nil
		}
		seen := 0
		return eachHistory(tx, id, func(e HistoryEntry) bool {
			if !historyShown(a, e) {
				return true
			}
			if seen++; seen > skip {
				out.Items = append(out.Items, e)
			}
			return len(out.Items) < p.PerPage
		})
	})
	return out, err
}

// writeHistoryEntry records one entry for the given owner's eyes, for a
// change that is not a plain field diff (a transfer writes one part for
// the giving partner and one for the receiving one).
func writeHistoryEntry(tx *storage.Tx, e HistoryEntry) error {
	id, err := tx.NextID(storage.LicenseHistory)
	if err != nil {
		return err
	}
	e.ID = id
	if err := tx.PutRaw(storage.LicenseHistory, storage.Key(storage.EncodeID(e.LicenseID), id), appendHistoryJSON(make([]byte, 0, 256), &e)); err != nil {
		return err
	}
	return countHistory(tx, e.LicenseID, e.PartnerID, 1)
}

// writeHistoryNote records a note on a license's history in the caller's
// transaction, such as why a coupon was cancelled ("used to renew <key>").
func (s *Service) writeHistoryNote(tx *storage.Tx, a Actor, action string, l *License, note string) error {
	return writeHistoryEntry(tx, HistoryEntry{
		LicenseID: l.ID, At: s.now(), Actor: a.Email, Action: action, Field: "reason", New: note, PartnerID: l.PartnerID,
	})
}
