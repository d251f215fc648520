package resources

import "fmt"

// InvalidError reports a query parameter or Query field that List,
// ParseQuery or the handler refuses, naming it and why. The handler answers
// it with 400 Bad Request.
type InvalidError struct {
	// Field names the input: a query parameter ("limit", "fieldSelector")
	// or a per-kind filter key ("nodeName").
	Field string
	// Reason says what is wrong with it.
	Reason string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}
