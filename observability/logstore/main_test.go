package logstore_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/spherekit/spherekit/observability/logstore"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/victorialogs"
)

// The package's one VictoriaLogs, holding dataset, written before the
// tests run.
var (
	server  *victorialogs.Server
	store   *logstore.VictoriaLogs
	dataset []logstore.Record
)

// base is the time of the first record of dataset.
var base = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	if testenv.Fuzzing() {
		os.Exit(m.Run())
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var err error
	if server, err = victorialogs.Start(ctx, victorialogs.Options{Progress: os.Stderr}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = server.Stop() }()
	if store, err = logstore.NewVictoriaLogs(server.URL(), logstore.VictoriaLogsOptions{StreamFields: []string{"workspace", "namespace"}}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dataset = makeDataset()
	if err := store.Write(ctx, dataset); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := store.Flush(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// makeDataset is 240 records, one every 15 seconds from base, over four
// namespaces in two workspaces, with messages and names that look like
// LogsQL (quotes, pipes, operators, regexp syntax) so that the tests see
// them stay data.
func makeDataset() []logstore.Record {
	namespaces := []struct{ ns, ws string }{{"ns-a", "ws-1"}, {"ns-b", "ws-1"}, {"Ns-A", "ws-2"}, {`x") or ("`, "ws-2"}}
	messages := []string{
		"GET /healthz 200",
		"Connection TIMEOUT after 3s",
		`level=error msg="disk full" | delete _msg`,
		"a.b*c (x) or *",
		"ok",
		"Überprüfung abgeschlossen",
	}
	var out []logstore.Record
	for i := range 240 {
		n := namespaces[i%len(namespaces)]
		r := logstore.Record{
			Time:    base.Add(time.Duration(i) * 15 * time.Second),
			Message: fmt.Sprintf("%s #%03d", messages[i%len(messages)], i),
			Fields: map[string]string{
				"namespace": n.ns,
				"workspace": n.ws,
				"pod":       fmt.Sprintf("web-7c9f%d-%05d", i%3, i%7),
			},
		}
		if i%5 != 0 { // every fifth record has no container
			r.Fields["container"] = fmt.Sprintf("c%d", i%4)
		}
		out = append(out, r)
	}
	return out
}
