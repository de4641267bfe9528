package app_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"licensedesk/app"
)

// smtpServer is a real SMTP server on 127.0.0.1 for the outbox tests. It
// keeps what it accepts and refuses the next mails as told.
type smtpServer struct {
	addr string
	mu   sync.Mutex
	got  []received
	// refuse is the answers to give to the next DATA commands, in order;
	// when empty the mail is accepted.
	refuse []*smtp.SMTPError
	helo   string
}

type received struct {
	From string
	To   []string
	Data []byte
}

func newSMTPServer(t *testing.T) *smtpServer {
	t.Helper()
	ss := &smtpServer{}
	srv := smtp.NewServer(ss)
	srv.Domain = "mx.test.example"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ss.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ss
}

// config is the desk's [smtp] section for this server.
func (ss *smtpServer) config() app.SMTPConfig {
	host, port, _ := net.SplitHostPort(ss.addr)
	var p int
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	return app.SMTPConfig{Host: host, Port: p, Security: app.SMTPNone, From: "Licenses <licenses@desk.example>", MaxAttempts: 3}
}

func (ss *smtpServer) refuseNext(errs ...*smtp.SMTPError) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.refuse = append(ss.refuse, errs...)
}

func (ss *smtpServer) received() []received {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return append([]received(nil), ss.got...)
}

func (ss *smtpServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	ss.mu.Lock()
	ss.helo = c.Hostname()
	ss.mu.Unlock()
	return &smtpSession{ss: ss}, nil
}

type smtpSession struct {
	ss *smtpServer
	r  received
}

func (s *smtpSession) Reset()        { s.r = received{} }
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.r.From = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.r.To = append(s.r.To, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ss.mu.Lock()
	defer s.ss.mu.Unlock()
	if len(s.ss.refuse) > 0 {
		e := s.ss.refuse[0]
		s.ss.refuse = s.ss.refuse[1:]
		return e
	}
	s.r.Data = data
	s.ss.got = append(s.ss.got, s.r)
	return nil
}

var (
	errBusy     = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mailbox busy, try again later"}
	errNoSuchTo = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox here"}
)

func isValidation(err error, field string) bool {
	var ve *app.ValidationError
	return errors.As(err, &ve) && ve.Field == field
}

func contains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }

func decodeBase64(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		return s // not base64: already decoded
	}
	return string(b)
}
