package app

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"licensedesk/storage"
)

// The mail outbox (F41). Every mail the desk sends is first written to the
// outbox in the same transaction as the action that causes it, so a mail
// exists exactly when its action committed. A background sender
// (outbox_send.go) delivers queued mails through SMTP, retrying with
// backoff; with no SMTP server configured every mail is "manual": the
// operator reads it on /outbox and sends it by hand.

// MailState is where a mail is in its life.
type MailState string

const (
	MailQueued  MailState = "queued"  // waiting for its next attempt
	MailSending MailState = "sending" // handed to the SMTP server right now
	MailSent    MailState = "sent"    // the server accepted it
	MailFailed  MailState = "failed"  // refused for good, or out of attempts
	MailManual  MailState = "manual"  // no SMTP: to be sent by hand
)

// MailStates lists the states in the order the outbox filter shows them.
var MailStates = []MailState{MailQueued, MailSending, MailSent, MailFailed, MailManual}

// Valid reports whether st is a known state.
func (st MailState) Valid() bool {
	for _, s := range MailStates {
		if s == st {
			return true
		}
	}
	return false
}

// Mail is one message in the outbox.
type Mail struct {
	ID        uint64 `json:"id"`
	Kind      string `json:"kind"`                 // what it is: order_confirmation, activation, reminder, ...
	PartnerID uint64 `json:"partner_id,omitempty"` // the partner it belongs to (who may read it); 0: the desk's own
	Ref       string `json:"ref,omitempty"`        // the record it is about, such as "order:12"

	From      string   `json:"from"`
	To        []string `json:"to"`
	Cc        []string `json:"cc,omitempty"`
	ReplyTo   string   `json:"reply_to,omitempty"`
	Subject   string   `json:"subject"`
	Text      string   `json:"text"` // the body, plain text
	MessageID string   `json:"message_id"`

	Attachments []AttachmentInfo `json:"attachments,omitempty"`

	State       MailState  `json:"state"`
	Attempts    int        `json:"attempts"`
	NextAttempt time.Time  `json:"next_attempt"` // when queued
	LastError   string     `json:"last_error,omitempty"`
	Created     time.Time  `json:"created"`
	Updated     time.Time  `json:"updated"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
	SentByHand  bool       `json:"sent_by_hand,omitempty"` // the operator sent it outside the desk
}

// Attachment is a file sent with a mail.
type Attachment struct {
	Name        string // file name shown to the recipient, such as "2026-000123.pdf"
	ContentType string // such as "application/pdf"
	Data        []byte
}

// AttachmentInfo describes a stored attachment (its bytes are stored apart).
type AttachmentInfo struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// MailInput is a mail to queue.
type MailInput struct {
	Kind        string
	PartnerID   uint64
	Ref         string
	To          []string
	Cc          []string
	ReplyTo     string
	Subject     string
	Text        string
	Attachments []Attachment
}

// Limits on a queued mail.
const (
	maxMailRecipients = 50
	maxMailSubject    = 300     // characters
	maxMailText       = 1 << 20 // bytes
	maxMailAttachSize = 20 << 20
)

// queueMail writes a mail to the outbox inside the caller's transaction:
// it exists if and only if the caller's action commits. Features call it
// from within s.update:
//
//	err := s.update(func(tx *storage.Tx) error {
//		... the action ...
//		_, err := s.queueMail(tx, MailInput{Kind: "order_confirmation", PartnerID: o.PartnerID,
//			Ref: "order:12", To: []string{p.Email}, Subject: ..., Text: ...,
//			Attachments: []Attachment{{Name: "2026-000123.pdf", ContentType: "application/pdf", Data: pdf}}})
//		return err
//	})
//
// With SMTP configured the mail is queued and the sender is woken when the
// transaction commits; without, it is "manual". A bad mail is a
// ValidationError naming the field (to, cc, subject, ...), which rolls
// the caller's action back.
func (s *Service) queueMail(tx *storage.Tx, in MailInput) (Mail, error) {
	m, err := s.newMail(in)
	if err != nil {
		return Mail{}, err
	}
	if m.ID, err = tx.NextID(storage.Outbox); err != nil {
		return Mail{}, err
	}
	if err := putMail(tx, nil, &m); err != nil {
		return Mail{}, err
	}
	for i, a := range in.Attachments {
		if err := putAttachment(tx, m.ID, i, a.Data); err != nil {
			return Mail{}, err
		}
	}
	if m.State == MailQueued {
		tx.OnCommit(s.wakeSender)
	}
	return m, nil
}

// QueueMail queues a mail in a transaction of its own (operator only):
// for mails that no other change goes with, and for tests. Features
// that change data call queueMail inside their own transaction instead.
func (s *Service) QueueMail(a Actor, in MailInput) (Mail, error) {
	if err := a.requireOperator(); err != nil {
		return Mail{}, err
	}
	var m Mail
	err := s.update(func(tx *storage.Tx) error {
		var err error
		if m, err = s.queueMail(tx, in); err != nil {
			return err
		}
		return s.audit(tx, a, "outbox.queue", mailTarget(m.ID), m.Subject)
	})
	return m, err
}

func mailTarget(id uint64) string { return fmt.Sprintf("mail:%d", id) }

// newMail validates in and builds the mail to store.
func (s *Service) newMail(in MailInput) (Mail, error) {
	now := s.now()
	m := Mail{Kind: strings.TrimSpace(in.Kind), PartnerID: in.PartnerID, Ref: strings.TrimSpace(in.Ref),
		From: s.smtp.From, Subject: strings.TrimSpace(in.Subject), Text: in.Text, Created: now, Updated: now}
	if m.Kind == "" || len(m.Kind) > 40 || strings.TrimFunc(m.Kind, isKindRune) != "" {
		return Mail{}, Invalid("kind", "must be 1 to 40 characters of a-z, 0-9, - and _")
	}
	if len(m.Ref) > 100 || hasControl(m.Ref) {
		return Mail{}, Invalid("ref", "must be at most 100 characters on one line")
	}
	var err error
	if len(in.To) == 0 {
		return Mail{}, Invalid("to", "needs at least one recipient")
	}
	if m.To, err = mailAddresses("to", in.To); err != nil {
		return Mail{}, err
	}
	if m.Cc, err = mailAddresses("cc", in.Cc); err != nil {
		return Mail{}, err
	}
	if len(m.To)+len(m.Cc) > maxMailRecipients {
		return Mail{}, Invalid("to", "at most %d recipients", maxMailRecipients)
	}
	if strings.TrimSpace(in.ReplyTo) != "" {
		r, err := mailAddresses("reply_to", []string{in.ReplyTo})
		if err != nil {
			return Mail{}, err
		}
		m.ReplyTo = r[0]
	}
	switch {
	case m.Subject == "":
		return Mail{}, Invalid("subject", "is required")
	case !utf8.ValidString(m.Subject) || hasControl(m.Subject):
		return Mail{}, Invalid("subject", "must be one line of text")
	case utf8.RuneCountInString(m.Subject) > maxMailSubject:
		return Mail{}, Invalid("subject", "must be at most %d characters", maxMailSubject)
	}
	switch {
	case strings.TrimSpace(m.Text) == "":
		return Mail{}, Invalid("text", "is required")
	case !utf8.ValidString(m.Text):
		return Mail{}, Invalid("text", "must be UTF-8 text")
	case len(m.Text) > maxMailText:
		return Mail{}, Invalid("text", "must be at most %d bytes", maxMailText)
	}
	total := 0
	for i, a := range in.Attachments {
		field := fmt.Sprintf("attachments[%d]", i)
		name := strings.TrimSpace(a.Name)
		if name == "" || len(name) > 200 || hasControl(name) || strings.ContainsAny(name, `/\"`) {
			return Mail{}, Invalid(field+".name", "must be a file name of 1 to 200 characters without / \\ or quotes")
		}
		ct, params, err := mime.ParseMediaType(a.ContentType)
		if err != nil || !strings.Contains(ct, "/") {
			return Mail{}, Invalid(field+".content_type", "%q is not a media type such as application/pdf", a.ContentType)
		}
		if len(a.Data) == 0 {
			return Mail{}, Invalid(field, "is empty")
		}
		total += len(a.Data)
		m.Attachments = append(m.Attachments, AttachmentInfo{Name: name, ContentType: mime.FormatMediaType(ct, params), Size: len(a.Data)})
	}
	if total > maxMailAttachSize {
		return Mail{}, Invalid("attachments", "must be at most %d MiB together", maxMailAttachSize>>20)
	}
	m.MessageID = newMessageID(s.smtp.From)
	if s.smtp.Configured() {
		m.State, m.NextAttempt = MailQueued, now
	} else {
		m.State = MailManual
	}
	return m, nil
}

func isKindRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

func hasControl(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }

// mailAddresses parses each address ("Name <a@b>" or "a@b") and returns
// them in their canonical form.
func mailAddresses(field string, in []string) ([]string, error) {
	var out []string
	for _, raw := range in {
		raw = strings.TrimSpace(raw)
		a, err := mail.ParseAddress(raw)
		if err != nil || hasControl(raw) || len(raw) > 320 {
			return nil, Invalid(field, "%q is not an email address", raw)
		}
		out = append(out, displayAddress(a))
	}
	return out, nil
}

// CheckMailAddress checks addr ("Name <a@b.example>" or "a@b.example")
// by the outbox's rules, as a ValidationError naming field. Features check
// addresses people type with it when they are saved, so that queuing a
// mail later (inside another action's transaction, which a bad address
// would roll back) does not fail.
func CheckMailAddress(field, addr string) error {
	_, err := mailAddresses(field, []string{addr})
	return err
}

// displayAddress writes a parsed address the way people write it
// ("Jürgen Müller <j@example.com>"), quoting the name when it needs it,
// so it reads well on the outbox page and parses back the same.
func displayAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	name := a.Name
	if strings.ContainsAny(name, `()<>[]:;@\,."`) {
		name = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
	}
	return name + " <" + a.Address + ">"
}

