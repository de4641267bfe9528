package app

import "time"

// SMTPConfig is the [smtp] section of the configuration: where the outbox
// sends mail. With no Host the desk is air-gapped: every mail is kept in
// the outbox as "manual", for the operator to read, copy and send by hand.
type SMTPConfig struct {
	Host     string `toml:"host"`     // SMTP server; empty: no sending
	Port     int    `toml:"port"`     // 0: 587 for starttls, 465 for tls, 25 for none
	Security string `toml:"security"` // starttls, tls or none
	Username string `toml:"username"` // empty: no authentication
	Password string `toml:"password"`
	From     string `toml:"from"` // sender address of every mail, such as "Licenses <licenses@example.com>"
	HELO     string `toml:"helo"` // name given in HELO/EHLO; empty: the domain of From
	// Timeout bounds one delivery (connect, talk, send).
	Timeout time.Duration `toml:"timeout"`
	// MaxAttempts is how many times a mail is tried before it is "failed".
	MaxAttempts int `toml:"max_attempts"`
}

// SMTP security modes.
const (
	SMTPStartTLS = "starttls"
	SMTPTLS      = "tls"
	SMTPNone     = "none"
)

// DefaultSMTP is the [smtp] section's embedded defaults: no server.
func DefaultSMTP() SMTPConfig {
	return SMTPConfig{Security: SMTPStartTLS, Timeout: 30 * time.Second, MaxAttempts: 8}
}

// Configured reports whether mail is sent (a host is set).
func (c SMTPConfig) Configured() bool { return c.Host != "" }

// port is the port to connect to.
func (c SMTPConfig) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.Security == SMTPTLS:
		return 465
	case c.Security == SMTPNone:
		return 25
	}
	return 587
}

// withDefaults fills what is left zero with DefaultSMTP's values.
func (c SMTPConfig) withDefaults() SMTPConfig {
	d := DefaultSMTP()
	if c.Security == "" {
		c.Security = d.Security
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = d.MaxAttempts
	}
	return c
}
