package app

import "time"

// Config is every setting of the appliance. Defaults() gives the embedded
// defaults; the command line layers the config file, LICENSEDESK_*
// environment variables and flags on top (flags win).
type Config struct {
	Data string `toml:"data"` // data directory
	Addr string `toml:"addr"` // listen address

	BaseURL  string `toml:"base_url"` // public URL for links in mails; default http://addr
	TimeZone string `toml:"timezone"` // IANA zone for showing times

	TLSCert string `toml:"tls_cert"` // serve HTTPS directly with this certificate
	TLSKey  string `toml:"tls_key"`

	// TrustedProxies lists reverse proxies whose X-Forwarded-For is believed.
	TrustedProxies []string `toml:"trusted_proxies"`
	// SecureCookies: "auto" (when served over TLS or behind a trusted TLS
	// proxy), "always" or "never".
	SecureCookies string `toml:"secure_cookies"`

	LockTimeout time.Duration `toml:"lock_timeout"` // wait for the data file lock
	LogLevel    string        `toml:"log_level"`    // debug, info, warn, error
	LogFormat   string        `toml:"log_format"`   // text or json

	// ExpiringDays is the "expiring soon" window of the license list.
	ExpiringDays int `toml:"expiring_days"`
	// BodyLimit caps a request body in bytes.
	BodyLimit int `toml:"body_limit"`

	// RefundDays is the partner's refund window after a purchase (F22).
	RefundDays int `toml:"refund_days"`
	// SMTP is the [smtp] section: where the outbox sends mail.
	SMTP SMTPConfig `toml:"smtp"`
	// TransferTTL is how long a transfer's secret stays usable (F38).
	TransferTTL time.Duration `toml:"transfer_ttl"`
	// MaxUpload caps an uploaded transfer file or license CSV in bytes
	// (a receipt has its own 64 KiB); larger uploads are refused before
	// they are read.
	MaxUpload int `toml:"max_upload"`
	// Invoice is the [invoice] section: seller details and paper size.
	Invoice InvoiceConfig `toml:"invoice"`

	// AutoRenewDays: auto-renew renews this many days before expiry (F32).
	AutoRenewDays int `toml:"auto_renew_days"`
	// ReminderDay is the weekday of the partners' weekly reminder digest (F33).
	ReminderDay string `toml:"reminder_day"`

	// ClientAddr, when set, serves the client API (F36) alone on this
	// address, so an operator can expose it and nothing else; empty: the
	// client API is under /api/v1/client on addr.
	ClientAddr string `toml:"client_addr"`
}

// Defaults are the embedded defaults.
func Defaults() Config {
	return Config{
		Data:          "./data",
		Addr:          "127.0.0.1:8080",
		TimeZone:      "UTC",
		SecureCookies: "auto",
		LockTimeout:   2 * time.Second,
		LogLevel:      "info",
		LogFormat:     "text",
		ExpiringDays:  30,
		BodyLimit:     4 << 20,
		RefundDays:    14,
		SMTP:          DefaultSMTP(),
		TransferTTL:   7 * 24 * time.Hour,
		MaxUpload:     256 << 20,
		Invoice:       DefaultInvoice(),
		AutoRenewDays: DefaultAutoRenewDays,
		ReminderDay:   "monday",
	}
}
