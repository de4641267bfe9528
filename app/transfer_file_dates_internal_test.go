package app

import (
	"strings"
	"testing"
	"time"
)

// A transfer file's license is held to the latest date a license may run
// to, as every other path is: each of its dates past it is refused by name.
func TestTransferFileLicensePastTheLatestDate(t *testing.T) {
	ok := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	far := time.Date(9500, 1, 1, 0, 0, 0, 0, time.UTC)
	base := fileLicense{Key: "FARAW-AYKEY-00001", Name: "far", ProductCode: "av", Edition: "business", Seats: 1, PeriodMonths: 12,
		Status: StatusActive, Payment: PaymentPaid, Purchased: ok, ValidFrom: &ok, ValidTo: &ok, ActivateBy: ok}
	if err := base.check(); err != nil {
		t.Fatalf("a license to 2030: %v", err)
	}
	for field, set := range map[string]func(*fileLicense){
		"valid_to":    func(fl *fileLicense) { fl.ValidTo = &far },
		"valid_from":  func(fl *fileLicense) { fl.ValidFrom = &far },
		"purchased":   func(fl *fileLicense) { fl.Purchased = far },
		"activate_by": func(fl *fileLicense) { fl.ActivateBy = far },
	} {
		fl := base
		set(&fl)
		if err := fl.check(); err == nil || !strings.HasPrefix(err.Error(), field+":") {
			t.Errorf("%s in 9500: %v; want a refusal naming %s", field, err, field)
		}
	}
}
