package cli

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/spf13/pflag"

	"licensedesk/app"
)

// setting is one field of app.Config as it appears in the config file
// (key, its toml tag), the environment (LICENSEDESK_KEY) and the flags
// (--key-with-dashes).
type setting struct {
	key   string // "addr"; a key of a section is "section.key", such as "smtp.host"
	index []int  // field index path in app.Config
	help  string
}

func (s setting) env() string {
	return "LICENSEDESK_" + strings.ToUpper(strings.ReplaceAll(s.key, ".", "_"))
}
func (s setting) flag() string { return strings.NewReplacer("_", "-", ".", "-").Replace(s.key) }

// settingHelp describes every config key; a test checks that each field of
// app.Config has one and that config.example.toml lists them all.
var settingHelp = map[string]string{
	"data":            "data directory (created if missing)",
	"addr":            "listen address HOST:PORT",
	"base_url":        "public URL used in links (default http://ADDR)",
	"timezone":        "IANA time zone times are shown in, such as Europe/Berlin",
	"tls_cert":        "TLS certificate file: serve HTTPS directly (needs tls_key)",
	"tls_key":         "TLS private key file (needs tls_cert)",
	"trusted_proxies": "comma-separated reverse proxy addresses whose X-Forwarded-For is believed",
	"secure_cookies":  "Secure cookie flag: auto, always or never",
	"lock_timeout":    "how long to wait for the data file lock, such as 2s",
	"log_level":       "log level: debug, info, warn or error",
	"log_format":      "log format: text or json",
	"expiring_days":   `the "expiring soon" window of the license list, in days`,
	"body_limit":      "largest request body in bytes",
	"refund_days":     "days after a purchase in which a partner may refund its unactivated licenses",
	"auto_renew_days": "auto-renew renews a license this many days before it expires",
	"reminder_day":    "weekday of the partners' weekly reminder digest, such as monday",

	"smtp.host":         "SMTP server for the outbox's mail; empty: mails are kept for sending by hand",
	"smtp.port":         "SMTP port; 0: 587 for starttls, 465 for tls, 25 for none",
	"smtp.security":     "SMTP connection security: starttls, tls or none",
	"smtp.username":     "SMTP login; empty: no authentication",
	"smtp.password":     "SMTP password (prefer the environment variable LICENSEDESK_SMTP_PASSWORD)",
	"smtp.from":         "sender address of every mail, such as Licenses <licenses@example.com>",
	"smtp.helo":         "name given in HELO/EHLO; empty: the domain of smtp.from",
	"smtp.timeout":      "time limit of one delivery, such as 30s",
	"smtp.max_attempts": "attempts before a mail is marked failed",
	"transfer_ttl":      "how long a transfer's secret stays usable, such as 168h",
	"max_upload":        "largest uploaded file (transfer file, receipt, license CSV) in bytes",

	"invoice.seller_name":          "seller name printed on invoices",
	"invoice.seller_address":       "seller address on invoices; lines separated by \\n",
	"invoice.seller_vat_id":        "seller VAT ID on invoices",
	"invoice.seller_email":         "seller contact email on invoices",
	"invoice.payment_instructions": "how to pay, printed on invoices (bank account, reference)",
	"invoice.paper":                "invoice paper size for print and PDF: A4 or Letter",
	"invoice.due_days":             "days after its date an invoice is due",
	"client_addr":                  "serve the client API (validate, activate, license files) alone on this HOST:PORT; empty: under /api/v1/client on addr",
}

// settings lists app.Config's fields in declaration order; a struct
// field is a [section] whose fields are listed as "section.key".
func settings() []setting {
	var out []setting
	var walk func(t reflect.Type, prefix string, index []int)
	walk = func(t reflect.Type, prefix string, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			key, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if key == "" || key == "-" {
				continue
			}
			idx := append(append([]int(nil), index...), i)
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, prefix+key+".", idx)
				continue
			}
			out = append(out, setting{key: prefix + key, index: idx, help: settingHelp[prefix+key]})
		}
	}
	walk(reflect.TypeFor[app.Config](), "", nil)
	return out
}

