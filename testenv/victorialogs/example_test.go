package victorialogs_test

import (
	"context"
	"fmt"

	"github.com/spherekit/spherekit/testenv/victorialogs"
)

// Start a VictoriaLogs for a test and point a log store at it.
func ExampleStart() {
	s, err := victorialogs.Start(context.Background(), victorialogs.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = s.Stop() }()
	fmt.Println("VictoriaLogs at", s.URL())
}
