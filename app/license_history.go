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
	{"registrations", func(l *License) string { return strconv.Itoa(len(l.Registrations)) + " machines" }},
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
	return tx.PutRaw(storage.LicenseHistory, storage.Key(storage.EncodeID(l.ID), first), appendHistoryRecordJSON(make([]byte, 0, 128+48*len(changes)), &r))
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

// LicenseHistory returns a license's changes, newest first. It stays
// readable after the license is deleted. A partner sees the entries of
// its own time as owner, not what a previous owner did with the license.
func (s *Service) LicenseHistory(a Actor, id uint64) ([]HistoryEntry, error) {
	out := []HistoryEntry{}
	err := s.db.View(func(tx *storage.Tx) error {
		l, err := rawLicense(tx, id)
		if err != nil {
			return err
		}
		// A partner's deleted license is gone for it, history included,
		// as GET answers; the operator keeps reading it.
		if !a.IsOperator() && (a.PartnerID == 0 || l.PartnerID != a.PartnerID || l.Deleted != nil) {
			return ErrNotFound
		}
		return eachHistory(tx, id, func(e HistoryEntry) bool {
			if a.IsOperator() || e.PartnerID == a.PartnerID {
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
// does not have rather than ignore it.
func (s *Service) LicenseHistoryPage(a Actor, id uint64, p ListParams) (Page[HistoryEntry], error) {
	h, err := s.LicenseHistory(a, id)
	if err != nil {
		return Page[HistoryEntry]{}, err
	}
	if len(p.Filters) > 0 {
		k := slices.Sorted(maps.Keys(p.Filters))[0]
		return Page[HistoryEntry]{}, Invalid(k, "is not a filter of this list; it has none")
	}
	if p.Sort != "" && p.Sort != "-at" {
		return Page[HistoryEntry]{}, Invalid("sort", "the history is listed newest first (-at); there is no other order")
	}
	p = p.norm()
	out := Page[HistoryEntry]{Total: len(h), Page: p.Page, PerPage: p.PerPage, Items: []HistoryEntry{}}
	if start := (p.Page - 1) * p.PerPage; start < len(h) {
		out.Items = h[start:min(start+p.PerPage, len(h))]
	}
	return out, nil
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
	return tx.PutRaw(storage.LicenseHistory, storage.Key(storage.EncodeID(e.LicenseID), id), appendHistoryJSON(make([]byte, 0, 256), &e))
}

// writeHistoryNote records a note on a license's history in the caller's
// transaction, such as why a coupon was cancelled ("used to renew <key>").
func (s *Service) writeHistoryNote(tx *storage.Tx, a Actor, action string, l *License, note string) error {
	return writeHistoryEntry(tx, HistoryEntry{
		LicenseID: l.ID, At: s.now(), Actor: a.Email, Action: action, Field: "reason", New: note, PartnerID: l.PartnerID,
	})
}
