package app

import (
	"errors"
	"testing"
	"time"

	"licensedesk/storage"
)

func testMail() MailInput {
	return MailInput{Kind: "activation", To: []string{"\"Novak, Jan\" <jan@novak.example>"}, Subject: "Your license", Text: "Key: ABCD\n"}
}

// A mail is written in the transaction of the action that causes it: an
// action that fails after queuing leaves no mail, one that commits leaves
// exactly its mail.
func TestQueueMailIsPartOfTheCallersTransaction(t *testing.T) {
	s := openTestService(t, t.TempDir(), nil)
	defer s.Close()
	boom := errors.New("the action failed after queuing its mail")
	err := s.update(func(tx *storage.Tx) error {
		if _, err := s.queueMail(tx, testMail()); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if page, _ := s.ListOutbox(System, ListParams{}); page.Total != 0 {
		t.Fatalf("a rolled-back action left %d mails", page.Total)
	}
	var id uint64
	if err := s.update(func(tx *storage.Tx) error {
		m, err := s.queueMail(tx, testMail())
		id = m.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMail(System, id)
	if err != nil || m.State != MailManual || m.To[0] != `"Novak, Jan" <jan@novak.example>` {
		t.Fatalf("the committed mail: %+v, %v", m, err)
	}
}

// A process that dies while a mail is "sending" loses nothing: the next
// start queues it again, due at once, with a note for the operator.
func TestSendingMailIsQueuedAgainAfterACrash(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cfg := SMTPConfig{Host: "127.0.0.1", Port: 1, Security: SMTPNone, From: "desk@desk.example"}
	open := func() *Service {
		s, err := Open(Options{DataDir: dir, Logger: quietLog(), Now: func() time.Time { return now }, SMTP: cfg})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	m, err := s.QueueMail(System, testMail())
	if err != nil {
		t.Fatal(err)
	}
	claimed, _, ok, err := s.claimDueMail()
	if err != nil || !ok || claimed.ID != m.ID || claimed.State != MailSending || claimed.Attempts != 1 {
		t.Fatalf("claim: %+v %v %v", claimed, ok, err)
	}
	// Nothing else claims it while it is being sent.
	if _, _, ok, _ := s.claimDueMail(); ok {
		t.Fatal("a mail being sent was claimed twice")
	}
	s.Close() // the process dies here, before recording the outcome

	s = open()
	defer s.Close()
	got, _ := s.GetMail(System, m.ID)
	if got.State != MailQueued || !got.NextAttempt.Equal(now) || got.LastError == "" || got.Attempts != 1 {
		t.Fatalf("after the restart: %+v", got)
	}
	again, _, ok, err := s.claimDueMail()
	if err != nil || !ok || again.ID != m.ID || again.MessageID != m.MessageID {
		t.Fatalf("the restarted sender does not pick it up with its Message-ID: %+v %v %v", again, ok, err)
	}
}
