package promlabelproxy

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/prometheus-community/prom-label-proxy/injectproxy"
	"github.com/prometheus/prometheus/model/labels"
)

var update = flag.Bool("update", false, "rewrite ../testdata/injection_namespace.golden")

const golden = "../testdata/injection_namespace.golden"

func corpus(tb testing.TB) []string {
	b, err := os.ReadFile("../testdata/injection_queries.txt")
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func enforcer() *injectproxy.PromQLEnforcer {
	return injectproxy.NewPromQLEnforcer(true, labels.MustNewMatcher(labels.MatchEqual, "namespace", "team-a"))
}

// TestGolden: the enforcer's answers are the golden file's; it refuses a
// query naming another namespace, as spherekit does.
func TestGolden(t *testing.T) {
	e := enforcer()
	var out []string
	for _, q := range corpus(t) {
		got, err := e.Enforce(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, got)
	}
	text := strings.Join(out, "\n") + "\n"
	if *update {
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != text {
		t.Fatalf("golden file differs; got:\n%s", text)
	}
	if _, err := e.Enforce(`up{namespace="team-b"}`); err == nil {
		t.Fatal("another namespace accepted")
	}
}

func BenchmarkLabelInjection(b *testing.B) {
	queries := corpus(b)
	e := enforcer()
	b.Run("prom-label-proxy", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := e.Enforce(queries[i%len(queries)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
