package hostpath

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
)

// DefaultCapacity is the capacity a volume gets when CreateVolume asks for
// none.
const DefaultCapacity int64 = 1 << 30

// DefaultNodeID is the node ID NodeGetInfo reports when Options.NodeID is
// empty.
const DefaultNodeID = "spherekit-hostpath-node"

// Options configures New.
type Options struct {
	// Name is the driver name GetPluginInfo reports (required): the name of
	// the CSIDriver object and the provisioner of StorageClasses.
	Name string
	// Version is the vendor version GetPluginInfo reports.
	Version string
	// Root is the folder holding the volumes and snapshots (required). It is
	// created when missing.
	Root string
	// NodeID is the node ID NodeGetInfo reports; empty means DefaultNodeID.
	NodeID string
	// DisableSnapshots, DisableClones and DisableExpansion take away the
	// CREATE_DELETE_SNAPSHOT and LIST_SNAPSHOTS, CLONE_VOLUME and
	// EXPAND_VOLUME capabilities (and online volume expansion).
	DisableSnapshots bool
	DisableClones    bool
	DisableExpansion bool
}

// Driver is a running hostpath CSI driver. Its methods are safe for
// concurrent use.
type Driver struct {
	opts       Options
	volumesDir string
	snapsDir   string
	srv        *grpc.Server

	mu            sync.Mutex
	volumes       map[string]*volume   // by ID
	volumeNames   map[string]string    // name to ID
	snapshots     map[string]*snapshot // by ID
	snapshotNames map[string]string    // name to ID
}

type volume struct {
	id, name string
	capacity int64
	source   *csi.VolumeContentSource
	// published holds the target paths NodePublishVolume linked.
	published map[string]bool
}

type snapshot struct {
	id, name, sourceID string
	size               int64
	created            time.Time
}

// New creates the driver's folders under opts.Root and its gRPC server,
// which serves nothing until Serve.
func New(opts Options) (*Driver, error) {
	if opts.Name == "" {
		return nil, errors.New("hostpath: a driver needs a name")
	}
	if opts.Root == "" {
		return nil, errors.New("hostpath: a driver needs a root folder")
	}
	if opts.NodeID == "" {
		opts.NodeID = DefaultNodeID
	}
	d := &Driver{
		opts:          opts,
		volumesDir:    filepath.Join(opts.Root, "volumes"),
		snapsDir:      filepath.Join(opts.Root, "snapshots"),
		volumes:       map[string]*volume{},
		volumeNames:   map[string]string{},
		snapshots:     map[string]*snapshot{},
		snapshotNames: map[string]string{},
	}
	for _, dir := range []string{d.volumesDir, d.snapsDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("hostpath: %w", err)
		}
	}
	d.srv = grpc.NewServer()
	csi.RegisterIdentityServer(d.srv, identity{d: d})
	csi.RegisterControllerServer(d.srv, controller{d: d})
	csi.RegisterNodeServer(d.srv, node{d: d})
	return d, nil
}

// Serve answers CSI calls on l until Stop. It may run on several listeners
// at once (one socket per sidecar, say).
func (d *Driver) Serve(l net.Listener) error { return d.srv.Serve(l) }

// Stop closes every listener and connection at once.
func (d *Driver) Stop() { d.srv.Stop() }

// Name is the driver name.
func (d *Driver) Name() string { return d.opts.Name }

// VolumeDir is the folder holding the files of the volume with this ID (a
// PersistentVolume's spec.csi.volumeHandle).
func (d *Driver) VolumeDir(id string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.volumes[id]; !ok {
		return "", fmt.Errorf("hostpath: no volume %q", id)
	}
	return d.volumeDir(id), nil
}

// SnapshotDir is the folder holding the copy a snapshot with this ID (a
// VolumeSnapshotContent's status.snapshotHandle) made.
func (d *Driver) SnapshotDir(id string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.snapshots[id]; !ok {
		return "", fmt.Errorf("hostpath: no snapshot %q", id)
	}
	return d.snapshotDir(id), nil
}

// Capacity is the recorded capacity of the volume with this ID.
func (d *Driver) Capacity(id string) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.volumes[id]
	if !ok {
		return 0, fmt.Errorf("hostpath: no volume %q", id)
	}
	return v.capacity, nil
}

// IDs are "vol-" or "snap-" and 16 lower-case hex digits, never a path: a
// folder is only ever named by an ID the driver made.
func (d *Driver) volumeDir(id string) string   { return filepath.Join(d.volumesDir, id) }
func (d *Driver) snapshotDir(id string) string { return filepath.Join(d.snapsDir, id) }

func newID(prefix string) (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b), nil
}

const (
	volumePrefix   = "vol-"
	snapshotPrefix = "snap-"
)

// isID reports whether s is an ID with the prefix, as newID makes them.
func isID(s, prefix string) bool {
	if len(s) != len(prefix)+16 || s[:len(prefix)] != prefix {
		return false
	}
	for _, c := range s[len(prefix):] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// page returns the IDs of one page of ids (sorted here) after the token
// (the last ID of the previous page; "" for the first page), at most max of
// them (0: all), and the next token ("" when none are left). A token that is
// not an ID of this kind is reported with ok false.
func page(ids []string, prefix, token string, max int) (out []string, next string, ok bool) {
	if token != "" && !isID(token, prefix) {
		return nil, "", false
	}
	sort.Strings(ids)
	start := sort.SearchStrings(ids, token)
	if start < len(ids) && ids[start] == token {
		start++
	}
	rest := ids[start:]
	if max > 0 && len(rest) > max {
		return rest[:max], rest[max-1], true
	}
	return rest, "", true
}
