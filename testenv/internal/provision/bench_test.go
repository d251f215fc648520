package provision

import (
	"context"
	"os"
	"testing"
)

// BenchmarkColdBuild measures a cold build of each component: an empty cache
// entry and an empty Go build cache (GOCACHE in a temporary folder). Modules
// come from the local module cache when present, as on a developer machine
// that has run `go mod download`. Each iteration takes minutes, so run one:
//
//	go test ./testenv/internal/provision -run '^$' -bench ColdBuild -benchtime 1x -timeout 60m
//
// One component: -bench ColdBuild/prometheus.
func BenchmarkColdBuild(b *testing.B) {
	for _, comp := range []Component{Etcd(), Kubernetes(), Kwok(), Gitea(), Prometheus(), KubeStateMetrics(),
		CSIProvisioner(), CSISnapshotter(), CSIResizer(), CSISanity(), VictoriaLogs(), Alertmanager()} {
		b.Run(comp.Name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				b.Setenv("GOCACHE", b.TempDir())
				root := b.TempDir()
				b.StartTimer()
				res, err := (&Cache{Root: root, Progress: os.Stderr}).Ensure(context.Background(), comp)
				if err != nil {
					b.Fatal(err)
				}
				if !res.Built {
					b.Fatal("expected a build")
				}
			}
		})
	}
}
