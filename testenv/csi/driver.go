package csi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"

	storagev1 "k8s.io/api/storage/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/csi/internal/hostpath"
	"github.com/spherekit/spherekit/testenv/internal/process"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// Versions of the sidecars Start builds and runs.
const (
	ProvisionerVersion = provision.CSIProvisionerVersion
	SnapshotterVersion = provision.CSISnapshotterVersion
	ResizerVersion     = provision.CSIResizerVersion
)

// ManagedByLabel marks the CSIDriver objects Start creates, with the value
// ManagedByValue.
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedByValue = "spherekit-testenv-csi"
)

// workFolderPrefix names the drivers' work folders in the temporary
// folder; see process.Folder for how a folder left by a killed process is
// removed.
const workFolderPrefix = "spherekit-csi-"

// Driver is a running CSI driver with its sidecars, serving one cluster.
// Its methods are safe for concurrent use.
type Driver struct {
	name     string
	cluster  *testenv.Cluster
	client   client.Client
	folder   *process.Folder
	plugin   *hostpath.Driver
	sidecars []*sidecar
	release  func() // gives back the snapshot-controller
	created  bool   // the CSIDriver object is ours to delete

	stopOnce sync.Once
	stopErr  error
}

// Start runs a CSI driver for the cluster: spherekit's hostpath driver
// (volumes are folders under the driver's Root) served in this process on
// unix sockets in a temporary work folder, and the real Kubernetes CSI
// sidecars as child processes against the cluster's kubeconfig, leader
// election off, logging into the work folder: csi-provisioner,
// csi-snapshotter (unless Options.DisableSnapshots) and csi-resizer
// (unless Options.DisableExpansion). It installs the snapshot CRDs when the
// cluster lacks them, starts the cluster's one snapshot-controller unless
// a driver of this process runs it already, and creates the CSIDriver
// object (attachRequired false, Persistent volumes). It returns once every
// sidecar answers. The sidecars are built on first use (minutes, then
// cached; see the package documentation).
//
// The cluster needs simulated nodes (testenv.Options.Nodes of 1 or more):
// kube-controller-manager's volume controllers bind claims to the volumes
// the provisioner makes. ctx bounds the build and the start; a sidecar that
// exits or does not answer is a *StartError with its last log lines. Stop
// ends it all; so does the end of this process (on Linux).
func Start(ctx context.Context, cluster *testenv.Cluster, opts Options) (_ *Driver, err error) {
	if cluster == nil || cluster.Config == nil {
		return nil, fmt.Errorf("csi: %w", &OptionsError{Field: "cluster", Reason: "no cluster"})
	}
	if len(cluster.NodeNames()) == 0 {
		return nil, fmt.Errorf("csi: %w", &OptionsError{Field: "cluster", Reason: "needs simulated nodes (testenv.Options.Nodes of 1 or more): kube-controller-manager binds the claims"})
	}
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("csi: %w", err)
	}
	bins, err := ensureSidecars(ctx, o)
	if err != nil {
		return nil, err
	}

	ctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	begin := time.Now()
	for _, d := range process.RemoveAbandoned(workFolderPrefix) {
		progressf(o.Progress, "csi: removed %s, left by a process that ended without stopping its driver", d)
	}
	folder, err := process.NewFolder(workFolderPrefix)
	if err != nil {
		return nil, fmt.Errorf("csi: work folder: %w", err)
	}
	d := &Driver{name: o.Name, cluster: cluster, folder: folder}
	defer func() {
		if err != nil {
			_ = d.Stop()
		}
	}()
	if d.client, err = newClient(cluster); err != nil {
		return nil, err
	}
	if err := installSnapshotCRDs(ctx, d.client); err != nil {
		return nil, err
	}
	if d.plugin, err = hostpath.New(hostpath.Options{
		Name:             o.Name,
		Version:          "spherekit-testenv",
		Root:             filepath.Join(folder.Dir, "root"),
		DisableSnapshots: o.DisableSnapshots,
		DisableClones:    o.DisableClones,
		DisableExpansion: o.DisableExpansion,
	}); err != nil {
		return nil, fmt.Errorf("csi: %w", err)
	}
	if err := d.createCSIDriver(ctx); err != nil {
		return nil, err
	}
	if d.release, err = acquireSnapshotController(ctx, cluster, bins.snapshotController, o.Progress); err != nil {
		return nil, err
	}

	common := []string{
		"--kubeconfig=" + cluster.KubeconfigPath(),
		"--leader-election=false",
		"--kube-api-qps=50",
		"--kube-api-burst=100",
		"--v=2",
	}
	type side struct {
		name, binary string
		args         []string
	}
	sides := []side{{"csi-provisioner", bins.provisioner, []string{"--timeout=30s", "--retry-interval-max=5s"}}}
	if !o.DisableSnapshots {
		sides = append(sides, side{"csi-snapshotter", bins.snapshotter, []string{"--timeout=30s", "--retry-interval-max=5s"}})
	}
	if !o.DisableExpansion {
		sides = append(sides, side{"csi-resizer", bins.resizer, []string{"--timeout=30s", "--retry-interval-max=5s", "--handle-volume-inuse-error=false"}})
	}
	for _, s := range sides {
		// One socket per sidecar, all served by the one driver.
		sock := filepath.Join(folder.Dir, s.name+".sock")
		l, err := net.Listen("unix", sock)
		if err != nil {
			return nil, fmt.Errorf("csi: listen on %s: %w", sock, err)
		}
		go func() { _ = d.plugin.Serve(l) }()
		args := append(append([]string{"--csi-address=" + sock}, common...), s.args...)
		sc, err := startSidecar(ctx, s.name, s.binary, folder.Dir, args)
		if err != nil {
			return nil, err
		}
		d.sidecars = append(d.sidecars, sc)
	}
	progressf(o.Progress, "csi: driver %s running with %s in %s (work folder %s)", o.Name, sidecarNames(d.sidecars), time.Since(begin).Round(100*time.Millisecond), folder.Dir)
	return d, nil
}

