package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"licensedesk/storage"
)

// outboxSender is the Service's part of the background sender.
type outboxSender struct {
	wake chan struct{} // a mail was queued: look now
	mu   sync.Mutex    // one SendDueMail at a time
}

func newOutboxSender() outboxSender { return outboxSender{wake: make(chan struct{}, 1)} }

// wakeSender tells the sender to look for due mail (after a commit).
func (s *Service) wakeSender() {
	select {
	case s.outbox.wake <- struct{}{}:
	default:
	}
}

// mailRetryMax caps the wait between two attempts.
const mailRetryMax = time.Hour

// mailRetryDelay is the wait after the n-th failed attempt: a minute,
// doubling, at most mailRetryMax. Eight attempts span about two hours.
func mailRetryDelay(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < mailRetryMax; i++ {
		d *= 2
	}
	return min(d, mailRetryMax)
}

// RunOutbox sends due mail until ctx ends: at once, whenever a mail is
// queued, and otherwise at least every poll (default 15 s). serve starts
// it; it does nothing when no SMTP server is configured.
func (s *Service) RunOutbox(ctx context.Context, poll time.Duration) {
	if !s.smtp.Configured() {
		return
	}
	if poll <= 0 {
		poll = 15 * time.Second
	}
	for {
		if _, err := s.SendDueMail(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("outbox: sending failed", "err", err)
		}
		wait := poll
		_ = s.db.View(func(tx *storage.Tx) error {
			if at, ok := nextDueTime(tx); ok {
				wait = min(wait, max(time.Unix(0, at).Sub(s.now()), 10*time.Millisecond))
			}
			return nil
		})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.outbox.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// SendDueMail sends every queued mail whose time has come by the
// Service's clock, one at a time, and returns how many the server
// accepted. A refused mail is recorded on the mail (its state, attempts,
// the server's answer), not returned; the error is for the data file.
// Tests move the clock and call it.
//
// Each mail is marked "sending" in a transaction before it is handed to
// the server and "sent" in another when the server accepted it. A crash
// between the two leaves it "sending"; the next start queues it again
// (recoverSendingMail), so a mail is never lost and is sent twice only
// when the crash falls in that window, the same window in which SMTP
// itself may deliver twice. It keeps its Message-ID for every attempt.
func (s *Service) SendDueMail(ctx context.Context) (int, error) {
	s.outbox.mu.Lock()
	defer s.outbox.mu.Unlock()
	if !s.smtp.Configured() {
		return 0, nil
	}
	sent := 0
	for ctx.Err() == nil {
		m, atts, ok, err := s.claimDueMail()
		if err != nil || !ok {
			return sent, err
		}
		sendErr := s.deliver(ctx, m, atts)
		st, err := s.recordAttempt(m.ID, sendErr)
		if err != nil {
			return sent, err
		}
		if st == MailSent {
			sent++
		}
	}
	return sent, nil
}

// claimDueMail marks the earliest due queued mail "sending" and returns it
// with its attachments.
func (s *Service) claimDueMail() (Mail, []Attachment, bool, error) {
	var m Mail
	var atts []Attachment
	found := false
	err := s.update(func(tx *storage.Tx) error {
		now := s.now()
		id, ok := firstDueMail(tx, now.UnixNano())
		if !ok {
			return nil
		}
		old, err := getMail(tx, id)
		if err != nil {
			return err
		}
		m = old
		m.State, m.Attempts, m.Updated = MailSending, old.Attempts+1, now
		if err := putMail(tx, &old, &m); err != nil {
			return err
		}
		atts = atts[:0]
		for i, a := range m.Attachments {
			atts = append(atts, Attachment{Name: a.Name, ContentType: a.ContentType, Data: getAttachment(tx, id, i)})
		}
		found = true
		return nil
	})
	return m, atts, found, err
}

// recordAttempt stores how an attempt went: sent; queued again after a
// backoff; or failed when the server refused for good (5xx) or the
// attempts are used up, with the server's answer.
func (s *Service) recordAttempt(id uint64, sendErr error) (MailState, error) {
	var st MailState
	err := s.update(func(tx *storage.Tx) error {
		old, err := getMail(tx, id)
		if err != nil {
			return err
		}
		m := old
		now := s.now()
		m.Updated = now
		switch {
		case sendErr == nil:
			m.State, m.SentAt = MailSent, &now
		case permanentSendError(sendErr) || m.Attempts >= s.smtp.MaxAttempts:
			m.State, m.LastError = MailFailed, sendErrorText(sendErr)
		default:
			m.State, m.LastError, m.NextAttempt = MailQueued, sendErrorText(sendErr), now.Add(mailRetryDelay(m.Attempts))
		}
		st = m.State
		return putMail(tx, &old, &m)
	})
	switch {
	case err != nil:
	case sendErr == nil:
		s.log.Info("outbox: mail sent", "mail", id)
	default:
		s.log.Warn("outbox: mail not sent", "mail", id, "state", st, "err", sendErr)
	}
	return st, err
}

// recoverSendingMail queues again every mail a previous process left
// "sending": it died while talking to the server. Open calls it, when no
// other process can hold the data.
func (s *Service) recoverSendingMail() error {
	var ids []uint64
	if err := s.db.View(func(tx *storage.Tx) error {
		eachMailInState(tx, MailSending, func(id uint64) bool { ids = append(ids, id); return true })
		return nil
	}); err != nil || len(ids) == 0 {
		return err
	}
	s.log.Warn("outbox: mails were being sent when the server stopped; queuing them again", "count", len(ids))
	return s.update(func(tx *storage.Tx) error {
		for _, id := range ids {
			old, err := getMail(tx, id)
			if err != nil {
				return err
			}
			m := old
			now := s.now()
			m.State, m.NextAttempt, m.Updated = MailQueued, now, now
			m.LastError = "the server stopped while this mail was being sent; it is sent again (the recipient may get it twice)"
			if err := putMail(tx, &old, &m); err != nil {
				return err
			}
		}
		return nil
	})
}

func permanentSendError(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		return se.ErrorCode() >= 500 && se.ErrorCode() < 600
	}
	var pe *permanentError
	return errors.As(err, &pe)
}

// permanentError is a problem no retry can fix (a bad From address).
type permanentError struct{ msg string }

func (e *permanentError) Error() string { return e.msg }

// sendErrorText is what the operator reads: the server's answer, with its code.
func sendErrorText(err error) string {
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return fmt.Sprintf("the server answered %d: %s", se.ErrorCode(), strings.TrimSpace(err.Error()))
	}
	return err.Error()
}

