package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/spf13/pflag"

	"licensedesk/app"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBadFlagsAndConfig: every bad flag, config file or environment value
// is one clear line naming what is wrong, with exit status 2, before any
// data is touched.
func TestBadFlagsAndConfig(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	unknownKey := writeFile(t, "unknown.toml", "addr = \"127.0.0.1:9000\"\ncolour = \"red\"\n")
	badSyntax := writeFile(t, "syntax.toml", "addr = \"127.0.0.1:9000\"\ntimezone = \n")
	badTZFile := writeFile(t, "tz.toml", "timezone = \"Mars/Base\"\n")
	badType := writeFile(t, "type.toml", "expiring_days = \"thirty\"\n")
	badDuration := writeFile(t, "dur.toml", "lock_timeout = \"soon\"\n")
	zeroDays := writeFile(t, "zero.toml", "expiring_days = 0\n")
	unreadable := writeFile(t, "secret.toml", "addr = \"127.0.0.1:9000\"\n")
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		env   env
		args  []string
		wants []string
	}{
		{"unknown command", nil, []string{"frobnicate"}, []string{`unknown command "frobnicate"`}},
		{"unknown flag on serve", nil, []string{"serve", "--colour", "red"}, []string{"unknown flag: --colour"}},
		{"unknown flag with no command", nil, []string{"--colour", "red"}, []string{"unknown flag: --colour"}},
		{"unknown flag on user list", nil, []string{"user", "list", "--bogus"}, []string{"unknown flag: --bogus", "user list --help"}},
		{"flag without its value", nil, []string{"backup", "x.db", "--data"}, []string{"--data"}},
		{"unknown subcommand", nil, []string{"user", "remove"}, []string{`unknown subcommand "remove"`}},
		{"missing subcommand", nil, []string{"token"}, []string{"missing subcommand"}},
		{"bad addr", nil, []string{"serve", "--data", data, "--addr", "localhost"}, []string{"config: addr:", `"localhost" is not HOST:PORT`}},
		{"bad port", nil, []string{"serve", "--data", data, "--addr", "127.0.0.1:http99"}, []string{"config: addr:", "port"}},
		{"port out of range", nil, []string{"serve", "--data", data, "--addr", "127.0.0.1:70000"}, []string{"config: addr:"}},
		{"bad timezone flag", nil, []string{"serve", "--data", data, "--timezone", "Mars/Base"}, []string{`config: timezone: unknown time zone "Mars/Base"`}},
		{"bad timezone in file", nil, []string{"serve", "--data", data, "--config", badTZFile}, []string{`config: timezone: unknown time zone "Mars/Base"`}},
		{"unknown config key", nil, []string{"serve", "--data", data, "--config", unknownKey}, []string{unknownKey, `unknown key "colour"`}},
		{"config syntax error", nil, []string{"serve", "--config", badSyntax}, []string{badSyntax, "line 2"}},
		{"config value of the wrong type", nil, []string{"serve", "--config", badType}, []string{"expiring_days", "whole number"}},
		{"config duration that does not parse", nil, []string{"serve", "--config", badDuration}, []string{"lock_timeout", `"soon"`}},
		{"expiring_days zero", nil, []string{"serve", "--config", zeroDays}, []string{"config: expiring_days:"}},
		{"missing config file", nil, []string{"serve", "--config", "/nonexistent/licensedesk.toml"}, []string{"cannot read /nonexistent/licensedesk.toml"}},
		{"config file is a directory", nil, []string{"serve", "--config", t.TempDir()}, []string{"cannot read"}},
		{"config file from the environment", env{"LICENSEDESK_CONFIG": "/nonexistent/env.toml"}, []string{"user", "list"}, []string{"/nonexistent/env.toml"}},
		{"bad env number", env{"LICENSEDESK_EXPIRING_DAYS": "abc"}, []string{"user", "list", "--data", data}, []string{"LICENSEDESK_EXPIRING_DAYS", `"abc" is not a whole number`}},
		{"bad env duration", env{"LICENSEDESK_LOCK_TIMEOUT": "forever"}, []string{"serve", "--data", data}, []string{"LICENSEDESK_LOCK_TIMEOUT", "duration"}},
		{"bad env addr", env{"LICENSEDESK_ADDR": "nowhere"}, []string{"serve", "--data", data}, []string{"config: addr:"}},
		{"bad env timezone", env{"LICENSEDESK_TIMEZONE": "Mars/Base"}, []string{"token", "list", "--data", data}, []string{`config: timezone: unknown time zone "Mars/Base"`}},
		{"bad secure_cookies", nil, []string{"serve", "--secure-cookies", "sometimes"}, []string{"config: secure_cookies:", "auto, always or never"}},
		{"bad log level", nil, []string{"reindex", "--log-level", "loud"}, []string{"config: log_level:"}},
		{"bad log format", nil, []string{"serve", "--log-format", "xml"}, []string{"config: log_format:"}},
		{"bad lock timeout flag", nil, []string{"user", "list", "--lock-timeout", "soon"}, []string{"--lock-timeout", `"soon"`}},
		{"tls cert without key", nil, []string{"serve", "--tls-cert", "cert.pem"}, []string{"config: tls_key:", "both or neither"}},
		{"tls key without cert", nil, []string{"serve", "--tls-key", "key.pem"}, []string{"config: tls_cert:"}},
		{"bad base url", nil, []string{"serve", "--base-url", "licenses.example.com"}, []string{"config: base_url:"}},
		{"bad trusted proxy", nil, []string{"serve", "--trusted-proxies", "10.0.0.1,gateway"}, []string{"config: trusted_proxies:", `"gateway"`}},
		{"user add without email", nil, []string{"user", "add", "--data", data, "--role", "operator"}, []string{"--email is required"}},
		{"user add with a bad role", nil, []string{"user", "add", "--data", data, "--email", "a@example.com", "--role", "admin"}, []string{"--role must be operator or partner"}},
		{"partner user without partner", nil, []string{"user", "add", "--data", data, "--email", "a@example.com", "--role", "partner"}, []string{"--partner is required"}},
		{"operator with a partner", nil, []string{"user", "add", "--data", data, "--email", "a@example.com", "--role", "operator", "--partner", "P-ABCD-EFGH"}, []string{"--partner is only for partner users"}},
		{"empty password on stdin", nil, []string{"user", "add", "--data", data, "--email", "a@example.com", "--role", "operator", "--password-stdin"}, []string{"--password-stdin"}},
		{"token create without email", nil, []string{"token", "create", "--data", data}, []string{"--email is required"}},
		{"token revoke without an id", nil, []string{"token", "revoke", "--data", data}, []string{"missing the token's ID or value"}},
		{"backup without a file", nil, []string{"backup", "--data", data}, []string{"missing the backup FILE"}},
		{"restore with two files", nil, []string{"restore", "a.db", "b.db", "--data", data}, []string{`unexpected argument "b.db"`}},
		{"version with an argument", nil, []string{"version", "now"}, []string{`unexpected argument "now"`}},
	}
	if os.Geteuid() != 0 { // root reads a mode-0 file anyway
		cases = append(cases, struct {
			name  string
			env   env
			args  []string
			wants []string
		}{"unreadable config file", nil, []string{"serve", "--config", unreadable}, []string{"cannot read", "permission denied"}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.env, "", tc.args...)
			if r.code != exitUsage {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, exitUsage, r.stdout, r.stderr)
			}
			oneErrorLine(t, r, tc.wants...)
			if r.stdout != "" {
				t.Errorf("stdout should be empty on a usage error, got %q", r.stdout)
			}
		})
	}
	if _, err := os.Stat(data); err == nil {
		t.Errorf("a rejected invocation created the data directory %s", data)
	}
}

