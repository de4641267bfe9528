package cli

import (
	"strconv"
	"strings"
	"unicode"
)

// shown makes text from the data fit for the terminal it is printed to:
// control characters (escape sequences, line breaks, tabs) and bidi
// overrides are written as Go escapes (\x1b, \n, \u202e), so a name
// stored before the text rules, or a row of a CSV from another desk,
// cannot move the cursor, clear the screen, fake a line or reverse the
// columns of a listing.
func shown(s string) string {
	if !strings.ContainsFunc(s, hiddenRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if hiddenRune(r) {
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hiddenRune(r rune) bool {
	return unicode.IsControl(r) || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}
