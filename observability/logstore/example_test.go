package logstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/spherekit/spherekit/observability/logstore"
)

// A tenant's scope is one more Filter: whatever the user's own filter
// holds, the store renders every value as a quoted literal, so the scope
// always applies.
func ExampleFilter_LogsQL() {
	users := logstore.And(
		logstore.Equal("namespace", `demo") or ("`),
		logstore.ContainsFold(logstore.MessageField, "timeout"),
	)
	scope := logstore.And(logstore.Equal("workspace", "team-a"), logstore.NotBefore(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)))
	fmt.Println(logstore.And(scope, users).LogsQL())
	// Output:
	// (("workspace":="team-a") and (_time:>=2024-03-01T00:00:00Z) and ("namespace":="demo\") or (\"") and ("_msg":~"(?i)(?:timeout)"))
}

// Write records and read a page back, newest first.
func ExampleVictoriaLogs() {
	ctx := context.Background()
	store, err := logstore.NewVictoriaLogs(server.URL(), logstore.VictoriaLogsOptions{StreamFields: []string{"namespace"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2023, 5, 1, 12, 0, 0, 0, time.UTC)
	err = store.Write(ctx, []logstore.Record{
		{Time: at, Message: "starting", Fields: map[string]string{"namespace": "example"}},
		{Time: at.Add(time.Second), Message: "ready", Fields: map[string]string{"namespace": "example"}},
	})
	if err == nil {
		err = store.Flush(ctx)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	page, err := store.Search(ctx, logstore.Query{Filter: logstore.Equal("namespace", "example"), Limit: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(page.Total)
	for _, r := range page.Records {
		fmt.Println(r.Time.Format(time.TimeOnly), r.Message)
	}
	// Output:
	// 2
	// 12:00:01 ready
	// 12:00:00 starting
}
