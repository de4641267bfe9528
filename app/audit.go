package app

import (
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
	return tx.PutRaw(storage.Audit, storage.EncodeID(id), appendAuditJSON(make([]byte, 0, 192), &e))
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

// AuditBackup records that the actor took a backup (operator only).
func (s *Service) AuditBackup(a Actor) error {
	if err := a.requireOperator(); err != nil {
		return err
	}
	return s.update(func(tx *storage.Tx) error { return s.audit(tx, a, "backup", "", "") })
}
