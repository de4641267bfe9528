package app

import (
	"testing"
	"time"

	"licensedesk/storage"
)

// TestHistoryRecordHoldsOneWrite: the fields one write changes are stored
// as one record and read back as one entry each, with consecutive ids,
// newest first, beside entries stored one by one (a single change, and
// the entries older data files hold for every field).
func TestHistoryRecordHoldsOneWrite(t *testing.T) {
	s, a, line := ledgerShop(t, 1)
	v, _, err := s.PlaceOrder(a, OrderInput{Lines: []BasketLine{line}}, "")
	if err != nil {
		t.Fatal(err)
	}
	lid := v.LicenseIDList[0]
	h, err := s.LicenseHistory(a, lid)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) < 5 {
		t.Fatalf("a purchase left %d history entries: %+v", len(h), h)
	}
	fields := map[string]string{}
	for i, e := range h {
		if e.Action != "purchase" || e.LicenseID != lid || e.Actor != a.Email || e.PartnerID != a.PartnerID || e.Old != "" || e.Field == "" {
			t.Errorf("entry %d: %+v", i, e)
		}
		if i > 0 && e.ID != h[i-1].ID-1 {
			t.Errorf("entry %d has id %d after %d: want consecutive ids, newest first", i, e.ID, h[i-1].ID)
		}
		fields[e.Field] = e.New
	}
	if fields["status"] != "ordered" || fields["seats"] != "1" || fields["edition"] != "business" || fields["name"] != "Antivirus" {
		t.Errorf("purchase history fields %v", fields)
	}
	records := func() (n int) {
		s.db.View(func(tx *storage.Tx) error {
			tx.Each(storage.LicenseHistory, storage.EncodeID(lid), func(_, _ []byte) bool { n++; return true })
			return nil
		})
		return n
	}
	if n := records(); n != 1 {
		t.Errorf("the purchase stored %d history records, want 1", n)
	}

	// Entries as older files hold them (one per field) and a single
	// change read in id order around the record.
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	err = s.db.Update(func(tx *storage.Tx) error {
		for _, f := range []string{"notes", "ip"} {
			if err := writeHistoryEntry(tx, HistoryEntry{LicenseID: lid, At: at, Actor: "old@example.com", Action: "edit", Field: f, New: "x-" + f, PartnerID: a.PartnerID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EditLicense(a, lid, LicenseEdit{Name: ptrTo("Till 2"), IP: ptrTo("192.0.2.7")}); err != nil {
		t.Fatal(err)
	}
	h2, err := s.LicenseHistory(a, lid)
	if err != nil {
		t.Fatal(err)
	}
	if len(h2) != len(h)+4 {
		t.Fatalf("after two stored entries and an edit of two fields: %d entries, want %d: %+v", len(h2), len(h)+4, h2)
	}
	for i := 1; i < len(h2); i++ {
		if h2[i].ID >= h2[i-1].ID {
			t.Errorf("entries not newest first: %d after %d", h2[i].ID, h2[i-1].ID)
		}
	}
	if e := h2[0]; e.Action != "edit" || e.Field != "ip" || e.New != "192.0.2.7" || h2[1].Field != "name" || h2[1].Old != "Antivirus" || h2[1].New != "Till 2" {
		t.Errorf("the edit reads %+v, %+v", h2[0], h2[1])
	}
	if h2[2].Field != "ip" || h2[2].New != "x-ip" || h2[3].Field != "notes" || h2[3].Actor != "old@example.com" {
		t.Errorf("the stored entries read %+v, %+v", h2[2], h2[3])
	}
	if n := records(); n != 4 {
		t.Errorf("%d history records, want 4 (purchase, two old entries, one edit)", n)
	}
	if probs, err := s.Check(); err != nil || len(probs) != 0 {
		t.Errorf("check: %v %+v", err, probs)
	}
}
