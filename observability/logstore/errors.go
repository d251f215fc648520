package logstore

import (
	"fmt"

	"github.com/spherekit/spherekit/internal/fielderr"
)

// InvalidError reports an input the store refuses before it asks the
// database, naming the input (Field) and why (Reason). It is the SDK's one
// input-error shape.
type InvalidError = fielderr.Invalid

// ServerError is the database's refusal of a request, or an answer this
// package cannot read.
type ServerError struct {
	// Op names the request: "write", "search", "count", "histogram",
	// "export", "flush".
	Op string
	// Status is the HTTP status of the answer (0 when none came).
	Status int
	// Message is the database's explanation, trimmed.
	Message string
	// Err is the transport or decoding error, if any.
	Err error
}

func (e *ServerError) Error() string {
	switch {
	case e.Err != nil && e.Status == 0:
		return fmt.Sprintf("logstore: %s: %v", e.Op, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("logstore: %s: status %d: %v", e.Op, e.Status, e.Err)
	}
	return fmt.Sprintf("logstore: %s: status %d: %s", e.Op, e.Status, e.Message)
}

// Unwrap returns the transport or decoding error.
func (e *ServerError) Unwrap() error { return e.Err }
