package search

import (
	"errors"
	"fmt"
)

// ErrDamaged means the index could not be read: a file of it is damaged
// or missing. The index is derived data, so the caller rebuilds it from
// the data file; it is never the user's query that is at fault.
var ErrDamaged = errors.New("the search index is damaged")

// guard runs fn, turning a panic inside Bleve (a damaged segment can make
// it index past the end of a slice) into an ErrDamaged error.
func guard[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrDamaged, r)
		}
	}()
	return fn()
}
