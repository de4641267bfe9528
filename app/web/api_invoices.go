package web

import (
	"bufio"
	"time"

	"github.com/gofiber/fiber/v2"

	"licensedesk/app"
)

// Month-end checkout and invoices (issue 9).

func (s *Server) apiTermsGet(c *fiber.Ctx) error {
	t, err := s.svc.GetTerms(mustActor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"version": t.Version, "text": t.Text})
}

func (s *Server) apiTermsSet(c *fiber.Ctx) error {
	var in struct {
		Version string `json:"version"`
		Text    string `json:"text"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := s.svc.SetTerms(mustActor(c), app.Terms{Version: in.Version, Text: in.Text})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"version": t.Version, "text": t.Text})
}

func (s *Server) apiCheckout(c *fiber.Ctx) error {
	var in app.CheckoutInput
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := s.svc.Checkout(mustActor(c), in)
	if err != nil {
		return err
	}
	// The answer names the licenses; their priced lines are one GET away
	// (a 10,000-line invoice would otherwise answer megabytes).
	r.Lines = nil
	for i := range r.Invoices {
		r.Invoices[i].Lines = nil
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

func (s *Server) apiInvoicesList(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	page, err := s.svc.ListInvoices(mustActor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (s *Server) apiInvoicesCSV(c *fiber.Ctx) error {
	p, err := listParams(c)
	if err != nil {
		return err
	}
	return s.streamInvoicesCSV(c, p)
}

func (s *Server) streamInvoicesCSV(c *fiber.Ctx, p app.ListParams) error {
	a := mustActor(c)
	if err := s.svc.CheckInvoiceFilter(a, p); err != nil {
		return err
	}
	csvHeaders(c, "invoices-"+time.Now().UTC().Format("2006-01-02")+".csv")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		if _, err := s.svc.ExportInvoicesCSV(a, p, w); err != nil {
			s.log.Error("invoice export stopped", "err", err)
		}
		w.Flush()
	})
	return nil
}

func (s *Server) apiInvoiceGet(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, err := s.svc.GetInvoice(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Server) apiInvoicePay(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in struct{}
	if len(c.Body()) > 0 {
		if err := decode(c, &in); err != nil {
			return err
		}
	}
	v, err := s.svc.PayInvoice(mustActor(c), id)
	if err != nil {
		return err
	}
	v.Lines = nil
	return c.JSON(v)
}

func (s *Server) apiInvoicePayment(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in app.InvoicePaymentInput
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.RecordInvoicePayment(mustActor(c), id, in)
	if err != nil {
		return err
	}
	v.Lines = nil
	return c.JSON(v)
}

func (s *Server) apiInvoiceDelete(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, err := s.svc.VoidInvoice(mustActor(c), id)
	if err != nil {
		return err
	}
	v.Lines = nil
	return c.JSON(v)
}

func (s *Server) apiBillingGet(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	b, err := s.svc.GetBilling(mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(b)
}

func (s *Server) apiBillingSet(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in app.PartnerBilling
	if err := decode(c, &in); err != nil {
		return err
	}
	b, err := s.svc.SetBilling(mustActor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(b)
}

// invoicePDF sends an invoice as a PDF file (API and page).
func (s *Server) invoicePDF(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	pdf, inv, err := s.svc.InvoicePDF(mustActor(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="invoice-`+inv.Number+`.pdf"`)
	return c.Send(pdf)
}