// newMessageID makes the mail's Message-ID, kept for every attempt so a
// mail sent twice (a crash at the wrong moment) is recognisably one.
func newMessageID(from string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	domain := "licensedesk.local"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	return hex.EncodeToString(b) + "@" + domain
}

// ListOutbox lists mails newest first. Filter "state" picks one state.
// A partner sees only its own mails.
func (s *Service) ListOutbox(a Actor, p ListParams) (Page[Mail], error) {
	if a.Role != RoleOperator && (a.Role != RolePartner || a.PartnerID == 0) {
		return Page[Mail]{}, ErrForbidden
	}
	if err := p.only("state"); err != nil {
		return Page[Mail]{}, err
	}
	if p.Sort != "" && p.Sort != "-created" {
		return Page[Mail]{}, Invalid("sort", "the outbox is listed newest first (-created); there is no other order")
	}
	st := MailState(p.Filter("state"))
	if st != "" && !st.Valid() {
		return Page[Mail]{}, Invalid("state", "must be one of queued, sending, sent, failed, manual")
	}
	p = p.norm()
	out := Page[Mail]{Page: p.Page, PerPage: p.PerPage, Items: []Mail{}}
	skip := (p.Page - 1) * p.PerPage
	err := s.db.View(func(tx *storage.Tx) error {
		var ids []uint64
		eachMailID(tx, a, st, func(id uint64) {
			out.Total++
			if out.Total > skip && len(ids) < p.PerPage {
				ids = append(ids, id)
			}
		})
		for _, id := range ids {
			m, err := getMail(tx, id)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, m)
		}
		return nil
	})
	return out, err
}

// OutboxCounts counts the mails in each state that needs the operator's
// eye (queued, sending, failed, manual); sent mails are not counted.
func (s *Service) OutboxCounts(a Actor) (map[MailState]int, error) {
	if err := a.requireOperator(); err != nil {
		return nil, err
	}
	out := map[MailState]int{}
	err := s.db.View(func(tx *storage.Tx) error {
		for _, st := range []MailState{MailQueued, MailSending, MailFailed, MailManual} {
			out[st] = countMailState(tx, st)
		}
		return nil
	})
	return out, err
}

