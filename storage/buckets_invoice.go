package storage

// Month-end checkout and invoices (issue 9).
const (
	Invoices         = "invoices"            // id -> invoice header (without its lines)
	InvoiceLines     = "invoice_lines"       // invoice id | chunk n -> up to 1,000 lines
	InvoicesByNumber = "idx_invoices_number" // invoice number -> id
	InvoiceIndex     = "idx_invoice_list"    // composite list keys -> nil
	InvoiceClaims    = "invoice_claims"      // license id -> the open invoice it is on
	InvoiceSettings  = "invoice_settings"    // "terms" -> checkout terms; "billing" | partner id -> billing details
)

func init() {
	AllBuckets = append(AllBuckets, Invoices, InvoiceLines, InvoicesByNumber, InvoiceIndex, InvoiceClaims, InvoiceSettings)
}
