package web

import (
	"io"
	"log/slog"
	"testing"

	"licensedesk/app"
)

// addTransfers gives the route world a transfer of each partner's: a file
// from another desk, imported here for partner A and approved (so it has
// a file and a receipt), and one for partner B, still pending.
func (wd *world) addTransfers(t *testing.T) {
	t.Helper()
	other, err := app.Open(app.Options{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: wd.w.clk.now})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	code, name, cur, active := "antivirus-pro", "Antivirus Pro", "EUR", true
	eds := []app.Edition{{Code: "business", Name: "Business"}}
	periods := []int{12}
	prices := []app.Price{{Edition: "business", PeriodMonths: 12, PerSeat: 1999}}
	prod, err := other.CreateProduct(app.System, app.ProductInput{Code: &code, Name: &name, Currency: &cur, Editions: &eds, Periods: &periods, Prices: &prices, Active: &active})
	if err != nil {
		t.Fatal(err)
	}
	pname := "Far Away Reseller"
	far, err := other.CreatePartner(app.System, app.PartnerInput{Name: &pname})
	if err != nil {
		t.Fatal(err)
	}
	send := func(target string) (string, []byte) {
		ls, err := other.CreateLicenses(app.System, app.LicenseCreate{ProductID: prod.ID, Edition: "business", Seats: 1, PeriodMonths: 12, PartnerID: far.ID, Name: "Moving"})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := other.CreateTransfer(app.System, app.TransferInput{LicenseIDs: []uint64{ls[0].ID}, Target: target, File: true})
		if err != nil {
			t.Fatal(err)
		}
		file, err := other.TransferFile(app.System, tr.ID)
		if err != nil {
			t.Fatal(err)
		}
		return tr.Secret, file
	}
	secret, file := send(wd.a.PublicID)
	in, err := wd.w.svc.ImportTransferFile(app.System, file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wd.w.svc.ApproveTransfer(app.System, in.ID, secret); err != nil {
		t.Fatal(err)
	}
	wd.aTransfer = in.ID
	_, file = send(wd.b.PublicID)
	in, err = wd.w.svc.ImportTransferFile(app.System, file)
	if err != nil {
		t.Fatal(err)
	}
	wd.bTransfer = in.ID
}