// GetMail returns one mail. Another partner's mail is ErrNotFound.
func (s *Service) GetMail(a Actor, id uint64) (Mail, error) {
	var m Mail
	err := s.db.View(func(tx *storage.Tx) (err error) { m, err = s.visibleMail(tx, a, id); return err })
	return m, err
}

// GetAttachment returns attachment n of mail id with its bytes.
func (s *Service) GetAttachment(a Actor, id uint64, n int) (Attachment, error) {
	var out Attachment
	err := s.db.View(func(tx *storage.Tx) error {
		m, err := s.visibleMail(tx, a, id)
		if err != nil {
			return err
		}
		if n < 0 || n >= len(m.Attachments) {
			return ErrNotFound
		}
		data := getAttachment(tx, id, n)
		if data == nil {
			return fmt.Errorf("mail %d: attachment %d is missing from the data", id, n)
		}
		out = Attachment{Name: m.Attachments[n].Name, ContentType: m.Attachments[n].ContentType, Data: data}
		return nil
	})
	return out, err
}

func (s *Service) visibleMail(tx *storage.Tx, a Actor, id uint64) (Mail, error) {
	m, err := getMail(tx, id)
	if err != nil {
		return Mail{}, err
	}
	if !a.canSeePartner(m.PartnerID) {
		return Mail{}, ErrNotFound
	}
	return m, nil
}

// ResendMail queues a sent, failed or manual mail again, its attempts
// counted afresh (operator only). With no SMTP server it is a
// ValidationError: the mail can only be sent by hand.
func (s *Service) ResendMail(a Actor, id uint64) (Mail, error) {
	if err := a.requireOperator(); err != nil {
		return Mail{}, err
	}
	if !s.smtp.Configured() {
		return Mail{}, Invalid("smtp.host", "no SMTP server is configured: copy the mail and send it by hand, or set [smtp] host in the configuration")
	}
	var m Mail
	err := s.update(func(tx *storage.Tx) error {
		old, err := getMail(tx, id)
		if err != nil {
			return err
		}
		switch old.State {
		case MailSent, MailFailed, MailManual:
		default:
			return Conflict("state", "the mail is %s already; only a sent, failed or manual mail can be sent again", old.State)
		}
		m = old
		now := s.now()
		m.State, m.Attempts, m.NextAttempt, m.LastError, m.Updated, m.SentByHand = MailQueued, 0, now, "", now, false
		if m.From == "" {
			m.From = s.smtp.From
		}
		if err := putMail(tx, &old, &m); err != nil {
			return err
		}
		tx.OnCommit(s.wakeSender)
		return s.audit(tx, a, "outbox.resend", mailTarget(id), fmt.Sprintf("%s (was %s)", m.Subject, old.State))
	})
	return m, err
}

// MarkMailSent records that the operator sent a manual or failed mail by
// hand, outside the desk (operator only): it leaves the to-do list.
func (s *Service) MarkMailSent(a Actor, id uint64) (Mail, error) {
	if err := a.requireOperator(); err != nil {
		return Mail{}, err
	}
	var m Mail
	err := s.update(func(tx *storage.Tx) error {
		old, err := getMail(tx, id)
		if err != nil {
			return err
		}
		if old.State != MailManual && old.State != MailFailed {
			return Conflict("state", "the mail is %s; only a mail to send by hand or a failed one can be marked as sent by hand", old.State)
		}
		m = old
		now := s.now()
		m.State, m.SentAt, m.SentByHand, m.Updated = MailSent, &now, true, now
		if err := putMail(tx, &old, &m); err != nil {
			return err
		}
		return s.audit(tx, a, "outbox.sent_by_hand", mailTarget(id), m.Subject)
	})
	return m, err
}

// MailConfigured reports whether an SMTP server is configured.
func (s *Service) MailConfigured() bool { return s.smtp.Configured() }
