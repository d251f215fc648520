package victorialogs_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/spherekit/spherekit/testenv/victorialogs"
)

// Start a VictoriaLogs for a test; it answers /health once Start returns.
func ExampleStart() {
	s, err := victorialogs.Start(context.Background(), victorialogs.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = s.Stop() }()
	resp, err := http.Get(s.URL() + "/health")
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = resp.Body.Close()
	fmt.Println(resp.Status)
	// Output: 200 OK
}