func settingByKey(key string) (setting, bool) {
	for _, s := range settings() {
		if s.key == key {
			return s, true
		}
	}
	return setting{}, false
}

// configFlags are the config keys a command takes as flags.
type configFlags struct {
	fs     *pflag.FlagSet
	keys   []setting
	config *string
}

// dataFlags are the settings every command that touches the data takes.
var dataFlags = []string{"data", "addr", "lock_timeout", "log_level", "log_format"}

// addConfigFlags registers --config and one flag per named key (all keys
// when keys is empty), each showing its embedded default.
func addConfigFlags(fs *pflag.FlagSet, keys ...string) *configFlags {
	cf := &configFlags{fs: fs}
	cf.config = fs.String("config", "", "config file (TOML); see config.example.toml (env LICENSEDESK_CONFIG)")
	def := reflect.ValueOf(app.Defaults())
	for _, s := range settings() {
		if len(keys) > 0 && !contains(keys, s.key) {
			continue
		}
		cf.keys = append(cf.keys, s)
		fs.String(s.flag(), formatValue(def.FieldByIndex(s.index)), s.help)
	}
	return cf
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func formatValue(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case time.Duration:
		return x.String()
	case []string:
		return strings.Join(x, ",")
	}
	return fmt.Sprint(v.Interface())
}

// configError is a bad setting: reported with exit status 2.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func configErrorf(format string, args ...any) error {
	return &configError{msg: fmt.Sprintf(format, args...)}
}

// load builds the effective configuration: embedded defaults, then the
// config file, then LICENSEDESK_* environment variables, then the flags
// given on the command line; and validates it.
func (cf *configFlags) load(env func(string) (string, bool)) (app.Config, error) {
	cfg := app.Defaults()
	v := reflect.ValueOf(&cfg).Elem()
	path := *cf.config
	if !cf.fs.Changed("config") {
		if p, ok := env("LICENSEDESK_CONFIG"); ok && p != "" {
			path = p
		}
	}
	if path != "" {
		if err := loadFile(path, v); err != nil {
			return cfg, err
		}
	}
	for _, s := range settings() {
		raw, ok := env(s.env())
		if !ok {
			continue
		}
		if err := setString(v.FieldByIndex(s.index), raw); err != nil {
			return cfg, configErrorf("environment %s: %v", s.env(), err)
		}
	}
	for _, s := range cf.keys {
		if !cf.fs.Changed(s.flag()) {
			continue
		}
		raw, _ := cf.fs.GetString(s.flag())
		if err := setString(v.FieldByIndex(s.index), raw); err != nil {
			return cfg, configErrorf("--%s: %v", s.flag(), err)
		}
	}
	return cfg, validate(cfg)
}

// loadFile decodes a TOML file onto v, rejecting unknown keys by name.
func loadFile(path string, v reflect.Value) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return configErrorf("config: cannot read %s: %v", path, err)
	}
	var m map[string]any
	if _, err := toml.Decode(string(raw), &m); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return configErrorf("config %s: line %d: %s", path, pe.Position.Line, pe.Message)
		}
		return configErrorf("config %s: %v", path, err)
	}
	return setTOMLKeys(path, "", m, v)
}

// setTOMLKeys stores each key of a decoded TOML table (a [section] when
// prefix is "section.") into the config.
func setTOMLKeys(path, prefix string, m map[string]any, v reflect.Value) error {
	for key, val := range m {
		if sub, ok := val.(map[string]any); ok && isSection(prefix+key) {
			if err := setTOMLKeys(path, prefix+key+".", sub, v); err != nil {
				return err
			}
			continue
		}
		s, ok := settingByKey(prefix + key)
		if !ok {
			return configErrorf("config %s: unknown key %q (see config.example.toml for the keys)", path, prefix+key)
		}
		if err := setTOML(v.FieldByIndex(s.index), val); err != nil {
			return configErrorf("config %s: %s: %v", path, prefix+key, err)
		}
	}
	return nil
}

