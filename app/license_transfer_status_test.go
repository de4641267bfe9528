package app_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"licensedesk/app"
)

// transferStatusDesk is a source desk with three licenses of partner A:
// one transferring (its file is out), one transferred out (the other
// desk's receipt imported) and one still plain active.
func transferStatusDesk(t *testing.T) (src *licFix, moving, gone, plain app.LicenseView) {
	t.Helper()
	src, moving = transferFix(t)
	dst := newLicFix(t)
	mk := func(customer string) app.LicenseView {
		return src.one(src.ua, app.LicenseCreate{ProductID: src.fw.ID, Edition: "business", Seats: 2, PeriodMonths: 12,
			PartnerID: src.pa.ID, Customer: customer})
	}
	gone, plain = mk("Harbor Co"), mk("Plain Ltd")
	sendOutByFile(t, src, dst, gone.ID)
	if _, err := src.svc.CreateTransfer(src.ua, app.TransferInput{LicenseIDs: []uint64{moving.ID}, Target: "P-2222-3333", File: true}); err != nil {
		t.Fatal(err)
	}
	moving, gone, plain = src.get(moving.ID), src.get(gone.ID), src.get(plain.ID)
	if moving.Status != app.StatusTransferring || gone.Status != app.StatusTransferredOut {
		t.Fatalf("fixture: %s and %s", moving.Status, gone.Status)
	}
	return src, moving, gone, plain
}