type sidecarBinaries struct {
	provisioner, snapshotController, snapshotter, resizer string
}

// ensureSidecars builds (or finds in the cache) the sidecars the options
// need.
func ensureSidecars(ctx context.Context, o Options) (sidecarBinaries, error) {
	root, err := provision.CacheRoot(o.CacheDir)
	if err != nil {
		return sidecarBinaries{}, err
	}
	cache := &provision.Cache{Root: root, Progress: o.Progress}
	var b sidecarBinaries
	res, err := cache.Ensure(ctx, provision.CSIProvisioner())
	if err != nil {
		return b, err
	}
	b.provisioner = filepath.Join(res.Dir, "csi-provisioner")
	if res, err = cache.Ensure(ctx, provision.CSISnapshotter()); err != nil {
		return b, err
	}
	b.snapshotController = filepath.Join(res.Dir, "snapshot-controller")
	b.snapshotter = filepath.Join(res.Dir, "csi-snapshotter")
	if !o.DisableExpansion {
		if res, err = cache.Ensure(ctx, provision.CSIResizer()); err != nil {
			return b, err
		}
		b.resizer = filepath.Join(res.Dir, "csi-resizer")
	}
	return b, nil
}

// newClient is a client of the cluster with a scheme of its own (the
// cluster's may lack CRDs or CSIDrivers).
func newClient(cluster *testenv.Cluster) (client.Client, error) {
	scheme := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("csi: scheme: %w", err)
	}
	if err := storagev1.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("csi: scheme: %w", err)
	}
	c, err := client.New(cluster.Config, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("csi: client: %w", err)
	}
	return c, nil
}

