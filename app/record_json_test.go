package app

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// The hand-written encoders write what encoding/json writes, for
// ordinary and hostile strings (quotes, control characters, HTML, line
// separators, invalid UTF-8), empty and set optional fields, signed
// amounts, and times with and without fractions and zones.
func TestRecordJSONIsEncodingJSON(t *testing.T) {
	pieces := []string{"", "a", "status", "ordered", "Ünïcödé ✓", `"quoted"`, `back\slash`, "tab\tnew\nline\r",
		"\x00\x01\x1f\x7f", "<script>&</script>", "\u2028\u2029", "\xff\xfe bad", "日本語", "emoji 😀", "a\u00a0b"}
	r := rand.New(rand.NewPCG(7, 9))
	str := func() string {
		s := ""
		for range r.IntN(4) {
			s += pieces[r.IntN(len(pieces))]
		}
		return s
	}
	zones := []*time.Location{time.UTC, time.FixedZone("x", 5*3600+1800), time.FixedZone("y", -7*3600)}
	for i := range 5000 {
		e := HistoryEntry{ID: r.Uint64N(1 << 40), LicenseID: r.Uint64(), Actor: str(), Action: str(), Field: str(), Old: str(), New: str()}
		if i%2 == 0 {
			e.PartnerID = r.Uint64N(1000)
		}
		e.At = time.Date(2000+r.IntN(60), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), []int{0, 1, 120000000, r.IntN(1e9)}[r.IntN(4)], zones[r.IntN(3)])
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendHistoryJSON(nil, &e); string(got) != string(want) {
			t.Fatalf("entry %+v:\n got %s\nwant %s", e, got, want)
		}
		rec := historyRecord{HistoryEntry: HistoryEntry{ID: e.ID, LicenseID: e.LicenseID, At: e.At, Actor: e.Actor, Action: e.Action, PartnerID: e.PartnerID}}
		for range r.IntN(4) {
			rec.Changes = append(rec.Changes, historyChange{Field: str(), Old: str(), New: str()})
		}
		want, _ = json.Marshal(rec)
		if got := appendHistoryRecordJSON(nil, &rec); string(got) != string(want) {
			t.Fatalf("history record %+v:\n got %s\nwant %s", rec, got, want)
		}
		au := AuditEntry{ID: e.ID, At: e.At, Actor: str(), Action: str(), Target: str(), Detail: str(), Addr: str()}
		want, _ = json.Marshal(au)
		if got := appendAuditJSON(nil, &au); string(got) != string(want) {
			t.Fatalf("audit %+v:\n got %s\nwant %s", au, got, want)
		}
		le := LedgerEntry{ID: e.ID, PartnerID: e.PartnerID, Amount: r.Int64N(1<<50) - 1<<49, Currency: str(), Kind: str(), Reason: str(), By: str(), At: e.At, Balance: r.Int64() - 1<<62}
		want, _ = json.Marshal(le)
		if got := appendLedgerJSON(nil, &le); string(got) != string(want) {
			t.Fatalf("ledger %+v:\n got %s\nwant %s", le, got, want)
		}
	}
}
