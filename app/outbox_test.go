package app_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"licensedesk/app"
)

// newMailEnv is an env whose outbox sends to a fresh in-process SMTP server.
func newMailEnv(t *testing.T) (*env, *smtpServer) {
	t.Helper()
	ss := newSMTPServer(t)
	e := &env{t: t, dir: t.TempDir(), clk: newClock(), smtp: ss.config()}
	e.open()
	t.Cleanup(func() {
		if e.svc != nil {
			e.svc.Close()
		}
	})
	return e, ss
}

func invoiceMail(partnerID uint64) app.MailInput {
	return app.MailInput{
		Kind: "invoice", PartnerID: partnerID, Ref: "invoice:7",
		To: []string{"Jürgen Müller <buchhaltung@harbor.example>"}, Cc: []string{"ops@harbor.example"},
		Subject: "Rechnung 2026-000007 über 1.234,56 €",
		Text:    "Guten Tag,\n\nanbei die Rechnung über 1.234,56 €.\n\nGrüße\n",
		Attachments: []app.Attachment{{Name: "2026-000007.pdf", ContentType: "application/pdf",
			Data: []byte("%PDF-1.4 not really a pdf but bytes all the same")}},
	}
}

func mustGetMail(t *testing.T, svc *app.Service, id uint64) app.Mail {
	t.Helper()
	m, err := svc.GetMail(app.System, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sendDue(t *testing.T, svc *app.Service) int {
	t.Helper()
	n, err := svc.SendDueMail(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A queued mail reaches the SMTP server once, with its headers, body and
// attachment intact, and is then "sent".
func TestOutboxSendsThroughSMTP(t *testing.T) {
	e, ss := newMailEnv(t)
	p := e.partner("Harbor IT")
	m, err := e.svc.QueueMail(app.System, invoiceMail(p.ID))
	if err != nil {
		t.Fatal(err)
	}
	if m.State != app.MailQueued || m.Attempts != 0 || m.From != "Licenses <licenses@desk.example>" ||
		strings.Join(m.To, ",") != "Jürgen Müller <buchhaltung@harbor.example>" || m.Cc[0] != "ops@harbor.example" {
		t.Fatalf("queued mail: %+v", m)
	}
	if n := sendDue(t, e.svc); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	if n := sendDue(t, e.svc); n != 0 {
		t.Fatalf("a second pass sent %d more", n)
	}
	got := ss.received()
	if len(got) != 1 {
		t.Fatalf("the server got %d mails, want 1", len(got))
	}
	r := got[0]
	if r.From != "licenses@desk.example" || strings.Join(r.To, ",") != "buchhaltung@harbor.example,ops@harbor.example" {
		t.Errorf("envelope from %q to %v", r.From, r.To)
	}
	if ss.helo != "desk.example" {
		t.Errorf("HELO %q, want the domain of From", ss.helo)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(r.Data)))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subj, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	if subj != "Rechnung 2026-000007 über 1.234,56 €" {
		t.Errorf("subject %q", subj)
	}
	if id := msg.Header.Get("Message-Id"); id != "<"+m.MessageID+">" {
		t.Errorf("Message-ID %q, want <%s>", id, m.MessageID)
	}
	if to, _ := dec.DecodeHeader(msg.Header.Get("To")); !strings.Contains(to, "Jürgen Müller") {
		t.Errorf("To %q", to)
	}
	// The body and the attachment, as the recipient's client reads them.
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var text, attName, attData string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part) // NextPart decodes quoted-printable
		if fn := part.FileName(); fn != "" {
			attName = fn
			attData = decodeBase64(t, string(b))
		} else {
			text = string(b)
		}
	}
	if !strings.Contains(text, "anbei die Rechnung über 1.234,56 €.") {
		t.Errorf("body %q", text)
	}
	if attName != "2026-000007.pdf" || attData != "%PDF-1.4 not really a pdf but bytes all the same" {
		t.Errorf("attachment %q: %q", attName, attData)
	}
	sent := mustGetMail(t, e.svc, m.ID)
	if sent.State != app.MailSent || sent.Attempts != 1 || sent.SentAt == nil || !sent.SentAt.Equal(e.clk.Now()) || sent.LastError != "" {
		t.Fatalf("after sending: %+v", sent)
	}
}

// A server that refuses for now (4xx) gets the mail again after the
// backoff, not before, and it is sent once.
func TestOutboxRetriesATemporaryRefusal(t *testing.T) {
	e, ss := newMailEnv(t)
	ss.refuseNext(errBusy)
	m, err := e.svc.QueueMail(app.System, invoiceMail(0))
	if err != nil {
		t.Fatal(err)
	}
	if n := sendDue(t, e.svc); n != 0 {
		t.Fatalf("sent %d while the server refused", n)
	}
	got := mustGetMail(t, e.svc, m.ID)
	if got.State != app.MailQueued || got.Attempts != 1 || !strings.Contains(got.LastError, "mailbox busy, try again later") ||
		!strings.Contains(got.LastError, "451") || !got.NextAttempt.Equal(e.clk.Now().Add(time.Minute)) {
		t.Fatalf("after a refusal: %+v", got)
	}
	e.clk.Advance(59 * time.Second)
	if n := sendDue(t, e.svc); n != 0 || len(ss.received()) != 0 {
		t.Fatal("tried again before the backoff")
	}
	e.clk.Advance(time.Second)
	if n := sendDue(t, e.svc); n != 1 {
		t.Fatalf("the retry sent %d", n)
	}
	if got := mustGetMail(t, e.svc, m.ID); got.State != app.MailSent || got.Attempts != 2 {
		t.Fatalf("after the retry: %+v", got)
	}
	if n := len(ss.received()); n != 1 {
		t.Fatalf("the server has %d copies", n)
	}
}

// Out of attempts, or refused for good (5xx), a mail is "failed" with the
// server's answer; the operator sends it again and it goes.
func TestOutboxFailsThenResends(t *testing.T) {
	e, ss := newMailEnv(t) // max_attempts 3
	ss.refuseNext(errBusy, errBusy, errBusy)
	m, _ := e.svc.QueueMail(app.System, invoiceMail(0))
	for i, wait := range []time.Duration{0, time.Minute, 2 * time.Minute} {
		e.clk.Advance(wait)
		sendDue(t, e.svc)
		if got := mustGetMail(t, e.svc, m.ID); got.Attempts != i+1 {
			t.Fatalf("attempt %d: %+v", i+1, got)
		}
	}
	got := mustGetMail(t, e.svc, m.ID)
	if got.State != app.MailFailed || !strings.Contains(got.LastError, "mailbox busy") {
		t.Fatalf("after three refusals: %+v", got)
	}
	e.clk.Advance(24 * time.Hour)
	if n := sendDue(t, e.svc); n != 0 {
		t.Fatal("a failed mail was tried again on its own")
	}

	ss.refuseNext(errNoSuchTo)
	m2, _ := e.svc.QueueMail(app.System, invoiceMail(0))
	sendDue(t, e.svc)
	if got := mustGetMail(t, e.svc, m2.ID); got.State != app.MailFailed || got.Attempts != 1 || !strings.Contains(got.LastError, "550") ||
		!strings.Contains(got.LastError, "no such mailbox here") {
		t.Fatalf("after a permanent refusal: %+v", got)
	}

	if _, err := e.svc.ResendMail(e.partnerUser(e.partner("Harbor IT"), "it@harbor.example"), m.ID); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("a partner re-sent: %v", err)
	}
	again, err := e.svc.ResendMail(app.System, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.State != app.MailQueued || again.Attempts != 0 || again.LastError != "" {
		t.Fatalf("re-sent mail: %+v", again)
	}
	if _, err := e.svc.ResendMail(app.System, m.ID); !errors.Is(err, app.ErrConflict) {
		t.Fatalf("re-sending a queued mail: %v", err)
	}
	if n := sendDue(t, e.svc); n != 1 {
		t.Fatalf("the re-sent mail: %d sent", n)
	}
	if got := mustGetMail(t, e.svc, m.ID); got.State != app.MailSent {
		t.Fatalf("after re-sending: %+v", got)
	}
	if _, err := e.svc.ResendMail(app.System, 9999); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("re-sending a missing mail: %v", err)
	}
}

