package cli

import "testing"

func TestShownEscapesWhatWouldDriveTheTerminal(t *testing.T) {
	for in, want := range map[string]string{
		"Northwind IT":              "Northwind IT",
		"Müller & Łódź":             "Müller & Łódź",
		"ok\x1b[2J\x1b]0;pwned\x07": `ok\x1b[2J\x1b]0;pwned\a`,
		"a\r\nb\tc":                 `a\r\nb\tc`,
		"\u202elacol.nimda":         `\u202elacol.nimda`,
	} {
		if got := shown(in); got != want {
			t.Errorf("shown(%q) = %q, want %q", in, got, want)
		}
	}
}
