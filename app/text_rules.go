package app

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text typed by users ends up in pages, CSV exports, mails and PDFs.
// A field shown on one line (a name, a customer, a key) takes no control
// characters at all: no NUL, no escape sequences, no line breaks or tabs.
// Notes may keep line breaks and tabs, and nothing else of the kind.

// BreaksLine reports the characters a one-line field refuses: every
// control character (C0, DEL, C1), the Unicode line and paragraph
// separators and the bidi controls. The command line escapes the same
// characters in what it prints from the data.
func BreaksLine(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || reordersText(r)
}

// reordersText reports the bidi embeddings, overrides and isolates
// (U+202A-U+202E, U+2066-U+2069): they reorder whatever follows them on
// a page, in a CSV cell or a mail subject ("Office \u202e5FCA" shows
// another key). Right-to-left text itself needs none of them; the marks
// (U+200E, U+200F) and the joiners stay allowed.
func reordersText(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// checkOneLine refuses a one-line field with control characters.
func checkOneLine(field, v string) error {
	if !utf8.ValidString(v) {
		return Invalid(field, "is not valid UTF-8 text")
	}
	if strings.IndexFunc(v, BreaksLine) >= 0 {
		return Invalid(field, "must be plain text on one line, without line breaks, tabs, bidi overrides or other control characters")
	}
	return nil
}

// checkMultiLine refuses a multi-line field with control characters other
// than line feeds and tabs; cleanMultiLine has turned CRLF into LF.
func checkMultiLine(field, v string) error {
	if !utf8.ValidString(v) {
		return Invalid(field, "is not valid UTF-8 text")
	}
	if strings.IndexFunc(v, func(r rune) bool { return r != '\n' && r != '\t' && unicode.IsControl(r) || reordersText(r) }) >= 0 {
		return Invalid(field, "may hold line breaks and tabs but no other control characters or bidi overrides")
	}
	return nil
}

// cleanMultiLine trims a multi-line field and turns the CRLF line breaks
// browsers send from a textarea into LF.
func cleanMultiLine(v string) string {
	return strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
}

// maxTypedAudit bounds what an audit entry keeps of a value a stranger
// typed (the email of a failed sign-in).
const maxTypedAudit = 320

// typedForAudit is how an audit entry records a value typed before anyone
// is known: as it is when it is plain text of a sane length, otherwise
// quoted in ASCII and cut, so that no line break, escape, bidi override
// or invisible character can make the log show something else (a
// right-to-left override turns "lacol.ksednesnecil@nimda" into the
// operator's address) and a huge value is not stored whole.
func typedForAudit(v string) string {
	plain := utf8.ValidString(v) && strings.IndexFunc(v, func(r rune) bool { return BreaksLine(r) || unicode.Is(unicode.Cf, r) }) < 0
	if plain && len(v) <= maxTypedAudit {
		return v
	}
	q := strconv.QuoteToASCII(v)
	if len(q) > maxTypedAudit {
		q = q[:maxTypedAudit] + "…"
	}
	return q
}