// With no SMTP server (air-gapped) every mail is kept as "manual", nothing
// is sent, and re-sending says why not.
func TestOutboxWithoutSMTPKeepsMailsForSendingByHand(t *testing.T) {
	e := newEnv(t)
	m, err := e.svc.QueueMail(app.System, invoiceMail(0))
	if err != nil {
		t.Fatal(err)
	}
	if m.State != app.MailManual || e.svc.MailConfigured() {
		t.Fatalf("without SMTP: %+v", m)
	}
	if n := sendDue(t, e.svc); n != 0 {
		t.Fatalf("sent %d with no server", n)
	}
	if _, err := e.svc.ResendMail(app.System, m.ID); !isValidation(err, "smtp.host") {
		t.Fatalf("re-send without SMTP: %v", err)
	}
	// Reading it is what the operator does instead; the attachment too.
	got := mustGetMail(t, e.svc, m.ID)
	if got.Text != invoiceMail(0).Text || len(got.Attachments) != 1 || got.Attachments[0].Size != 48 {
		t.Fatalf("stored mail: %+v", got)
	}
	att, err := e.svc.GetAttachment(app.System, m.ID, 0)
	if err != nil || string(att.Data) != "%PDF-1.4 not really a pdf but bytes all the same" || att.ContentType != "application/pdf" {
		t.Fatalf("attachment: %+v %v", att, err)
	}
	if _, err := e.svc.GetAttachment(app.System, m.ID, 1); !errors.Is(err, app.ErrNotFound) {
		t.Fatalf("attachment 1 of 1: %v", err)
	}
}

