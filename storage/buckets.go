package storage

// Bucket names. Every bucket is created when the database opens, so code
// never meets a missing bucket.
const (
	Meta            = "meta"             // schema_version and other settings
	Users           = "users"            // id -> user
	UsersByEmail    = "idx_users_email"  // lower(email) -> id
	Sessions        = "sessions"         // sha256(session id) -> session
	Tokens          = "tokens"           // sha256(token) -> token
	Partners        = "partners"         // id -> partner
	PartnersByPubID = "idx_partners_pub" // public id -> id
	Products        = "products"         // id -> product
	Ledger          = "ledger"           // partner id | entry id -> balance entry
	Audit           = "audit"            // id -> audit entry
	AuditCount      = "audit_count"      // "all" -> number of audit entries (a counter)
	Changes         = "changes"          // seq -> "kind:id", followed by the search index
	Licenses        = "licenses"         // id -> license
	LicenseHistory  = "license_history"  // license id | entry id -> history entry
	HistoryCounts   = "history_counts"   // license id -> its history entries; license id | owner id -> those of that owner's time (counters)
	LicensesByKey   = "idx_license_key"  // normalised key -> id
	LicenseIndex    = "idx_license_list" // composite list keys -> nil
	Secrets         = "secrets"          // name -> key material (encryption key, signing key)
	// License list totals: list-index prefix -> number of keys under it.
	LicenseCounts = "license_counts"

	// Transfers (F37-F39).
	Transfers          = "transfers"            // id -> transfer
	TransferItems      = "transfer_items"       // transfer id | seq -> one license of it
	TransferBlobs      = "transfer_blobs"       // transfer id | 'f' or 'r' -> signed file or receipt
	TransfersByLicense = "idx_transfer_license" // license id -> open transfer id
	TransfersByFile    = "idx_transfer_file"    // file transfer id -> transfer id (replays)
)

// Buying and orders (issue 8).
const (
	Balances       = "balances"          // partner id -> running balance (8 bytes, minor units)
	LedgerCounts   = "ledger_counts"     // partner id -> number of its ledger entries (a counter)
	Orders         = "orders"            // id -> order
	OrdersByNumber = "idx_orders_number" // order number -> id
	OrdersByIdem   = "idx_orders_idem"   // user id | idempotency key -> order id
	OrderIndex     = "idx_order_list"    // composite list keys -> nil
	SpecialPrices  = "special_prices"    // id -> special-price link
	SpecialByCode  = "idx_special_code"  // code -> id
	SalesByMonth   = "sales_by_month"    // partner id (0: all) | yyyy-mm | currency -> net sales (8 bytes)
)

// Platform buckets: the job runner, number sequences and the mail outbox.
const (
	Jobs      = "jobs"       // job name -> last completed period, last error
	Sequences = "sequences"  // name 0x00 year -> last number handed out
	Outbox    = "outbox"     // id -> mail (without attachments)
	OutboxAtt = "outbox_att" // mail id | n -> attachment
	OutboxIdx = "idx_outbox" // family | ... | id -> nil (by state, partner, due time)
)

// Renewals (issue 12).
const (
	Renewals = "renewals" // family | ... -> when: mails sent once per license/partner and date
)

// Activation, customers and the client API (F34-F36).
const (
	ClientSeen         = "client_seen"          // license id | fingerprint -> last seen (unix seconds, hourly)
	ActivationState    = "activation_state"     // license id -> activation link state (generation, revoked, used)
	ActivationCodes    = "activation_codes"     // license id -> pending email confirmation code (hashed)
	Customers          = "customers"            // id -> customer
	CustomersByEmail   = "idx_customer_email"   // partner id | lower(email) -> customer id
	CustomerLicenses   = "idx_customer_license" // customer id | license id -> nil
	LicenseCustomer    = "idx_license_customer" // license id -> customer id
	CustomersByPartner = "idx_customer_partner" // partner id | customer id -> nil
	CustomersByKey     = "idx_customer_key"     // partner id | lower(name) 0x00 lower(email) -> customer id (grouping of typed customers)
)

// AllBuckets lists every bucket created at open.
var AllBuckets = []string{
	Meta, Users, UsersByEmail, Sessions, Tokens, Partners, PartnersByPubID,
	Products, Ledger, Audit, AuditCount, Changes, Licenses, LicenseHistory, HistoryCounts, LicensesByKey,
	LicenseIndex, Secrets,
	Balances, Orders, OrdersByNumber, OrdersByIdem, OrderIndex, SpecialPrices, SpecialByCode,
	SalesByMonth, LedgerCounts,
	Jobs, Sequences, Outbox, OutboxAtt, OutboxIdx,
	Transfers, TransferItems, TransferBlobs, TransfersByLicense, TransfersByFile,
	LicenseCounts,
	Renewals,
	ClientSeen, ActivationState, ActivationCodes, Customers, CustomersByEmail, CustomerLicenses, LicenseCustomer, CustomersByPartner,
	CustomersByKey,
}
