package app

import (
	"slices"
	"time"

	"licensedesk/storage"
)

// AuditEntry records who did what, when and from where.
type AuditEntry struct {
	ID     uint64    `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target,omitempty"`
	Detail string    `json:"detail,omitempty"`
	Addr   string    `json:"addr,omitempty"`
}

// audit writes an entry in the caller's transaction.
func (s *Service) audit(tx *storage.Tx, a Actor, action, target, detail string) error {
	id, err := tx.NextID(storage.Audit)
	if err != nil {
		return err
	}
	e := AuditEntry{ID: id, At: s.now(), Actor: a.Email, Action: action, Target: target, Detail: detail, Addr: a.Addr}
	if err := tx.PutRaw(storage.Audit, storage.EncodeID(id), appendAuditJSON(make([]byte, 0, 192), &e)); err != nil {
		return err
	}
	return tx.AddCount(storage.AuditCount, auditCountKey, 1)
}

// auditCountKey is the audit log's entry counter (entries are never
// deleted).
var auditCountKey = []byte("all")

// migrateAuditCount fills the audit log's entry counter from the
// entries already written.
func migrateAuditCount(tx *storage.Tx) error {
	return tx.AddCount(storage.AuditCount, auditCountKey, int64(tx.Count(storage.Audit)))
}

// ListAudit returns the newest audit entries first (operator only).
func (s *Service) ListAudit(a Actor, p ListParams) (Page[AuditEntry], error) {
	if err := a.requireOperator(); err != nil {
		return Page[AuditEntry]{}, err
	}
	if err := p.only("action", "actor"); err != nil {
		return Page[AuditEntry]{}, err
	}
	if p.Sort != "" && p.Sort != "-at" {
		return Page[AuditEntry]{}, Invalid("sort", "the audit log lists newest first: sort by -at or leave sort out, not %q", p.Sort)
	}
	p = p.norm()
	out := Page[AuditEntry]{Page: p.Page, PerPage: p.PerPage, Items: []AuditEntry{}}
	action := p.Filter("action")
	actor := p.Filter("actor")
	skip := (p.Page - 1) * p.PerPage
	err := s.db.View(func(tx *storage.Tx) error {
		if action == "" && actor == "" {
			// The whole log: the total is its counter and the page is
			// read from the nearer end of the keys, so the dashboard's
			// latest entries cost the same however long the log is.
			out.Total = int(tx.GetCount(storage.AuditCount, auditCountKey))
			var err error
			out.Items, err = auditPage(tx, out.Total, skip, p.PerPage)
			return err
		}
		var err error
		tx.EachReverse(storage.Audit, nil, func(k, v []byte) bool {
			var e AuditEntry
			if err = jsonUnmarshal(v, &e); err != nil {
				return false
			}
			if !containsFold(e.Action, action) || !containsFold(e.Actor, actor) {
				return true
			}
			out.Total++
			if out.Total > skip && len(out.Items) < p.PerPage {
				out.Items = append(out.Items, e)
			}
			return true
		})
		return err
	})
	return out, err
}

// auditPage reads the entries at positions [skip, skip+n) of the log's
// total entries, newest first, walking the keys from the nearer end and
// decoding only those returned.
func auditPage(tx *storage.Tx, total, skip, n int) ([]AuditEntry, error) {
	out := []AuditEntry{}
	if skip >= total {
		return out, nil
	}
	n = min(n, total-skip)
	fromEnd := true
	if skip > (total-n)/2 {
		fromEnd, skip = false, total-skip-n
	}
	var err error
	i := 0
	visit := func(k, v []byte) bool {
		if i++; i <= skip {
			return true
		}
		var e AuditEntry
		if err = jsonUnmarshal(v, &e); err != nil {
			return false
		}
		out = append(out, e)
		return len(out) < n
	}
	if fromEnd {
		tx.EachReverse(storage.Audit, nil, visit)
	} else {
		tx.Each(storage.Audit, nil, visit)
		slices.Reverse(out)
	}
	return out, err
}

// AuditBackup records that the actor took a backup (operator only).
func (s *Service) AuditBackup(a Actor) error {
	if err := a.requireOperator(); err != nil {
		return err
	}
	return s.update(func(tx *storage.Tx) error { return s.audit(tx, a, "backup", "", "") })
}
