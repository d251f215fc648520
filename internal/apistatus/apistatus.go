// Package apistatus writes HTTP answers the way the Kubernetes API does: a
// JSON body, and failures as a v1 Status object, so Kubernetes clients and
// portals read spherekit's HTTP handlers like any API server.
package apistatus

import (
	"encoding/json"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WriteJSON answers code with v as JSON.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	// The status line is out; an encoding or write error can only be lost.
	_ = json.NewEncoder(w).Encode(v)
}

// WriteFailure answers code with a failure Status giving reason and message.
func WriteFailure(w http.ResponseWriter, code int, reason metav1.StatusReason, message string) {
	WriteJSON(w, code, &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  message,
		Reason:   reason,
		Code:     int32(code),
	})
}
