package app

import "strings"

// InvoiceConfig is the [invoice] section of the configuration: the
// seller's details printed on every invoice and the paper size.
type InvoiceConfig struct {
	SellerName    string `toml:"seller_name"`
	SellerAddress string `toml:"seller_address"` // lines separated by newlines
	SellerVATID   string `toml:"seller_vat_id"`
	SellerEmail   string `toml:"seller_email"`
	// PaymentInstructions tells the partner how to pay (bank account,
	// reference to quote).
	PaymentInstructions string `toml:"payment_instructions"`
	// Paper is "A4" or "Letter" (any case; empty is A4), for the print
	// page and the PDF.
	Paper string `toml:"paper"`
	// DueDays is how many days after its date an invoice is due.
	DueDays int `toml:"due_days"`
}

// The paper sizes of invoices, as InvoiceConfig.Paper holds them once
// read (ParsePaper) and PDFDocument.Paper takes them.
const (
	PaperA4     = "A4"
	PaperLetter = "Letter"
)

// ParsePaper reads a configured paper size: "A4" or "Letter" in any
// case, empty for A4. ok is false for anything else.
func ParsePaper(s string) (paper string, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "a4":
		return PaperA4, true
	case "letter":
		return PaperLetter, true
	}
	return "", false
}

// DefaultInvoice is the [invoice] section's embedded defaults.
func DefaultInvoice() InvoiceConfig {
	return InvoiceConfig{SellerName: "licensedesk", Paper: PaperA4, DueDays: 14,
		PaymentInstructions: "Pay from your prepaid balance on the invoice page, or by bank transfer quoting the invoice number."}
}

// withDefaults fills what is unset.
func (c InvoiceConfig) withDefaults() InvoiceConfig {
	d := DefaultInvoice()
	if strings.TrimSpace(c.SellerName) == "" {
		c.SellerName = d.SellerName
	}
	if p, ok := ParsePaper(c.Paper); ok {
		c.Paper = p
	} else {
		c.Paper = PaperA4 // the command line refuses it when loading the config
	}
	if c.DueDays <= 0 {
		c.DueDays = d.DueDays
	}
	if strings.TrimSpace(c.PaymentInstructions) == "" {
		c.PaymentInstructions = d.PaymentInstructions
	}
	return c
}

// Check refuses seller details with control characters: they are
// printed on every invoice and PDF, and the seller's name is in the
// subject of every invoice mail (a line break there would make the mail
// impossible to queue). Multi-line ones may hold line breaks and tabs.
func (c InvoiceConfig) Check() error {
	ml := func(v string) string { return strings.ReplaceAll(v, "\r\n", "\n") }
	for _, err := range []error{
		checkOneLine("seller_name", c.SellerName), checkMultiLine("seller_address", ml(c.SellerAddress)),
		checkOneLine("seller_vat_id", c.SellerVATID), checkOneLine("seller_email", c.SellerEmail),
		checkMultiLine("payment_instructions", ml(c.PaymentInstructions)),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func (c InvoiceConfig) seller() Party {
	return Party{Name: c.SellerName, Address: c.SellerAddress, VATID: c.SellerVATID, Email: c.SellerEmail}
}

// InvoiceSettings is the invoice configuration the pages need.
func (s *Service) InvoiceSettings() InvoiceConfig { return s.invoiceCfg }
