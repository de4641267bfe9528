package cli

import (
	"strings"
	"testing"
	"time"
)

// The [smtp] section comes from the file's table, the environment
// (LICENSEDESK_SMTP_*) and flags (--smtp-*), in that order of strength.
func TestSMTPConfigLayers(t *testing.T) {
	file := writeFile(t, "licensedesk.toml", `
addr = "127.0.0.1:9090"

[smtp]
host = "mail.example.com"
port = 2525
security = "tls"
username = "desk"
password = "from-the-file"
from = "Licenses <licenses@example.com>"
timeout = "10s"
max_attempts = 4
`)
	cfg, err := effective(t, env{"LICENSEDESK_SMTP_PASSWORD": "from-the-env"}, "--config", file, "--smtp-helo", "desk.example.com")
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.SMTP
	if c.Host != "mail.example.com" || c.Port != 2525 || c.Security != "tls" || c.Username != "desk" || c.Password != "from-the-env" ||
		c.From != "Licenses <licenses@example.com>" || c.HELO != "desk.example.com" || c.Timeout != 10*time.Second || c.MaxAttempts != 4 {
		t.Fatalf("smtp config: %+v", c)
	}
	if cfg.Addr != "127.0.0.1:9090" {
		t.Fatalf("a top-level key beside the section: %q", cfg.Addr)
	}
}

func TestSMTPConfigErrorsNameTheKey(t *testing.T) {
	for _, c := range []struct {
		name, toml string
		env        env
		want       string
	}{
		{"unknown key in the section", "[smtp]\nhots = \"x\"\n", nil, `unknown key "smtp.hots"`},
		{"bad security", "[smtp]\nsecurity = \"ssl\"\n", nil, "smtp.security: must be starttls, tls or none"},
		{"host without from", "[smtp]\nhost = \"mail.example.com\"\n", nil, "smtp.from: is needed with smtp.host"},
		{"bad from", "[smtp]\nfrom = \"licenses at example\"\n", nil, "smtp.from:"},
		{"port out of range", "[smtp]\nport = 70000\n", nil, "smtp.port:"},
		{"password in clear", "[smtp]\nhost = \"relay\"\nfrom = \"a@example.com\"\nsecurity = \"none\"\nusername = \"u\"\npassword = \"p\"\n", nil, "smtp.security: is none"},
		{"username without password", "[smtp]\nhost = \"relay\"\nfrom = \"a@example.com\"\nusername = \"u\"\n", nil, "smtp.password: is needed"},
		{"zero attempts", "[smtp]\nmax_attempts = 0\n", nil, "smtp.max_attempts:"},
		{"wrong type", "[smtp]\nport = \"25\"\n", nil, "smtp.port: must be a whole number"},
		{"bad env", "", env{"LICENSEDESK_SMTP_TIMEOUT": "later"}, "LICENSEDESK_SMTP_TIMEOUT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := writeFile(t, "licensedesk.toml", c.toml)
			_, err := effective(t, c.env, "--config", file)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