// effective parses args for a command with every config flag and returns
// the effective configuration.
func effective(t *testing.T, e env, args ...string) (app.Config, error) {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	cf := addConfigFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return cf.load(e.lookup)
}

// TestPrecedence: flags beat the environment, which beats the config
// file, which beats the embedded defaults; key by key.
func TestPrecedence(t *testing.T) {
	file := writeFile(t, "licensedesk.toml", `
data = "/srv/file-data"
addr = "127.0.0.1:1111"
timezone = "Europe/Berlin"
log_level = "debug"
lock_timeout = "5s"
trusted_proxies = ["10.0.0.1"]
expiring_days = 14
`)
	e := env{
		"LICENSEDESK_ADDR":          "127.0.0.1:2222",
		"LICENSEDESK_TIMEZONE":      "Asia/Tokyo",
		"LICENSEDESK_EXPIRING_DAYS": "21",
		"LICENSEDESK_LOG_FORMAT":    "json",
	}
	cfg, err := effective(t, e, "--config", file, "--addr", "127.0.0.1:3333", "--expiring-days", "7")
	if err != nil {
		t.Fatal(err)
	}
	want := app.Defaults()
	want.Data = "/srv/file-data"               // file only
	want.Addr = "127.0.0.1:3333"               // flag > env > file
	want.TimeZone = "Asia/Tokyo"               // env > file
	want.LogLevel = "debug"                    // file > default
	want.LockTimeout = 5 * time.Second         // file > default
	want.TrustedProxies = []string{"10.0.0.1"} // file > default
	want.ExpiringDays = 7                      // flag > env > file
	want.LogFormat = "json"                    // env > default
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("effective config\n got %+v\nwant %+v", cfg, want)
	}

	// No file, no env, no flags: the embedded defaults.
	cfg, err = effective(t, nil)
	if err != nil || !reflect.DeepEqual(cfg, app.Defaults()) {
		t.Fatalf("defaults: got %+v, %v", cfg, err)
	}

	// LICENSEDESK_CONFIG names the file; --config beats it.
	other := writeFile(t, "other.toml", "addr = \"127.0.0.1:4444\"\n")
	cfg, err = effective(t, env{"LICENSEDESK_CONFIG": file})
	if err != nil || cfg.Addr != "127.0.0.1:1111" {
		t.Fatalf("LICENSEDESK_CONFIG: addr %q, %v", cfg.Addr, err)
	}
	cfg, err = effective(t, env{"LICENSEDESK_CONFIG": file}, "--config", other)
	if err != nil || cfg.Addr != "127.0.0.1:4444" || cfg.TimeZone != "UTC" {
		t.Fatalf("--config over LICENSEDESK_CONFIG: %+v, %v", cfg, err)
	}

	// A flag given with the default's value still beats env and file.
	cfg, err = effective(t, e, "--config", file, "--addr", "127.0.0.1:8080")
	if err != nil || cfg.Addr != "127.0.0.1:8080" {
		t.Fatalf("explicit default flag: addr %q, %v", cfg.Addr, err)
	}

	// The environment list form.
	cfg, err = effective(t, env{"LICENSEDESK_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.0/8"})
	if err != nil || !reflect.DeepEqual(cfg.TrustedProxies, []string{"10.0.0.1", "10.0.0.0/8"}) {
		t.Fatalf("trusted proxies from env: %v, %v", cfg.TrustedProxies, err)
	}
}