// isSection reports whether name is a [section] of the config.
func isSection(name string) bool {
	for _, s := range settings() {
		if strings.HasPrefix(s.key, name+".") {
			return true
		}
	}
	return false
}

// setString parses an environment or flag value into a config field.
func setString(f reflect.Value, raw string) error {
	switch f.Interface().(type) {
	case string:
		f.SetString(strings.TrimSpace(raw))
	case []string:
		var list []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				list = append(list, p)
			}
		}
		f.Set(reflect.ValueOf(list))
	case time.Duration:
		d, err := time.ParseDuration(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 2s or 1m30s", raw)
		}
		f.SetInt(int64(d))
	case int:
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		f.SetInt(int64(n))
	default:
		return fmt.Errorf("unsupported setting type %s", f.Type())
	}
	return nil
}

// setTOML stores a decoded TOML value into a config field.
func setTOML(f reflect.Value, val any) error {
	switch f.Interface().(type) {
	case string:
		s, ok := val.(string)
		if !ok {
			return fmt.Errorf("must be a string in quotes, not %v", val)
		}
		f.SetString(s)
	case []string:
		arr, ok := val.([]any)
		if !ok {
			return fmt.Errorf(`must be a list of strings such as ["10.0.0.1"], not %v`, val)
		}
		list := make([]string, 0, len(arr))
		for _, e := range arr {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("must be a list of strings; %v is not a string", e)
			}
			list = append(list, s)
		}
		f.Set(reflect.ValueOf(list))
	case time.Duration:
		s, ok := val.(string)
		if !ok {
			return fmt.Errorf(`must be a duration in quotes such as "2s", not %v`, val)
		}
		return setString(f, s)
	case int:
		n, ok := val.(int64)
		if !ok {
			return fmt.Errorf("must be a whole number, not %v", val)
		}
		f.SetInt(n)
	default:
		return fmt.Errorf("unsupported setting type %s", f.Type())
	}
	return nil
}

// validate checks every setting and names the key of the first bad one.
func validate(c app.Config) error {
	bad := func(key, format string, args ...any) error {
		return configErrorf("config: %s: %s", key, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(c.Data) == "" {
		return bad("data", "must name a directory")
	}
	if err := checkAddr(c.Addr); err != nil {
		return bad("addr", "%v", err)
	}
	if c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return bad("base_url", "%q must start with http:// or https://", c.BaseURL)
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		return bad("timezone", "unknown time zone %q", c.TimeZone)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		if c.TLSCert == "" {
			return bad("tls_cert", "is needed with tls_key: set both or neither")
		}
		return bad("tls_key", "is needed with tls_cert: set both or neither")
	}
	switch c.SecureCookies {
	case "auto", "always", "never":
	default:
		return bad("secure_cookies", "must be auto, always or never, not %q", c.SecureCookies)
	}
	if c.LockTimeout <= 0 {
		return bad("lock_timeout", "must be more than zero, such as 2s")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return bad("log_level", "must be debug, info, warn or error, not %q", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return bad("log_format", "must be text or json, not %q", c.LogFormat)
	}
	if c.ExpiringDays <= 0 {
		return bad("expiring_days", "must be more than zero, not %d", c.ExpiringDays)
	}
	if c.BodyLimit <= 0 {
		return bad("body_limit", "must be more than zero bytes, not %d", c.BodyLimit)
	}
	if c.RefundDays < 1 || c.RefundDays > 365 {
		return bad("refund_days", "must be 1 to 365 days, not %d", c.RefundDays)
	}
	if c.TransferTTL < time.Minute {
		return bad("transfer_ttl", "must be at least a minute, such as 168h")
	}
	if c.MaxUpload <= 0 {
		return bad("max_upload", "must be more than zero bytes, not %d", c.MaxUpload)
	}
	if c.AutoRenewDays < 1 || c.AutoRenewDays > 90 {
		return bad("auto_renew_days", "must be 1 to 90 days, not %d", c.AutoRenewDays)
	}
	if _, err := app.ParseWeekday(c.ReminderDay); err != nil {
		return bad("reminder_day", "must be a weekday such as monday, not %q", c.ReminderDay)
	}
	if c.ClientAddr != "" {
		if err := checkAddr(c.ClientAddr); err != nil {
			return bad("client_addr", "%v", err)
		}
		if c.ClientAddr == c.Addr {
			return bad("client_addr", "must differ from addr (leave it empty to serve the client API on addr)")
		}
	}
	for _, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return bad("trusted_proxies", "%q is not an IP address or CIDR range", p)
			}
		}
	}
	if err := validateSMTP(c.SMTP, bad); err != nil {
		return err
	}
	return validateInvoice(c.Invoice, bad)
}