// The statuses a transfer by file brings are statuses like the others:
// listed for the status filter, filterable, grouped, exported, and the
// licenses in them are read-only.
func TestTransferStatusesFilterGroupExportAndReadOnly(t *testing.T) {
	t.Parallel()
	src, moving, gone, plain := transferStatusDesk(t)

	for _, st := range []app.Status{app.StatusTransferring, app.StatusTransferredOut} {
		if !slices.Contains(app.FilterStatuses, st) {
			t.Errorf("%s is not in the statuses the filter offers", st)
		}
	}
	// The filter finds each, for the owner and for the operator, and
	// nothing of another partner.
	for _, c := range []struct {
		st   app.Status
		want uint64
	}{{app.StatusTransferring, moving.ID}, {app.StatusTransferredOut, gone.ID}, {app.StatusActive, plain.ID}} {
		for _, a := range []app.Actor{src.ua, src.op} {
			pg := src.list(a, map[string]string{"status": string(c.st)}, "")
			if pg.Total != 1 || len(pg.Items) != 1 || pg.Items[0].ID != c.want {
				t.Errorf("status=%s as %s: total %d, items %v", c.st, a.Email, pg.Total, ids(pg.Items))
			}
			// With a search too (the search path filters by status itself).
			pg = src.list(a, map[string]string{"status": string(c.st), "q": "*"}, "")
			if pg.Total != 1 {
				t.Errorf("status=%s with a search as %s: total %d", c.st, a.Email, pg.Total)
			}
		}
		if pg := src.list(src.ub, map[string]string{"status": string(c.st)}, ""); pg.Total != 0 {
			t.Errorf("status=%s as another partner: %d", c.st, pg.Total)
		}
	}
	if _, err := src.svc.ListLicenses(src.ua, app.ListParams{Filters: map[string]string{"status": "gone"}}); err == nil ||
		!strings.Contains(err.Error(), "transferred_out") {
		t.Errorf("an unknown status: %v; want the list of statuses, the transfer ones among them", err)
	}

	// Grouped by status: each has its group, and the group's filter
	// opens it.
	groups, err := src.svc.GroupLicenses(src.ua, app.ListParams{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	byValue := map[string]app.Group{}
	for _, g := range groups {
		byValue[g.Value] = g
	}
	for _, st := range []app.Status{app.StatusTransferring, app.StatusTransferredOut} {
		g, ok := byValue[string(st)]
		if !ok || g.Count != 1 || g.Filter["status"] != string(st) {
			t.Errorf("group %s: %+v (groups %+v)", st, g, groups)
		}
	}

	// The CSV export names them.
	var buf bytes.Buffer
	if _, err := src.svc.ExportLicensesCSV(src.ua, app.ListParams{Filters: map[string]string{"view": "all"}}, nil, &buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{moving.Key + ",", gone.Key + ","} {
		line := lineWith(buf.String(), want)
		if line == "" {
			t.Fatalf("export has no row for %s:\n%s", want, buf.String())
		}
	}
	if !strings.Contains(lineWith(buf.String(), moving.Key), ",transferring,") ||
		!strings.Contains(lineWith(buf.String(), gone.Key), ",transferred_out,") {
		t.Errorf("export rows:\n%s\n%s", lineWith(buf.String(), moving.Key), lineWith(buf.String(), gone.Key))
	}
	// Another desk importing that export refuses those two rows with the
	// reason, and takes the plain one.
	other := newLicFix(t)
	rep := importCSV(t, other, buf.String(), app.CSVImportOptions{Partner: other.pa.PublicID})
	reasons := map[string]string{}
	for _, r := range rep.Outcomes {
		if r.Outcome == app.RowInvalid {
			reasons[r.Key] = r.Field + ": " + r.Reason
		}
	}
	if !strings.Contains(reasons[moving.Key], "status: ") || !strings.Contains(reasons[moving.Key], "transfer file") ||
		!strings.Contains(reasons[gone.Key], "status: ") || !strings.Contains(reasons[gone.Key], "another desk") {
		t.Errorf("import of the export: reasons %v (report %+v)", reasons, rep)
	}
	if _, ok := reasons[plain.Key]; ok {
		t.Errorf("the plain license was refused: %s", reasons[plain.Key])
	}

	// Read-only: every change is refused, saying why, and nothing moves.
	for _, l := range []app.LicenseView{moving, gone} {
		changes := map[string]func() error{
			"edit": func() error {
				_, err := src.svc.EditLicense(src.ua, l.ID, app.LicenseEdit{Name: licP("x")})
				return err
			},
			"notes":   func() error { _, err := src.svc.SetNotes(src.ua, l.ID, "n"); return err },
			"suspend": func() error { _, err := src.svc.SuspendLicense(src.ua, l.ID); return err },
			"cancel":  func() error { _, err := src.svc.CancelLicense(src.op, l.ID); return err },
			"delete":  func() error { return src.svc.DeleteLicense(src.op, l.ID) },
			"bulk": func() error {
				_, err := src.svc.BulkLicenses(src.ua, app.BulkSuspend, []uint64{plain.ID, l.ID})
				return err
			},
			"renew": func() error { _, err := src.svc.RenewLicense(src.ua, l.ID, app.RenewInput{Periods: 1}); return err },
			"assign": func() error {
				_, err := src.svc.AssignLicense(src.op, l.ID, app.AssignInput{PartnerID: &src.pb.ID})
				return err
			},
			"transfer": func() error {
				_, err := src.svc.CreateTransfer(src.ua, app.TransferInput{LicenseIDs: []uint64{l.ID}, Target: src.pb.PublicID})
				return err
			},
		}
		for name, change := range changes {
			err := change()
			var ve *app.ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("%s of a %s license: %v; want a refusal", name, l.Status, err)
			}
			got := src.get(l.ID)
			if !sameExceptUpdated(got.License, l.License) {
				t.Errorf("%s of a %s license changed it: %+v", name, l.Status, got.License)
			}
		}
	}
	if got := src.get(plain.ID); got.Status != plain.Status {
		t.Errorf("a refused bulk change moved the plain license to %s", got.Status)
	}
}

func ids(ls []app.LicenseView) []uint64 {
	out := make([]uint64, len(ls))
	for i, l := range ls {
		out[i] = l.ID
	}
	return out
}

// sendOutByFile hands src's licenses ids to dst's partner B by a transfer
// file: exported, imported and approved on dst, its receipt imported on
// src, where they are then transferred out.
func sendOutByFile(t *testing.T, src, dst *licFix, ids ...uint64) {
	t.Helper()
	tr, err := src.svc.CreateTransfer(src.ua, app.TransferInput{LicenseIDs: ids, Target: dst.pb.PublicID, File: true})
	if err != nil {
		t.Fatal(err)
	}
	file, _ := src.svc.TransferFile(src.ua, tr.ID)
	in, err := dst.svc.ImportTransferFile(dst.ub, file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dst.svc.ApproveTransfer(dst.ub, in.ID, tr.Secret); err != nil {
		t.Fatal(err)
	}
	receipt, _ := dst.svc.TransferReceipt(dst.ub, in.ID)
	if _, err := src.svc.ImportReceipt(src.ua, receipt); err != nil {
		t.Fatal(err)
	}
}
