package csi

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/internal/process"
)

// snapshotControllers holds the snapshot-controller of each cluster that
// drivers of this process run in. The snapshot-controller is cluster-wide
// (it binds every VolumeSnapshot, whatever its driver), so exactly one must
// run per cluster however many drivers do: the first driver of a cluster
// starts it, the last one to stop ends it. This table is the package's only
// state; it names processes this process runs, which die with it.
var snapshotControllers = struct {
	sync.Mutex
	byCluster map[*testenv.Cluster]*sharedController
}{byCluster: map[*testenv.Cluster]*sharedController{}}

type sharedController struct {
	refs   int
	side   *sidecar
	folder *process.Folder
}

const snapshotControllerFolderPrefix = "spherekit-csi-snapshot-controller-"

// acquireSnapshotController starts the cluster's snapshot-controller unless
// it runs already, and returns the function that gives the reference back.
func acquireSnapshotController(ctx context.Context, cluster *testenv.Cluster, binary string, progress io.Writer) (release func(), err error) {
	snapshotControllers.Lock()
	defer snapshotControllers.Unlock()
	sc := snapshotControllers.byCluster[cluster]
	if sc == nil {
		for _, d := range process.RemoveAbandoned(snapshotControllerFolderPrefix) {
			progressf(progress, "csi: removed %s, left by a process that ended without stopping its snapshot-controller", d)
		}
		folder, err := process.NewFolder(snapshotControllerFolderPrefix)
		if err != nil {
			return nil, fmt.Errorf("csi: snapshot-controller folder: %w", err)
		}
		side, err := startSidecar(ctx, "snapshot-controller", binary, folder.Dir, []string{
			"--kubeconfig=" + cluster.KubeconfigPath(),
			"--leader-election=false",
			"--retry-interval-max=5s",
			"--kube-api-qps=50",
			"--kube-api-burst=100",
			"--v=2",
		})
		if err != nil {
			_ = folder.Remove()
			return nil, err
		}
		sc = &sharedController{side: side, folder: folder}
		snapshotControllers.byCluster[cluster] = sc
		progressf(progress, "csi: snapshot-controller running (log %s)", side.log.Name())
	}
	sc.refs++
	var once sync.Once
	return func() {
		once.Do(func() {
			snapshotControllers.Lock()
			defer snapshotControllers.Unlock()
			if sc.refs--; sc.refs > 0 {
				return
			}
			delete(snapshotControllers.byCluster, cluster)
			sc.side.stop()
			_ = sc.folder.Remove()
		})
	}, nil
}

// snapshotControllerTail is the last log lines of the cluster's
// snapshot-controller, "" when none runs.
func snapshotControllerTail(cluster *testenv.Cluster) string {
	snapshotControllers.Lock()
	defer snapshotControllers.Unlock()
	if sc := snapshotControllers.byCluster[cluster]; sc != nil {
		return sc.side.tail()
	}
	return ""
}
