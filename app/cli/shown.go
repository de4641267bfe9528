package cli

import (
	"strconv"
	"strings"

	"licensedesk/app"
)

// shown makes text from the data fit for the terminal it is printed to:
// the characters a one-line field refuses (app.BreaksLine: control
// characters such as escape sequences, line breaks and tabs, and bidi
// overrides) are written as Go escapes (\x1b, \n, \u202e), so a name
// stored before the text rules, or a row of a CSV from another desk,
// cannot move the cursor, clear the screen, fake a line or reverse the
// columns of a listing.
func shown(s string) string {
	if !strings.ContainsFunc(s, app.BreaksLine) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if app.BreaksLine(r) {
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