// deliver hands one mail to the SMTP server.
func (s *Service) deliver(ctx context.Context, m Mail, atts []Attachment) error {
	c := s.smtp
	if m.From == "" {
		m.From = c.From
	}
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return &permanentError{"no valid sender address: set [smtp] from in the configuration"}
	}
	msg := gomail.NewMsg()
	msg.FromMailAddress(from)
	if err := msg.To(m.To...); err != nil {
		return &permanentError{err.Error()}
	}
	if len(m.Cc) > 0 {
		if err := msg.Cc(m.Cc...); err != nil {
			return &permanentError{err.Error()}
		}
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return &permanentError{err.Error()}
		}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(m.Created)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	for _, a := range atts {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return &permanentError{err.Error()}
		}
	}
	helo := c.HELO
	if helo == "" {
		_, helo, _ = strings.Cut(from.Address, "@")
	}
	opts := []gomail.Option{gomail.WithPort(c.port()), gomail.WithTimeout(c.Timeout), gomail.WithHELO(helo)}
	switch c.Security {
	case SMTPTLS:
		opts = append(opts, gomail.WithSSL())
	case SMTPNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if c.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	client, err := gomail.NewClient(c.Host, opts...)
	if err != nil {
		return &permanentError{"SMTP settings: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	return client.DialAndSendWithContext(ctx, msg)
}
