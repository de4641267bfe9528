package cli

import (
	"testing"

	"licensedesk/app"
)

// The [invoice] section: the paper size is A4 or Letter, in any case, and
// anything else stops the start with the key named.
func TestInvoiceConfigPaper(t *testing.T) {
	for raw, want := range map[string]string{"A4": app.PaperA4, "a4": app.PaperA4, "Letter": app.PaperLetter, " LETTER ": app.PaperLetter} {
		file := writeFile(t, "paper.toml", "[invoice]\npaper = \""+raw+"\"\n")
		cfg, err := effective(t, nil, "--config", file)
		if err != nil {
			t.Fatalf("paper %q: %v", raw, err)
		}
		if got, ok := app.ParsePaper(cfg.Invoice.Paper); !ok || got != want {
			t.Fatalf("paper %q reads as %q (%v); want %q", raw, got, ok, want)
		}
	}
	if cfg, err := effective(t, nil); err != nil || cfg.Invoice.Paper != app.PaperA4 {
		t.Fatalf("default paper %q, %v; want A4", cfg.Invoice.Paper, err)
	}

	data := t.TempDir() + "/data"
	a5 := writeFile(t, "a5.toml", "[invoice]\npaper = \"A5\"\n")
	noDays := writeFile(t, "due.toml", "[invoice]\ndue_days = 0\n")
	// The seller's name goes into every invoice mail's subject.
	crlf := writeFile(t, "seller.toml", "[invoice]\nseller_name = \"Acme\\r\\nBcc: thief@evil.example\"\n")
	nul := writeFile(t, "vat.toml", "[invoice]\nseller_vat_id = \"DE\\u0000123\"\n")
	for _, tc := range []struct {
		name  string
		env   env
		args  []string
		wants []string
	}{
		{"paper in the file", nil, []string{"serve", "--data", data, "--config", a5}, []string{"config: invoice.paper:", `must be A4 or Letter, not "A5"`}},
		{"paper as a flag", nil, []string{"serve", "--data", data, "--invoice-paper", "legal"}, []string{"config: invoice.paper:", `"legal"`}},
		{"paper from the environment", env{"LICENSEDESK_INVOICE_PAPER": "tabloid"}, []string{"serve", "--data", data}, []string{"config: invoice.paper:", `"tabloid"`}},
		{"due days zero", nil, []string{"serve", "--data", data, "--config", noDays}, []string{"config: invoice.due_days:", "1 to 3650"}},
		{"seller name with a line break", nil, []string{"serve", "--data", data, "--config", crlf}, []string{"config: invoice.seller_name:", "one line"}},
		{"seller VAT ID with NUL", nil, []string{"serve", "--data", data, "--config", nul}, []string{"config: invoice.seller_vat_id:", "control characters"}},
		{"seller name from the environment", env{"LICENSEDESK_INVOICE_SELLER_NAME": "Acme\x1b[2J"}, []string{"serve", "--data", data}, []string{"config: invoice.seller_name:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.env, "", tc.args...)
			if r.code != exitUsage {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, exitUsage, r.stdout, r.stderr)
			}
			oneErrorLine(t, r, tc.wants...)
		})
	}
}
