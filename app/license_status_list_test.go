package app

import (
	"slices"
	"testing"
)

// The status filter offers every status a license can be in: the same
// set the list counts and the column copy know (allStatuses), each once.
func TestFilterStatusesAreEveryStatus(t *testing.T) {
	if len(FilterStatuses) != len(allStatuses) {
		t.Fatalf("the filter offers %d statuses, licenses can be in %d", len(FilterStatuses), len(allStatuses))
	}
	for _, st := range allStatuses {
		if !slices.Contains(FilterStatuses, st) {
			t.Errorf("status %s is not offered by the filter", st)
		}
		if !st.Valid() {
			t.Errorf("status %s is not valid", st)
		}
	}
	if !slices.Equal(FilterStatuses[:len(Statuses)], Statuses) {
		t.Errorf("the filter's statuses %v do not start with the state machine's %v", FilterStatuses, Statuses)
	}
}
