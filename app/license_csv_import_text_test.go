package app_test

import (
	"testing"

	"licensedesk/app"
)

// A license CSV comes from another desk: its key, order number and
// registration key are held to the one-line rule they meet when typed
// here (a line break, NUL, escape or bidi override is refused naming the
// field), as its name and customer already are.
func TestCSVImportRefusesControlCharactersInEveryTextColumn(t *testing.T) {
	t.Parallel()
	f := newLicFix(t)
	csv := "key,product,status,valid_to,order_number,registration_key\r\n" +
		"AAAA-BBBB-CCCC-DDDD,av,active,2027-01-31,\"O-1\r\nX-Evil: 1\",\r\n" +
		"EEEE-FFFF-GGGG-HHHH,av,active,2027-01-31,O-2,\"REG\x00KEY\"\r\n" +
		"IIII-JJJJ-KKKK-LLLL,av,active,2027-01-31,O-3,\"REG\u202eYEK\"\r\n" +
		"MMMM-NNNN-PPPP-QQQQ,av,active,2027-01-31,O-4,REG-4\r\n" +
		"\"RRRR\x1b[2J-SSSS\",av,active,2027-01-31,O-5,REG-5\r\n"
	rep := importCSV(t, f, csv, app.CSVImportOptions{Partner: f.pa.PublicID})
	want := map[int]string{2: "order_number", 4: "registration_key", 5: "registration_key", 7: "key"} // the first row spans lines 2-3
	for _, r := range rep.Outcomes {
		if r.Outcome != app.RowInvalid {
			continue
		}
		if w, ok := want[r.Line]; !ok || w != r.Field {
			t.Errorf("line %d refused naming %q (%s)", r.Line, r.Field, r.Reason)
		}
		delete(want, r.Line)
	}
	for line, field := range want {
		t.Errorf("line %d: %s with a control character accepted", line, field)
	}
	if rep.New != 1 {
		t.Errorf("report %+v", rep)
	}
}
