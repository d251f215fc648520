package appstore

import (
	"fmt"

	"github.com/spherekit/spherekit/internal/fielderr"
)

// InvalidError reports an input the package refuses, naming the input
// (Field, such as "entries.nginx[2].urls" in an index) and why (Reason).
// It is the SDK's one input-error shape (tenancy.InvalidError is the same
// type).
type InvalidError = fielderr.Invalid

// StatusError reports a chart repository that answered a request with a
// status other than 2xx, such as 401 for wrong credentials or 404 for a URL
// that is not a chart repository.
type StatusError struct {
	// URL is the address that was requested.
	URL string
	// StatusCode and Status are the server's answer ("404 Not Found").
	StatusCode int
	Status     string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("get %s: server answered %s", e.URL, e.Status)
}
