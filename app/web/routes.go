package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"licensedesk/ui"
)

// Route is one endpoint with the permission it requires.
type Route struct {
	Method  string
	Path    string
	Perm    perm
	Handler fiber.Handler
}

// routes lists every route, each with its permission check on its line.
// The service layer enforces ownership again below this table.
func (s *Server) routes() []Route {
	r := []Route{
		{"GET", "/healthz", pub, s.healthz},

		// Pages.
		{"GET", "/login", pub, s.loginPage},
		{"POST", "/login", pub, s.loginSubmit},
		{"POST", "/logout", user, s.logout},
		{"GET", "/", user, s.dashboardPage},
		{"GET", "/account", user, s.accountPage},
		{"GET", "/products", user, s.productsPage},
		{"GET", "/products/new", op, s.productNewPage},
		{"POST", "/products", op, s.productCreate},
		{"GET", "/products/:id", user, s.productPage},
		{"GET", "/products/:id/edit", op, s.productEditPage},
		{"POST", "/products/:id", op, s.productUpdate},
		{"POST", "/products/:id/delete", op, s.productDelete},
		{"GET", "/partners", op, s.partnersPage},
		{"GET", "/partners/new", op, s.partnerNewPage},
		{"POST", "/partners", op, s.partnerCreate},
		{"GET", "/partners/:id", op, s.partnerPage},
		{"GET", "/partners/:id/edit", op, s.partnerEditPage},
		{"POST", "/partners/:id", op, s.partnerUpdate},
		{"POST", "/partners/:id/delete", op, s.partnerDelete},
		{"POST", "/partners/:id/balance", op, s.partnerBalance},
		{"POST", "/partners/:id/users", op, s.partnerUserCreate},
		{"GET", "/users", op, s.usersPage},
		{"POST", "/users", op, s.userCreate},
		{"POST", "/users/:id", op, s.userUpdate},
		{"POST", "/users/:id/delete", op, s.userDelete},
		{"GET", "/settings", user, s.settingsPage},
		{"POST", "/settings/password", user, s.passwordChange},
		{"POST", "/settings/tokens", user, s.tokenCreate},
		{"POST", "/settings/tokens/:id/revoke", user, s.tokenRevoke},
		{"POST", "/settings/signing-key/rotate", op, s.signingKeyRotate},
		{"GET", "/audit", op, s.auditPage},
		{"GET", "/licenses", user, s.licensesPage},
		{"GET", "/licenses/export.csv", user, s.licensesExport},
		{"POST", "/licenses/export", user, s.licensesExportTicked},
		{"POST", "/licenses/bulk", user, s.licensesBulk},
		{"GET", "/licenses/new", user, s.licenseNewPage},
		{"POST", "/licenses", user, s.licenseCreate},
		{"GET", "/licenses/import", op, s.licensesImportPage},
		{"POST", "/licenses/import", op, s.licensesImport},
		{"GET", "/licenses/:id", user, s.licensePage},
		{"GET", "/licenses/:id/edit", user, s.licenseEditPage},
		{"POST", "/licenses/:id", user, s.licenseUpdate},
		{"GET", "/licenses/:id/notes", user, s.licenseNoteCell},
		{"GET", "/licenses/:id/notes/edit", user, s.licenseNoteEdit},
		{"POST", "/licenses/:id/notes", user, s.licenseNoteSave},
		{"POST", "/licenses/:id/assign", user, s.licenseAssign},
		{"POST", "/licenses/:id/suspend", user, s.licenseSuspend},
		{"POST", "/licenses/:id/enable", user, s.licenseEnable},
		{"POST", "/licenses/:id/cancel", op, s.licenseCancel},
		{"POST", "/licenses/:id/delete", user, s.licenseDelete},
		{"GET", "/buy", user, s.buyPage},
		{"GET", "/buy/quote", user, s.buyQuote},
		{"POST", "/buy", user, s.buySubmit},
		{"GET", "/orders", user, s.ordersPage},
		{"GET", "/orders/export.csv", user, s.ordersExport},
		{"GET", "/orders/:id", user, s.orderPage},
		{"GET", "/orders/:id/codes.csv", user, s.apiOrderCodesCSV},
		{"POST", "/orders/:id/refund", user, s.orderRefund},
		{"POST", "/orders/:id/payment", op, s.orderPayment},
		{"POST", "/orders/:id/resend", user, s.orderResend},
		{"GET", "/special-prices", op, s.specialPricesPage},
		{"POST", "/special-prices", op, s.specialPriceCreate},
		{"GET", "/history", user, s.historyPage},
		{"GET", "/outbox", user, s.outboxPage},
		{"GET", "/outbox/:id", user, s.outboxMailPage},
		{"GET", "/outbox/:id/attachment", user, s.outboxAttachment},
		{"POST", "/outbox/:id/resend", op, s.outboxResend},
		{"GET", "/transfers", user, s.transfersPage},
		{"POST", "/transfers/new", user, s.transferNew},
		{"POST", "/transfers", user, s.transferCreate},
		{"POST", "/transfers/import", user, s.transferImport},
		{"POST", "/transfers/receipt", user, s.transferReceiptImport},
		{"GET", "/transfers/:id", user, s.transferPage},
		{"POST", "/transfers/:id/approve", user, s.transferApprove},
		{"POST", "/transfers/:id/reject", user, s.transferReject},
		{"POST", "/transfers/:id/cancel", user, s.transferCancel},
		{"GET", "/transfers/:id/file", user, s.transferFileDownload},
		{"GET", "/transfers/:id/receipt", user, s.transferReceiptDownload},
		{"POST", "/outbox/:id/sent-by-hand", op, s.outboxMarkSent},
		// Activation (F34, F35) and machines (F36) on the license page.
		{"POST", "/licenses/:id/activation-link/regenerate", user, s.licenseLinkRegenerate},
		{"POST", "/licenses/:id/activation-link/revoke", user, s.licenseLinkRevoke},
		{"POST", "/licenses/:id/activation-link/mail", user, s.licenseLinkMail},
		{"POST", "/licenses/:id/activate", user, s.licenseActivate},
		{"POST", "/licenses/:id/machines/remove", user, s.licenseMachineRemove},
		{"GET", "/licenses/:id/license-file", user, s.licenseFileDownload},
		{"GET", "/customers", user, s.customersPage},
		{"GET", "/customers/export.csv", user, s.customersExport},
		{"GET", "/customers/new", user, s.customerNewPage},
		{"POST", "/customers", user, s.customerCreate},
		{"GET", "/customers/:id", user, s.customerPage},
		{"POST", "/customers/:id", user, s.customerUpdate},
		// The public activation page: the token is the credential.
		{"GET", "/activate/:token", pub, s.activatePage},
		{"POST", "/activate/:token", pub, s.activateNew},
		{"POST", "/activate/:token/code", pub, s.activateCode},
		{"POST", "/activate/:token/confirm", pub, s.activateConfirm},

		// JSON API.
		{"POST", "/api/v1/tokens", pub, s.apiTokenCreate},
		{"GET", "/api/v1/tokens", user, s.apiTokensList},
		{"DELETE", "/api/v1/tokens/:id", user, s.apiTokenRevoke},
		{"GET", "/api/v1/me", user, s.apiMe},
		{"GET", "/api/v1/products", user, s.apiProductsList},
		{"POST", "/api/v1/products", op, s.apiProductCreate},
		{"GET", "/api/v1/products/:id", user, s.apiProductGet},
		{"PATCH", "/api/v1/products/:id", op, s.apiProductUpdate},
		{"DELETE", "/api/v1/products/:id", op, s.apiProductDelete},
		{"GET", "/api/v1/partners", user, s.apiPartnersList},
		{"POST", "/api/v1/partners", op, s.apiPartnerCreate},
		{"GET", "/api/v1/partners/:id", user, s.apiPartnerGet},
		{"PATCH", "/api/v1/partners/:id", op, s.apiPartnerUpdate},
		{"DELETE", "/api/v1/partners/:id", op, s.apiPartnerDelete},
		{"GET", "/api/v1/partners/:id/account", user, s.apiPartnerAccount},
		{"POST", "/api/v1/partners/:id/balance", op, s.apiPartnerBalance},
		{"GET", "/api/v1/users", user, s.apiUsersList},
		{"POST", "/api/v1/users", op, s.apiUserCreate},
		{"GET", "/api/v1/users/:id", user, s.apiUserGet},
		{"PATCH", "/api/v1/users/:id", user, s.apiUserUpdate},
		{"DELETE", "/api/v1/users/:id", op, s.apiUserDelete},
		{"GET", "/api/v1/licenses", user, s.apiLicensesList},
		{"GET", "/api/v1/licenses.csv", user, s.apiLicensesCSV},
		{"GET", "/api/v1/licenses/groups", user, s.apiLicenseGroups},
		{"POST", "/api/v1/licenses", user, s.apiLicenseCreate},
		{"POST", "/api/v1/licenses/bulk", user, s.apiLicenseBulk},
		{"POST", "/api/v1/licenses/import", op, s.apiLicensesImport},
		{"GET", "/api/v1/licenses/:id", user, s.apiLicenseGet},
		{"PATCH", "/api/v1/licenses/:id", user, s.apiLicenseUpdate},
		{"DELETE", "/api/v1/licenses/:id", user, s.apiLicenseDelete},
		{"POST", "/api/v1/licenses/:id/assign", user, s.apiLicenseAssign},
		{"POST", "/api/v1/licenses/:id/suspend", user, s.apiLicenseSuspend},
		{"POST", "/api/v1/licenses/:id/enable", user, s.apiLicenseEnable},
		{"POST", "/api/v1/licenses/:id/cancel", op, s.apiLicenseCancel},
		{"GET", "/api/v1/licenses/:id/history", user, s.apiLicenseHistory},
		{"GET", "/api/v1/audit", op, s.apiAuditList},
		{"GET", "/api/v1/backup", op, s.apiBackup},
		{"POST", "/api/v1/reindex", op, s.apiReindex},
		{"GET", "/api/v1/jobs", op, s.apiJobs},

		// Buying and orders (issue 8).
		{"GET", "/api/v1/quote", user, s.apiQuoteGet},
		{"POST", "/api/v1/quote", user, s.apiQuotePost},
		{"GET", "/api/v1/orders", user, s.apiOrdersList},
		{"POST", "/api/v1/orders", user, s.apiOrderCreate},
		{"GET", "/api/v1/orders.csv", user, s.apiOrdersCSV},
		{"GET", "/api/v1/orders/:id", user, s.apiOrderGet},
		{"POST", "/api/v1/orders/:id/refund", user, s.apiOrderRefund},
		{"POST", "/api/v1/orders/:id/payment", op, s.apiOrderPayment},
		{"POST", "/api/v1/orders/:id/resend", user, s.apiOrderResend},
		{"GET", "/api/v1/orders/:id/codes.csv", user, s.apiOrderCodesCSV},
		{"GET", "/api/v1/special-prices", user, s.apiSpecialPricesList},
		{"POST", "/api/v1/special-prices", op, s.apiSpecialPriceCreate},

		// Month-end checkout and invoices (issue 9).
		{"GET", "/api/v1/terms", user, s.apiTermsGet},
		{"PUT", "/api/v1/terms", op, s.apiTermsSet},
		{"POST", "/api/v1/checkout", user, s.apiCheckout},
		{"GET", "/api/v1/invoices", user, s.apiInvoicesList},
		{"GET", "/api/v1/invoices.csv", user, s.apiInvoicesCSV},
		{"GET", "/api/v1/invoices/:id.pdf", user, s.invoicePDF},
		{"GET", "/api/v1/invoices/:id", user, s.apiInvoiceGet},
		{"POST", "/api/v1/invoices/:id/pay", user, s.apiInvoicePay},
		{"POST", "/api/v1/invoices/:id/payments", op, s.apiInvoicePayment},
		{"DELETE", "/api/v1/invoices/:id", user, s.apiInvoiceDelete},
		{"GET", "/api/v1/partners/:id/billing", user, s.apiBillingGet},
		{"PUT", "/api/v1/partners/:id/billing", op, s.apiBillingSet},
		{"GET", "/checkout", user, s.checkoutPage},
		{"POST", "/checkout", user, s.checkoutPage},
		{"GET", "/invoices", user, s.invoicesPage},
		{"GET", "/invoices/export.csv", user, s.invoicesExport},
		{"GET", "/invoices/:id", user, s.invoicePage},
		{"GET", "/invoices/:id/pdf", user, s.invoicePDF},
		{"POST", "/invoices/:id/pay", user, s.invoicePay},
		{"POST", "/invoices/:id/payments", op, s.invoicePayment},
		{"POST", "/invoices/:id/delete", user, s.invoiceDelete},
		{"GET", "/settings/terms", op, s.termsPage},
		{"POST", "/settings/terms", op, s.termsSave},
		{"GET", "/partners/:id/billing", op, s.billingPage},
		{"POST", "/partners/:id/billing", op, s.billingSave},

		// Renewals (issue 12).
		{"GET", "/licenses/:id/renew", user, s.renewPageGet},
		{"POST", "/licenses/:id/renew", user, s.renewSubmit},
		{"POST", "/renewals", user, s.licensesRenew}, // ticked rows of the list; not under /licenses/, which /licenses/:id takes
		{"GET", "/api/v1/licenses/:id/renewal-quote", user, s.apiRenewalQuote},
		{"POST", "/api/v1/licenses/:id/renew", user, s.apiRenew},
		{"POST", "/api/v1/licenses/renew", user, s.apiRenewBulk},
		{"GET", "/api/v1/reminders/preview", user, s.apiRemindersPreview},
		{"POST", "/api/v1/reminders/send", user, s.apiRemindersSend},
		{"GET", "/reminders", user, s.remindersPage},
		{"POST", "/reminders/send", user, s.remindersSend},
		{"POST", "/reminders/customer-mails", user, s.remindersCustomerMails},

		// Mail outbox.
		{"GET", "/api/v1/outbox", user, s.apiOutboxList},
		{"GET", "/api/v1/outbox/:id", user, s.apiOutboxGet},
		{"POST", "/api/v1/outbox/:id/resend", op, s.apiOutboxResend},
		// Transfers (F37-F39).
		{"POST", "/api/v1/transfers", user, s.apiTransferCreate},
		{"GET", "/api/v1/transfers", user, s.apiTransfersList},
		{"POST", "/api/v1/transfers/import", user, s.apiTransferImport},
		{"POST", "/api/v1/transfers/receipt", user, s.apiTransferReceiptImport},
		{"GET", "/api/v1/transfers/:id", user, s.apiTransferGet},
		{"POST", "/api/v1/transfers/:id/approve", user, s.apiTransferApprove},
		{"POST", "/api/v1/transfers/:id/reject", user, s.apiTransferReject},
		{"POST", "/api/v1/transfers/:id/cancel", user, s.apiTransferCancel},
		{"GET", "/api/v1/transfers/:id/file", user, s.apiTransferFile},
		{"GET", "/api/v1/transfers/:id/receipt", user, s.apiTransferReceipt},
		{"POST", "/api/v1/outbox/:id/sent-by-hand", op, s.apiOutboxMarkSent},
		{"GET", "/api/v1/reference", user, s.apiReference},
		// Customers, activation and machines (F34-F36, B11).
		{"GET", "/api/v1/customers", user, s.apiCustomersList},
		{"GET", "/api/v1/customers.csv", user, s.apiCustomersCSV},
		{"POST", "/api/v1/customers", user, s.apiCustomerCreate},
		{"GET", "/api/v1/customers/:id", user, s.apiCustomerGet},
		{"PATCH", "/api/v1/customers/:id", user, s.apiCustomerUpdate},
		{"GET", "/api/v1/customers/:id/licenses", user, s.apiCustomerLicenses},
		{"GET", "/api/v1/licenses/:id/activation-link", user, s.apiActivationLinkGet},
		{"POST", "/api/v1/licenses/:id/activation-link", user, s.apiActivationLinkRegenerate},
		{"DELETE", "/api/v1/licenses/:id/activation-link", user, s.apiActivationLinkRevoke},
		{"POST", "/api/v1/licenses/:id/activation-link/mail", user, s.apiActivationLinkMail},
		{"POST", "/api/v1/licenses/:id/activate", user, s.apiLicenseActivate},
		{"GET", "/api/v1/licenses/:id/machines", user, s.apiLicenseMachines},
		{"POST", "/api/v1/licenses/:id/machines/remove", user, s.apiLicenseMachineRemove},
		{"GET", "/api/v1/licenses/:id/license-file", user, s.licenseFileDownload},
	}
	// The client API (F36), here unless it has its own listener.
	if s.cfg.ClientAddr == "" {
		r = append(r, s.clientRoutes()...)
	}
	return r
}

func (s *Server) mount(f *fiber.App) {
	f.Use("/static", filesystem.New(filesystem.Config{Root: ui.Static(), MaxAge: 3600}))
	for _, r := range s.routes() {
		f.Add(r.Method, r.Path, r.Perm.check, r.Handler)
	}
	f.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