// createCSIDriver creates the driver's CSIDriver object. A driver of the
// same name that already exists is an error: two drivers would answer for
// the same volumes.
func (d *Driver) createCSIDriver(ctx context.Context) error {
	obj := &storagev1.CSIDriver{
		ObjectMeta: metav1.ObjectMeta{Name: d.name, Labels: map[string]string{ManagedByLabel: ManagedByValue}},
		Spec: storagev1.CSIDriverSpec{
			AttachRequired:       ptr.To(false),
			PodInfoOnMount:       ptr.To(false),
			VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent},
		},
	}
	err := d.client.Create(ctx, obj)
	if apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("csi: %w", &OptionsError{Field: "Name", Reason: "a CSIDriver named " + d.name + " exists in the cluster already", Err: err})
	}
	if err != nil {
		return fmt.Errorf("csi: create CSIDriver %s: %w", d.name, err)
	}
	d.created = true
	return nil
}

// Name is the driver's name: its CSIDriver object's name and the
// provisioner (and VolumeSnapshotClass driver) that selects it.
func (d *Driver) Name() string { return d.name }

// Root is the folder holding the driver's volumes (volumes/<id>) and
// snapshots (snapshots/<id>).
func (d *Driver) Root() string { return filepath.Join(d.folder.Dir, "root") }

// VolumeDir is the folder holding the files of the volume a
// PersistentVolume's spec.csi.volumeHandle names, for a test that writes
// data into a volume or reads what a restore or clone copied.
func (d *Driver) VolumeDir(volumeHandle string) (string, error) {
	return d.plugin.VolumeDir(volumeHandle)
}

// SnapshotDir is the folder holding the copy a snapshot made, named by a
// VolumeSnapshotContent's status.snapshotHandle.
func (d *Driver) SnapshotDir(snapshotHandle string) (string, error) {
	return d.plugin.SnapshotDir(snapshotHandle)
}

// Capacity is the capacity in bytes the driver records for the volume a
// PersistentVolume's spec.csi.volumeHandle names: what the claim asked for
// at creation, raised by each expansion.
func (d *Driver) Capacity(volumeHandle string) (int64, error) {
	return d.plugin.Capacity(volumeHandle)
}

// LogTail is the last log lines of the driver's sidecars and of the
// cluster's snapshot-controller, for a test's failure message.
func (d *Driver) LogTail() string {
	var parts []string
	for _, s := range d.sidecars {
		parts = append(parts, s.tail())
	}
	if t := snapshotControllerTail(d.cluster); t != "" {
		parts = append(parts, t)
	}
	return strings.Join(parts, "\n")
}

// Stop ends the sidecars (and the snapshot-controller, when no other driver
// of the cluster runs), deletes the CSIDriver object, stops the driver and
// removes its work folder with every volume and snapshot. Objects in the
// cluster that name the driver (classes, claims, volumes, snapshots) stay.
// It is safe to call more than once.
func (d *Driver) Stop() error {
	d.stopOnce.Do(func() {
		var errs []error
		for i := len(d.sidecars) - 1; i >= 0; i-- {
			d.sidecars[i].stop()
		}
		if d.release != nil {
			d.release()
		}
		if d.created {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := d.client.Delete(ctx, &storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: d.name}})
			cancel()
			if err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("delete CSIDriver %s: %w", d.name, err))
			}
		}
		if d.plugin != nil {
			d.plugin.Stop()
		}
		if err := d.folder.Remove(); err != nil {
			errs = append(errs, fmt.Errorf("remove work folder: %w", err))
		}
		if len(errs) > 0 {
			d.stopErr = fmt.Errorf("csi: stop %s: %w", d.name, errors.Join(errs...))
		}
	})
	return d.stopErr
}

func sidecarNames(s []*sidecar) string {
	names := make([]string, len(s))
	for i, sc := range s {
		names[i] = sc.name
	}
	return strings.Join(names, ", ")
}

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		_, _ = fmt.Fprintf(w, format+"\n", args...)
	}
}
