package app

import (
	"strings"
	"time"

	"licensedesk/storage"
)

// Terms are the checkout terms a partner accepts before an invoice is
// made (F26). The operator edits the text and its version; every invoice
// records the version accepted, by whom and when.
type Terms struct {
	Version string    `json:"version"`
	Text    string    `json:"text"`
	Updated time.Time `json:"updated,omitzero"`
	By      string    `json:"by,omitempty"`
}

// DefaultTerms are the terms until the operator sets their own.
var DefaultTerms = Terms{Version: "1", Text: "The licenses listed on this invoice are billed at the prices shown. " +
	"Payment is due within the period stated on the invoice. Licenses stay usable while the invoice is open; " +
	"they are marked paid when it is paid in full."}

// Limits of the terms.
const (
	maxTermsVersion = 40
	maxTermsText    = 20000
)

// GetTerms returns the current checkout terms.
func (s *Service) GetTerms(a Actor) (Terms, error) {
	if a.Role == "" {
		return Terms{}, ErrUnauthorized
	}
	var t Terms
	err := s.db.View(func(tx *storage.Tx) (err error) { t, err = currentTerms(tx); return err })
	return t, err
}

func currentTerms(tx *storage.Tx) (Terms, error) {
	t, ok, err := getTerms(tx)
	if err != nil {
		return Terms{}, err
	}
	if !ok {
		return DefaultTerms, nil
	}
	return t, nil
}

// SetTerms replaces the checkout terms (operator only). A new text needs
// a new version, so an acceptance always names the text that was shown.
func (s *Service) SetTerms(a Actor, in Terms) (Terms, error) {
	if err := a.requireOperator(); err != nil {
		return Terms{}, err
	}
	in.Version = strings.TrimSpace(in.Version)
	in.Text = strings.TrimSpace(strings.ReplaceAll(in.Text, "\r\n", "\n"))
	switch {
	case in.Version == "":
		return Terms{}, Invalid("version", "is required, such as 2026-1")
	case len(in.Version) > maxTermsVersion:
		return Terms{}, Invalid("version", "must be at most %d characters", maxTermsVersion)
	case strings.ContainsFunc(in.Version, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return Terms{}, Invalid("version", "must be one line of printable characters")
	case in.Text == "":
		return Terms{}, Invalid("text", "is required")
	case len(in.Text) > maxTermsText:
		return Terms{}, Invalid("text", "must be at most %d characters", maxTermsText)
	}
	var out Terms
	err := s.update(func(tx *storage.Tx) error {
		cur, err := currentTerms(tx)
		if err != nil {
			return err
		}
		if cur.Text != in.Text && cur.Version == in.Version {
			return Invalid("version", "the text changed: give it a new version (the current one is %s)", cur.Version)
		}
		out = Terms{Version: in.Version, Text: in.Text, Updated: s.now(), By: a.Email}
		if err := putTerms(tx, out); err != nil {
			return err
		}
		return s.audit(tx, a, "terms.update", out.Version, "")
	})
	return out, err
}
