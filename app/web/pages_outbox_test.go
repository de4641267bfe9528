package web_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"licensedesk/app"
	"licensedesk/app/web"
)

func queueTestMail(t *testing.T, svc *app.Service, partnerID uint64, subject string) app.Mail {
	t.Helper()
	m, err := svc.QueueMail(app.System, app.MailInput{Kind: "activation", PartnerID: partnerID, To: []string{"Jürgen Müller <jm@harbor.example>"},
		Subject: subject, Text: "Your key: ABCD-1234\nPrice: 12,50 €\n<script>alert(1)</script>\n",
		Attachments: []app.Attachment{{Name: "key.txt", ContentType: "text/plain; charset=utf-8", Data: []byte("ABCD-1234")}}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Without SMTP the operator finds each mail on /outbox as "to send by
// hand", reads its headers and text to copy, downloads its attachment;
// "send again" says why it cannot. A partner sees only its own mails.
func TestOutboxPagesWithoutSMTP(t *testing.T) {
	h := newUIHarness(t)
	name := "Harbor IT"
	p, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &name})
	other := "Other Co"
	q, _ := h.svc.CreatePartner(app.System, app.PartnerInput{Name: &other})
	mine := queueTestMail(t, h.svc, p.ID, "Your Harbor key")
	theirs := queueTestMail(t, h.svc, q.ID, "Other Co key")
	h.user("ops@desk.example", 0)
	op := h.login("ops@desk.example")

	resp, body := op.get("/outbox")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "No SMTP server is configured", "Your Harbor key", "Other Co key", "to send by hand", "Jürgen Müller &lt;jm@harbor.example&gt;")
	resp, body = op.get("/outbox?state=sent")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "No mails in this state.")
	resp, body = op.get("/outbox?state=bogus")
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)

	resp, body = op.get(fmt.Sprintf("/outbox/%d", mine.ID))
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Your Harbor key", "<"+mine.MessageID+">", "key.txt", "to send by hand")
	if !strings.Contains(body, html.EscapeString("Your key: ABCD-1234\nPrice: 12,50 €\n<script>alert(1)</script>")) || strings.Contains(body, "<script>alert(1)") {
		t.Errorf("the mail text is not shown escaped, ready to copy:\n%s", body)
	}
	resp, body = op.get(fmt.Sprintf("/outbox/%d/attachment?n=0", mine.ID))
	wantStatus(t, resp, body, http.StatusOK)
	if body != "ABCD-1234" || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || !strings.Contains(resp.Header.Get("Content-Disposition"), `filename=key.txt`) {
		t.Errorf("attachment: %q %v", body, resp.Header)
	}
	resp, body = op.get(fmt.Sprintf("/outbox/%d/attachment?n=1", mine.ID))
	wantStatus(t, resp, body, http.StatusNotFound)

	resp, body = op.post(fmt.Sprintf("/outbox/%d/resend", mine.ID), url.Values{})
	wantStatus(t, resp, body, http.StatusUnprocessableEntity)
	if a := formAlert(body); !strings.Contains(a, "o SMTP server is configured") {
		t.Errorf("re-send without SMTP says %q", a)
	}

	// Sent by hand instead: it leaves the to-do list.
	resp, body = op.post(fmt.Sprintf("/outbox/%d/sent-by-hand", mine.ID), url.Values{})
	wantStatus(t, resp, body, http.StatusSeeOther)
	_, body = op.follow(resp)
	wantContains(t, body, "Marked as sent by hand.", "by hand")
	if got, _ := h.svc.GetMail(app.System, mine.ID); got.State != app.MailSent || !got.SentByHand {
		t.Errorf("after marking: %+v", got)
	}
	resp, body = op.post(fmt.Sprintf("/outbox/%d/sent-by-hand", mine.ID), url.Values{})
	wantStatus(t, resp, body, http.StatusConflict)

	h.user("anna@harbor.example", p.ID)
	pc := h.login("anna@harbor.example")
	resp, body = pc.get("/outbox")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Your Harbor key")
	if strings.Contains(body, "Other Co key") {
		t.Error("a partner sees another partner's mail in the list")
	}
	for _, path := range []string{fmt.Sprintf("/outbox/%d", theirs.ID), fmt.Sprintf("/outbox/%d/attachment?n=0", theirs.ID)} {
		resp, body = pc.get(path)
		wantStatus(t, resp, body, http.StatusNotFound)
	}
	resp, body = pc.post(fmt.Sprintf("/outbox/%d/resend", mine.ID), url.Values{})
	wantStatus(t, resp, body, http.StatusForbidden)
}

// With SMTP configured "send again" queues a failed or sent mail again;
// the API lists, reads and re-sends the same way.
func TestOutboxResendWithSMTP(t *testing.T) {
	cfg := app.Defaults()
	cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.Security, cfg.SMTP.From = "127.0.0.1", 9, app.SMTPNone, "desk@desk.example"
	svc, err := app.Open(app.Options{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SMTP: cfg.SMTP})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	f, err := web.New(svc, cfg, slog.New(slog.NewTextHandler(testLog{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h := &uiHarness{t: t, svc: svc, app: f}
	m := queueTestMail(t, svc, 0, "Queued key")
	h.user("ops@desk.example", 0)
	op := h.login("ops@desk.example")
	resp, body := op.get(fmt.Sprintf("/outbox/%d", m.ID))
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "queued", "Next attempt")
	if strings.Contains(body, "Send again") {
		t.Error("a queued mail offers to be sent again")
	}
	// Queued already: a conflict, said plainly.
	resp, body = op.post(fmt.Sprintf("/outbox/%d/resend", m.ID), url.Values{})
	wantStatus(t, resp, body, http.StatusConflict)

	// The API, with a token.
	raw, _, err := svc.CreateTokenForUser(app.System, "ops@desk.example", "test")
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path string) (int, []byte) {
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Authorization", "Bearer "+raw)
		resp, err := f.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, b := call("GET", "/api/v1/outbox?state=queued")
	var page app.Page[app.Mail]
	if status != 200 || json.Unmarshal(b, &page) != nil || page.Total != 1 || page.Items[0].Subject != "Queued key" {
		t.Fatalf("GET /api/v1/outbox: %d %s", status, b)
	}
	status, b = call("GET", fmt.Sprintf("/api/v1/outbox/%d", m.ID))
	var got app.Mail
	if status != 200 || json.Unmarshal(b, &got) != nil || got.MessageID != m.MessageID || got.State != app.MailQueued {
		t.Fatalf("GET /api/v1/outbox/%d: %d %s", m.ID, status, b)
	}
	status, b = call("POST", fmt.Sprintf("/api/v1/outbox/%d/resend", m.ID))
	if status != http.StatusConflict || !strings.Contains(string(b), "state") {
		t.Fatalf("re-send of a queued mail: %d %s", status, b)
	}
	status, _ = call("GET", "/api/v1/outbox/999")
	if status != http.StatusNotFound {
		t.Fatalf("a missing mail: %d", status)
	}
}