// TestPrecedenceThroughServe: the effective data directory and address
// are the ones serve really uses.
func TestPrecedenceThroughServe(t *testing.T) {
	fileData, envData, flagData := t.TempDir(), t.TempDir(), t.TempDir()
	file := writeFile(t, "c.toml", "data = \""+fileData+"\"\naddr = \"127.0.0.1:1\"\n")
	// env names another data dir and a bad addr; the flag fixes the addr.
	r := run(t, env{"LICENSEDESK_DATA": envData, "LICENSEDESK_ADDR": "nonsense"}, "", "user", "list", "--config", file)
	if r.code != exitUsage || !strings.Contains(r.stderr, "config: addr:") {
		t.Fatalf("env addr should beat the file's and be rejected: %d %s", r.code, r.stderr)
	}
	r = run(t, env{"LICENSEDESK_DATA": envData}, "", "token", "list", "--config", file)
	if r.code != 0 {
		t.Fatalf("token list: %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(envData, "licensedesk.db")); err != nil {
		t.Fatalf("env data dir not used: %v", err)
	}
	if _, err := os.Stat(filepath.Join(fileData, "licensedesk.db")); err == nil {
		t.Fatalf("the file's data dir was used although the environment names another")
	}
	r = run(t, env{"LICENSEDESK_DATA": envData}, "", "token", "list", "--config", file, "--data", flagData)
	if r.code != 0 {
		t.Fatalf("token list: %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(flagData, "licensedesk.db")); err != nil {
		t.Fatalf("flag data dir not used: %v", err)
	}
}

// TestExampleConfig: config.example.toml lists every key of app.Config,
// each documented, and decodes to exactly the embedded defaults.
func TestExampleConfig(t *testing.T) {
	const path = "../../config.example.toml"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tables map[string]any
	if _, err := toml.Decode(string(raw), &tables); err != nil {
		t.Fatal(err)
	}
	keys := map[string]any{} // "smtp.host" for host in [smtp]
	for k, v := range tables {
		if sub, ok := v.(map[string]any); ok {
			for sk, sv := range sub {
				keys[k+"."+sk] = sv
			}
			continue
		}
		keys[k] = v
	}
	for _, s := range settings() {
		if _, ok := keys[s.key]; !ok {
			t.Errorf("config.example.toml does not list %q", s.key)
		}
		if s.help == "" {
			t.Errorf("setting %q has no help text", s.key)
		}
	}
	if len(keys) != len(settings()) {
		t.Errorf("config.example.toml has %d keys, app.Config %d", len(keys), len(settings()))
	}
	cfg, err := effective(t, nil, "--config", path)
	if err != nil {
		t.Fatal(err)
	}
	want := app.Defaults()
	if len(want.TrustedProxies) == 0 && len(cfg.TrustedProxies) == 0 {
		cfg.TrustedProxies = want.TrustedProxies // [] and nil alike
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("config.example.toml decodes to\n%+v\nnot the defaults\n%+v", cfg, want)
	}
	if err := validate(app.Defaults()); err != nil {
		t.Fatalf("the embedded defaults do not validate: %v", err)
	}
}

// TestHelp: every command answers --help with its usage, its flags and,
// where it reads settings, the precedence rule; exit status 0.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"help"}, {"serve", "--help"}, {"backup", "--help"}, {"restore", "-h"}, {"reindex", "--help"},
		{"user", "add", "--help"}, {"user", "passwd", "--help"}, {"user", "list", "--help"}, {"user", "--help"},
		{"token", "create", "--help"}, {"token", "revoke", "--help"}, {"token", "list", "--help"},
		{"version", "--help"}, {"help", "user", "add"},
	} {
		r := run(t, nil, "", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: licensedesk") || r.stderr != "" {
			t.Errorf("%v: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
			continue
		}
		name := args[0]
		if name == "help" && len(args) > 1 {
			name = args[1]
		}
		if name == "--help" || name == "help" || name == "version" || len(args) == 2 && args[0] == "user" {
			continue
		}
		for _, want := range []string{"--data", "--addr", "--config", "flags, then environment variables", "-h, --help"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v --help does not mention %q:\n%s", args, want, r.stdout)
			}
		}
	}
	r := run(t, nil, "", "serve", "--help")
	for _, want := range []string{"--timezone", "--tls-cert", "--demo", `(default "./data")`, `(default "127.0.0.1:8080")`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("serve --help does not mention %q", want)
		}
	}
	r = run(t, nil, "", "user", "add", "--help")
	for _, want := range []string{"--email", "--role", "--partner", "--password-stdin"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("user add --help does not mention %q", want)
		}
	}
}

func TestVersion(t *testing.T) {
	var out, errb strings.Builder
	if code := Main([]string{"version"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("version: exit %d: %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "licensedesk ") || !strings.Contains(out.String(), "schema") {
		t.Fatalf("version printed %q", out.String())
	}
}
