package app

import (
	"reflect"
	"testing"
	"time"

	"licensedesk/search"
)

// sameDoc compares every field of search.Doc: changing any one of them
// makes two documents differ.
func TestSameDocComparesEveryField(t *testing.T) {
	typ := reflect.TypeFor[search.Doc]()
	for i := range typ.NumField() {
		var a, b search.Doc
		f := reflect.ValueOf(&b).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Slice:
			f.Set(reflect.Append(f, reflect.Zero(f.Type().Elem())))
		case reflect.Bool:
			f.SetBool(true)
		default:
			t.Fatalf("search.Doc.%s is a %s: teach sameDoc and this test about it", typ.Field(i).Name, f.Kind())
		}
		if sameDoc(&a, &b) {
			t.Errorf("sameDoc misses a change of search.Doc.%s", typ.Field(i).Name)
		}
	}
	var a, b search.Doc
	if !sameDoc(&a, &b) {
		t.Error("two empty documents differ")
	}
}

// A write changes the change log only as much as derived data needs: a
// machine registered on an active license changes neither the search
// document nor the in-memory row, a payment only the row, a name both.
func TestLicenseChangeNeedsOnlyWhatChanged(t *testing.T) {
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	old := License{ID: 7, Key: "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY", Name: "Front desk", PartnerID: 3, ProductID: 2, Status: StatusActive,
		Payment: PaymentPending, Seats: 3, ValidFrom: &from, ValidTo: &to, Customer: "Contoso"}
	machine := old
	machine.Registrations = []Registration{{Machine: "m-1", Hostname: "h", At: from}}
	machine.Updated = to
	if !sameDoc(licenseDoc(&old), licenseDoc(&machine)) || !sameColRow(&old, &machine) {
		t.Error("registering a machine changes the search document or the row")
	}
	paid := old
	paid.Payment = PaymentPaid
	if !sameDoc(licenseDoc(&old), licenseDoc(&paid)) || sameColRow(&old, &paid) {
		t.Error("a payment must change the row alone")
	}
	later := old
	end := to.AddDate(1, 0, 0)
	later.ValidTo = &end
	if sameColRow(&old, &later) {
		t.Error("a new end date must change the row")
	}
	renamed := old
	renamed.Name = "Back office"
	if sameDoc(licenseDoc(&old), licenseDoc(&renamed)) {
		t.Error("a new name must change the search document")
	}
}