// A partner sees only its own mails; another partner's is "not found".
func TestOutboxPartnerSeesOnlyItsOwn(t *testing.T) {
	e := newEnv(t)
	a, b := e.partner("Alpha"), e.partner("Beta")
	ua := e.partnerUser(a, "anna@alpha.example")
	ma, _ := e.svc.QueueMail(app.System, invoiceMail(a.ID))
	mb, _ := e.svc.QueueMail(app.System, invoiceMail(b.ID))
	desk, _ := e.svc.QueueMail(app.System, invoiceMail(0))
	page, err := e.svc.ListOutbox(ua, app.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || len(page.Items) != 1 || page.Items[0].ID != ma.ID {
		t.Fatalf("partner A's outbox: %+v", page)
	}
	page, _ = e.svc.ListOutbox(ua, app.ListParams{Filters: map[string]string{"state": "manual"}})
	if page.Total != 1 || page.Items[0].ID != ma.ID {
		t.Fatalf("partner A's manual mails: %+v", page)
	}
	for _, id := range []uint64{mb.ID, desk.ID, 4242} {
		if _, err := e.svc.GetMail(ua, id); !errors.Is(err, app.ErrNotFound) {
			t.Errorf("partner A read mail %d: %v", id, err)
		}
		if _, err := e.svc.GetAttachment(ua, id, 0); !errors.Is(err, app.ErrNotFound) {
			t.Errorf("partner A read mail %d's attachment: %v", id, err)
		}
	}
	if _, err := e.svc.QueueMail(ua, invoiceMail(a.ID)); !errors.Is(err, app.ErrForbidden) {
		t.Errorf("a partner queued a mail: %v", err)
	}
	all, _ := e.svc.ListOutbox(app.System, app.ListParams{})
	if all.Total != 3 || all.Items[0].ID != desk.ID || all.Items[2].ID != ma.ID {
		t.Fatalf("the operator's outbox, newest first: %+v", all)
	}
	if _, err := e.svc.ListOutbox(app.System, app.ListParams{Filters: map[string]string{"state": "lost"}}); !isValidation(err, "state") {
		t.Errorf("an unknown state: %v", err)
	}
	if _, err := e.svc.ListOutbox(app.System, app.ListParams{Filters: map[string]string{"partner": "1"}}); !isValidation(err, "partner") {
		t.Errorf("an unknown filter: %v", err)
	}
	counts, _ := e.svc.OutboxCounts(app.System)
	if counts[app.MailManual] != 3 || counts[app.MailFailed] != 0 {
		t.Errorf("counts %v", counts)
	}
}

// Bad mails are refused naming the field, and nothing is stored.
func TestOutboxRefusesBadMail(t *testing.T) {
	e := newEnv(t)
	for field, mut := range map[string]func(*app.MailInput){
		"kind":                        func(m *app.MailInput) { m.Kind = "Invoice!" },
		"to":                          func(m *app.MailInput) { m.To = []string{"not an address"} },
		"cc":                          func(m *app.MailInput) { m.Cc = []string{"a@b.example\r\nBcc: victim@x.example"} },
		"subject":                     func(m *app.MailInput) { m.Subject = "Hello\r\nBcc: victim@x.example" },
		"text":                        func(m *app.MailInput) { m.Text = " \n" },
		"attachments[0].name":         func(m *app.MailInput) { m.Attachments[0].Name = "../../etc/passwd" },
		"attachments[0].content_type": func(m *app.MailInput) { m.Attachments[0].ContentType = "pdf" },
		"reply_to":                    func(m *app.MailInput) { m.ReplyTo = "nobody" },
	} {
		in := invoiceMail(0)
		mut(&in)
		if _, err := e.svc.QueueMail(app.System, in); !isValidation(err, field) {
			t.Errorf("%s: %v", field, err)
		}
	}
	if in := invoiceMail(0); true {
		in.To = nil
		if _, err := e.svc.QueueMail(app.System, in); !isValidation(err, "to") {
			t.Errorf("no recipient: %v", err)
		}
	}
	if page, _ := e.svc.ListOutbox(app.System, app.ListParams{}); page.Total != 0 {
		t.Fatalf("%d mails stored from bad input", page.Total)
	}
}

// The sender started by serve wakes when a mail is queued: it does not
// wait for its poll.
func TestRunOutboxWakesOnQueue(t *testing.T) {
	e, ss := newMailEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.svc.RunOutbox(ctx, time.Hour); close(done) }()
	time.Sleep(20 * time.Millisecond) // let it make its first, empty pass
	if _, err := e.svc.QueueMail(app.System, invoiceMail(0)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(ss.received()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the queued mail was not sent: the sender was not woken")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("RunOutbox did not stop with its context")
	}
}