// validateInvoice checks the [invoice] section.
func validateInvoice(c app.InvoiceConfig, bad func(key, format string, args ...any) error) error {
	if _, ok := app.ParsePaper(c.Paper); !ok {
		return bad("invoice.paper", "must be A4 or Letter, not %q", c.Paper)
	}
	if c.DueDays < 1 || c.DueDays > 3650 {
		return bad("invoice.due_days", "must be 1 to 3650 days, not %d", c.DueDays)
	}
	var v *app.ValidationError
	if err := c.Check(); errors.As(err, &v) {
		return bad("invoice."+v.Field, "%s", v.Message)
	} else if err != nil {
		return err
	}
	return nil
}

// validateSMTP checks the [smtp] section. The address and security are
// checked even with no host, so a mistake shows before mail is switched on.
func validateSMTP(c app.SMTPConfig, bad func(key, format string, args ...any) error) error {
	switch c.Security {
	case app.SMTPStartTLS, app.SMTPTLS, app.SMTPNone:
	default:
		return bad("smtp.security", "must be starttls, tls or none, not %q", c.Security)
	}
	if c.Port < 0 || c.Port > 65535 {
		return bad("smtp.port", "%d is not a port (1-65535, or 0 for the default of smtp.security)", c.Port)
	}
	if c.Timeout <= 0 {
		return bad("smtp.timeout", "must be more than zero, such as 30s")
	}
	if c.MaxAttempts < 1 || c.MaxAttempts > 100 {
		return bad("smtp.max_attempts", "must be 1 to 100, not %d", c.MaxAttempts)
	}
	if strings.ContainsAny(c.Host, " /\t\r\n") {
		return bad("smtp.host", "%q is not a host name or address", c.Host)
	}
	if c.From != "" {
		if _, err := mail.ParseAddress(c.From); err != nil {
			return bad("smtp.from", "%q is not an email address such as Licenses <licenses@example.com>", c.From)
		}
	}
	if strings.ContainsAny(c.HELO, " \t\r\n") {
		return bad("smtp.helo", "%q is not a host name", c.HELO)
	}
	if c.Host == "" {
		return nil
	}
	if c.From == "" {
		return bad("smtp.from", "is needed with smtp.host: the sender address of every mail")
	}
	if (c.Username == "") != (c.Password == "") {
		if c.Username == "" {
			return bad("smtp.username", "is needed with smtp.password: set both or neither")
		}
		return bad("smtp.password", "is needed with smtp.username: set both or neither")
	}
	if c.Username != "" && c.Security == app.SMTPNone {
		return bad("smtp.security", "is none, which would send smtp.password unencrypted: use starttls or tls")
	}
	return nil
}

// checkAddr accepts HOST:PORT with a numeric port (host may be empty for
// every interface; port 0 picks a free one).
func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not HOST:PORT such as 127.0.0.1:8080", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: the port must be a number from 0 to 65535", addr)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("%q: %q is not a host name or IP address", addr, host)
	}
	return nil
}
