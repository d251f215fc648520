package authz

import "fmt"

// InvalidError reports an input the package refuses: a request it cannot
// evaluate, a malformed path, an object it cannot index. Field names the
// input and Reason says what is wrong with it.
type InvalidError struct {
	Field  string
	Reason string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}
