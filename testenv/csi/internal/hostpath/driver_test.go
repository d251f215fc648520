package hostpath

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// clients reach a driver served on a real unix socket, as the sidecars do.
type clients struct {
	d *Driver
	csi.IdentityClient
	csi.ControllerClient
	csi.NodeClient
}

func serve(t *testing.T, opts Options) clients {
	t.Helper()
	dir := t.TempDir()
	opts.Name = "test.csi.spherekit.io"
	opts.Root = filepath.Join(dir, "root")
	d, err := New(opts)
	require.NoError(t, err)
	sock := filepath.Join(dir, "csi.sock")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	go func() { _ = d.Serve(l) }()
	t.Cleanup(d.Stop)
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return clients{d: d, IdentityClient: csi.NewIdentityClient(conn), ControllerClient: csi.NewControllerClient(conn), NodeClient: csi.NewNodeClient(conn)}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var mountRWO = &csi.VolumeCapability{
	AccessMode: &csi.VolumeCapability_AccessMode{Mode: csi.VolumeCapability_AccessMode_SINGLE_NODE_WRITER},
	AccessType: &csi.VolumeCapability_Mount{Mount: &csi.VolumeCapability_MountVolume{}},
}

func createReq(name string, bytes int64) *csi.CreateVolumeRequest {
	return &csi.CreateVolumeRequest{
		Name:               name,
		VolumeCapabilities: []*csi.VolumeCapability{mountRWO},
		CapacityRange:      &csi.CapacityRange{RequiredBytes: bytes},
	}
}

func mustCreate(t *testing.T, c clients, req *csi.CreateVolumeRequest) *csi.Volume {
	t.Helper()
	resp, err := c.CreateVolume(ctxT(t), req)
	require.NoError(t, err)
	return resp.GetVolume()
}

func fromSnapshot(id string) *csi.VolumeContentSource {
	return &csi.VolumeContentSource{Type: &csi.VolumeContentSource_Snapshot{Snapshot: &csi.VolumeContentSource_SnapshotSource{SnapshotId: id}}}
}

func fromVolume(id string) *csi.VolumeContentSource {
	return &csi.VolumeContentSource{Type: &csi.VolumeContentSource_Volume{Volume: &csi.VolumeContentSource_VolumeSource{VolumeId: id}}}
}

// TestErrorCodes checks the gRPC code of each refusal against the CSI
// spec's table for the call.
func TestErrorCodes(t *testing.T) {
	c := serve(t, Options{})
	limited := serve(t, Options{DisableSnapshots: true, DisableClones: true, DisableExpansion: true})
	existing := mustCreate(t, c, createReq("existing", 10<<20))
	limitedVol := mustCreate(t, limited, createReq("existing", 10<<20))
	snap, err := c.CreateSnapshot(ctxT(t), &csi.CreateSnapshotRequest{Name: "snap", SourceVolumeId: existing.GetVolumeId()})
	require.NoError(t, err)
	other := mustCreate(t, c, createReq("other", 10<<20))

	block := &csi.VolumeCapability{
		AccessMode: mountRWO.GetAccessMode(),
		AccessType: &csi.VolumeCapability_Block{Block: &csi.VolumeCapability_BlockVolume{}},
	}
	withSource := func(name string, src *csi.VolumeContentSource) *csi.CreateVolumeRequest {
		r := createReq(name, 10<<20)
		r.VolumeContentSource = src
		return r
	}
	for _, tc := range []struct {
		name string
		call func(ctx context.Context) error
		want codes.Code
	}{
		{"create without a name", func(ctx context.Context) error {
			_, err := c.CreateVolume(ctx, &csi.CreateVolumeRequest{VolumeCapabilities: []*csi.VolumeCapability{mountRWO}})
			return err
		}, codes.InvalidArgument},
		{"create without capabilities", func(ctx context.Context) error {
			_, err := c.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: "x"})
			return err
		}, codes.InvalidArgument},
		{"create a block volume", func(ctx context.Context) error {
			_, err := c.CreateVolume(ctx, &csi.CreateVolumeRequest{Name: "x", VolumeCapabilities: []*csi.VolumeCapability{block}})
			return err
		}, codes.InvalidArgument},
		{"create with required above limit", func(ctx context.Context) error {
			r := createReq("x", 10)
			r.CapacityRange.LimitBytes = 5
			_, err := c.CreateVolume(ctx, r)
			return err
		}, codes.InvalidArgument},
		{"create an existing name with another capacity", func(ctx context.Context) error {
			_, err := c.CreateVolume(ctx, createReq("existing", 20<<20))
			return err
		}, codes.AlreadyExists},
		{"create an existing name with a source", func(ctx context.Context) error {
			_, err := c.CreateVolume(ctx, withSource("existing", fromVolume(other.GetVolumeId())))
			return err
		}, codes.AlreadyExists},
		{"restore an unknown snapshot", func(ctx context.Context) error {
			_, err := c.CreateVolume(ctx, withSource("x", fromSnapshot("snap-0000000000000000")))
			return err
		}, codes.NotFound},
		{"clone an unknown volume", func(ctx context.Context) error {
			_, err := c.CreateVolume(ctx, withSource("x", fromVolume("../../etc")))
			return err
		}, codes.NotFound},
		{"restore below the snapshot's size", func(ctx context.Context) error {
			r := withSource("x", fromSnapshot(snap.GetSnapshot().GetSnapshotId()))
			r.CapacityRange = &csi.CapacityRange{RequiredBytes: 1 << 20, LimitBytes: 1 << 20}
			_, err := c.CreateVolume(ctx, r)
			return err
		}, codes.OutOfRange},
		{"restore on a driver without snapshots", func(ctx context.Context) error {
			_, err := limited.CreateVolume(ctx, withSource("x", fromSnapshot(snap.GetSnapshot().GetSnapshotId())))
			return err
		}, codes.InvalidArgument},
		{"clone on a driver without clones", func(ctx context.Context) error {
			_, err := limited.CreateVolume(ctx, withSource("x", fromVolume(limitedVol.GetVolumeId())))
			return err
		}, codes.InvalidArgument},
		{"delete without an ID", func(ctx context.Context) error {
			_, err := c.DeleteVolume(ctx, &csi.DeleteVolumeRequest{})
			return err
		}, codes.InvalidArgument},
		{"delete an unknown volume", func(ctx context.Context) error {
			_, err := c.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: "vol-unknown"})
			return err
		}, codes.OK},
		{"validate an unknown volume", func(ctx context.Context) error {
			_, err := c.ValidateVolumeCapabilities(ctx, &csi.ValidateVolumeCapabilitiesRequest{VolumeId: "vol-unknown", VolumeCapabilities: []*csi.VolumeCapability{mountRWO}})
			return err
		}, codes.NotFound},
		{"list volumes from a foreign token", func(ctx context.Context) error {
			_, err := c.ListVolumes(ctx, &csi.ListVolumesRequest{StartingToken: "invalid-token"})
			return err
		}, codes.Aborted},
		{"list volumes with a negative maximum", func(ctx context.Context) error {
			_, err := c.ListVolumes(ctx, &csi.ListVolumesRequest{MaxEntries: -1})
			return err
		}, codes.InvalidArgument},
		{"snapshot without a name", func(ctx context.Context) error {
			_, err := c.CreateSnapshot(ctx, &csi.CreateSnapshotRequest{SourceVolumeId: existing.GetVolumeId()})
			return err
		}, codes.InvalidArgument},
		{"snapshot without a source", func(ctx context.Context) error {
			_, err := c.CreateSnapshot(ctx, &csi.CreateSnapshotRequest{Name: "x"})
			return err
		}, codes.InvalidArgument},
		{"snapshot an unknown volume", func(ctx context.Context) error {
			_, err := c.CreateSnapshot(ctx, &csi.CreateSnapshotRequest{Name: "x", SourceVolumeId: "vol-unknown"})
			return err
		}, codes.NotFound},
		{"reuse a snapshot name for another volume", func(ctx context.Context) error {
			_, err := c.CreateSnapshot(ctx, &csi.CreateSnapshotRequest{Name: "snap", SourceVolumeId: other.GetVolumeId()})
			return err
		}, codes.AlreadyExists},
		{"delete an unknown snapshot", func(ctx context.Context) error {
			_, err := c.DeleteSnapshot(ctx, &csi.DeleteSnapshotRequest{SnapshotId: "snap-unknown"})
			return err
		}, codes.OK},
		{"list snapshots from a volume token", func(ctx context.Context) error {
			_, err := c.ListSnapshots(ctx, &csi.ListSnapshotsRequest{StartingToken: existing.GetVolumeId()})
			return err
		}, codes.Aborted},
		{"snapshot on a driver without snapshots", func(ctx context.Context) error {
			_, err := limited.CreateSnapshot(ctx, &csi.CreateSnapshotRequest{Name: "x", SourceVolumeId: limitedVol.GetVolumeId()})
			return err
		}, codes.Unimplemented},
		{"list snapshots on a driver without snapshots", func(ctx context.Context) error {
			_, err := limited.ListSnapshots(ctx, &csi.ListSnapshotsRequest{})
			return err
		}, codes.Unimplemented},
		{"expand without an ID", func(ctx context.Context) error {
			_, err := c.ControllerExpandVolume(ctx, &csi.ControllerExpandVolumeRequest{CapacityRange: &csi.CapacityRange{RequiredBytes: 1}})
			return err
		}, codes.InvalidArgument},
		{"expand without a range", func(ctx context.Context) error {
			_, err := c.ControllerExpandVolume(ctx, &csi.ControllerExpandVolumeRequest{VolumeId: existing.GetVolumeId()})
			return err
		}, codes.InvalidArgument},
		{"expand an unknown volume", func(ctx context.Context) error {
			_, err := c.ControllerExpandVolume(ctx, &csi.ControllerExpandVolumeRequest{VolumeId: "vol-unknown", CapacityRange: &csi.CapacityRange{RequiredBytes: 1}})
			return err
		}, codes.NotFound},
		{"expand on a driver without expansion", func(ctx context.Context) error {
			_, err := limited.ControllerExpandVolume(ctx, &csi.ControllerExpandVolumeRequest{VolumeId: limitedVol.GetVolumeId(), CapacityRange: &csi.CapacityRange{RequiredBytes: 1 << 30}})
			return err
		}, codes.Unimplemented},
		{"publish an unknown volume", func(ctx context.Context) error {
			_, err := c.NodePublishVolume(ctx, &csi.NodePublishVolumeRequest{VolumeId: "vol-unknown", TargetPath: filepath.Join(t.TempDir(), "t"), VolumeCapability: mountRWO})
			return err
		}, codes.NotFound},
		{"publish without a capability", func(ctx context.Context) error {
			_, err := c.NodePublishVolume(ctx, &csi.NodePublishVolumeRequest{VolumeId: existing.GetVolumeId(), TargetPath: filepath.Join(t.TempDir(), "t")})
			return err
		}, codes.InvalidArgument},
		{"stats of an unpublished path", func(ctx context.Context) error {
			_, err := c.NodeGetVolumeStats(ctx, &csi.NodeGetVolumeStatsRequest{VolumeId: existing.GetVolumeId(), VolumePath: "some/path"})
			return err
		}, codes.NotFound},
		{"stage (not offered)", func(ctx context.Context) error {
			_, err := c.NodeStageVolume(ctx, &csi.NodeStageVolumeRequest{VolumeId: existing.GetVolumeId()})
			return err
		}, codes.Unimplemented},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(ctxT(t))
			assert.Equal(t, tc.want, status.Code(err), "error: %v", err)
		})
	}
}

func TestCapabilities(t *testing.T) {
	rpc := func(caps []*csi.ControllerServiceCapability) []string {
		var out []string
		for _, c := range caps {
			out = append(out, c.GetRpc().GetType().String())
		}
		sort.Strings(out)
		return out
	}
	for _, tc := range []struct {
		name       string
		opts       Options
		controller []string
		expansion  bool
	}{
		{"everything", Options{}, []string{"CLONE_VOLUME", "CREATE_DELETE_SNAPSHOT", "CREATE_DELETE_VOLUME", "EXPAND_VOLUME", "LIST_SNAPSHOTS", "LIST_VOLUMES"}, true},
		{"no snapshots", Options{DisableSnapshots: true}, []string{"CLONE_VOLUME", "CREATE_DELETE_VOLUME", "EXPAND_VOLUME", "LIST_VOLUMES"}, true},
		{"no clones", Options{DisableClones: true}, []string{"CREATE_DELETE_SNAPSHOT", "CREATE_DELETE_VOLUME", "EXPAND_VOLUME", "LIST_SNAPSHOTS", "LIST_VOLUMES"}, true},
		{"no expansion", Options{DisableExpansion: true}, []string{"CLONE_VOLUME", "CREATE_DELETE_SNAPSHOT", "CREATE_DELETE_VOLUME", "LIST_SNAPSHOTS", "LIST_VOLUMES"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := serve(t, tc.opts)
			ctx := ctxT(t)
			cc, err := c.ControllerGetCapabilities(ctx, &csi.ControllerGetCapabilitiesRequest{})
			require.NoError(t, err)
			assert.Equal(t, tc.controller, rpc(cc.GetCapabilities()))
			pc, err := c.GetPluginCapabilities(ctx, &csi.GetPluginCapabilitiesRequest{})
			require.NoError(t, err)
			var online bool
			for _, p := range pc.GetCapabilities() {
				online = online || p.GetVolumeExpansion().GetType() == csi.PluginCapability_VolumeExpansion_ONLINE
			}
			assert.Equal(t, tc.expansion, online)
			info, err := c.GetPluginInfo(ctx, &csi.GetPluginInfoRequest{})
			require.NoError(t, err)
			assert.Equal(t, "test.csi.spherekit.io", info.GetName())
		})
	}
}

// TestCopies proves that snapshots, restores and clones copy files: a
// snapshot keeps the content of its moment, a restore gets it back, a
// clone gets the source's current content, and none shares files with
// another.
func TestCopies(t *testing.T) {
	c := serve(t, Options{})
	ctx := ctxT(t)
	src := mustCreate(t, c, createReq("src", 64<<20))
	srcDir, err := c.d.VolumeDir(src.GetVolumeId())
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(srcDir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(srcDir, "sub", "data"), []byte("before"), 0o600))
	require.NoError(t, os.Symlink("sub/data", filepath.Join(srcDir, "link")))

	snap, err := c.CreateSnapshot(ctx, &csi.CreateSnapshotRequest{Name: "s", SourceVolumeId: src.GetVolumeId()})
	require.NoError(t, err)
	assert.True(t, snap.GetSnapshot().GetReadyToUse())
	assert.Equal(t, int64(64<<20), snap.GetSnapshot().GetSizeBytes(), "a snapshot is sized as its volume")
	again, err := c.CreateSnapshot(ctx, &csi.CreateSnapshotRequest{Name: "s", SourceVolumeId: src.GetVolumeId()})
	require.NoError(t, err)
	assert.Equal(t, snap.GetSnapshot().GetSnapshotId(), again.GetSnapshot().GetSnapshotId(), "the same name gives the same snapshot")
	require.NoError(t, os.WriteFile(filepath.Join(srcDir, "sub", "data"), []byte("after"), 0o600))

	for _, tc := range []struct {
		name     string
		source   *csi.VolumeContentSource
		required int64
		want     string
		capacity int64
	}{
		{"restore keeps the snapshot's moment", fromSnapshot(snap.GetSnapshot().GetSnapshotId()), 0, "before", 64 << 20},
		{"restore into a bigger volume", fromSnapshot(snap.GetSnapshot().GetSnapshotId()), 128 << 20, "before", 128 << 20},
		{"clone takes the current content", fromVolume(src.GetVolumeId()), 0, "after", 64 << 20},
		{"restore asking for less gets the snapshot's size", fromSnapshot(snap.GetSnapshot().GetSnapshotId()), 1 << 20, "before", 64 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := createReq(tc.name, tc.required)
			req.VolumeContentSource = tc.source
			v := mustCreate(t, c, req)
			assert.Equal(t, tc.capacity, v.GetCapacityBytes())
			assert.NotNil(t, v.GetContentSource(), "the source is reported")
			dir, err := c.d.VolumeDir(v.GetVolumeId())
			require.NoError(t, err)
			got, err := os.ReadFile(filepath.Join(dir, "link"))
			require.NoError(t, err, "the link is copied as a link")
			assert.Equal(t, tc.want, string(got))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "data"), []byte("changed"), 0o600))
			data, err := os.ReadFile(filepath.Join(srcDir, "sub", "data"))
			require.NoError(t, err)
			assert.Equal(t, "after", string(data), "the copy shares no file with its source")
		})
	}

	_, err = c.DeleteSnapshot(ctx, &csi.DeleteSnapshotRequest{SnapshotId: snap.GetSnapshot().GetSnapshotId()})
	require.NoError(t, err)
	_, err = c.d.SnapshotDir(snap.GetSnapshot().GetSnapshotId())
	assert.Error(t, err)
	_, err = c.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: src.GetVolumeId()})
	require.NoError(t, err)
	assert.NoDirExists(t, srcDir)
}

func TestPaging(t *testing.T) {
	c := serve(t, Options{})
	ctx := ctxT(t)
	want := map[string]bool{}
	for i := range 5 {
		v := mustCreate(t, c, createReq(strings.Repeat("v", i+1), 1<<20))
		want[v.GetVolumeId()] = true
	}
	seen := map[string]bool{}
	var sizes []int
	token := ""
	for {
		resp, err := c.ListVolumes(ctx, &csi.ListVolumesRequest{MaxEntries: 2, StartingToken: token})
		require.NoError(t, err)
		sizes = append(sizes, len(resp.GetEntries()))
		for _, e := range resp.GetEntries() {
			assert.False(t, seen[e.GetVolume().GetVolumeId()], "listed twice")
			seen[e.GetVolume().GetVolumeId()] = true
		}
		if token = resp.GetNextToken(); token == "" {
			break
		}
		// Deleting the volume a token names must not break the token.
		_, err = c.DeleteVolume(ctx, &csi.DeleteVolumeRequest{VolumeId: token})
		require.NoError(t, err)
	}
	assert.Equal(t, []int{2, 2, 1}, sizes)
	assert.Equal(t, want, seen)
}

func TestExpand(t *testing.T) {
	c := serve(t, Options{})
	ctx := ctxT(t)
	v := mustCreate(t, c, createReq("v", 1<<30))
	for _, tc := range []struct {
		name string
		ask  int64
		want int64
	}{
		{"grows", 2 << 30, 2 << 30},
		{"never shrinks", 1 << 30, 2 << 30},
		{"grows again", 3 << 30, 3 << 30},
	} {
		resp, err := c.ControllerExpandVolume(ctx, &csi.ControllerExpandVolumeRequest{VolumeId: v.GetVolumeId(), CapacityRange: &csi.CapacityRange{RequiredBytes: tc.ask}})
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, resp.GetCapacityBytes(), tc.name)
		assert.False(t, resp.GetNodeExpansionRequired(), tc.name)
		got, err := c.d.Capacity(v.GetVolumeId())
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, tc.name)
	}
	list, err := c.ListVolumes(ctx, &csi.ListVolumesRequest{})
	require.NoError(t, err)
	require.Len(t, list.GetEntries(), 1)
	assert.Equal(t, int64(3<<30), list.GetEntries()[0].GetVolume().GetCapacityBytes())
}

func TestPublish(t *testing.T) {
	c := serve(t, Options{})
	ctx := ctxT(t)
	v := mustCreate(t, c, createReq("v", 1<<20))
	dir, err := c.d.VolumeDir(v.GetVolumeId())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("12345"), 0o600))
	target := filepath.Join(t.TempDir(), "target")
	pub := &csi.NodePublishVolumeRequest{VolumeId: v.GetVolumeId(), TargetPath: target, VolumeCapability: mountRWO}
	for range 2 {
		_, err := c.NodePublishVolume(ctx, pub)
		require.NoError(t, err, "publishing is idempotent")
	}
	data, err := os.ReadFile(filepath.Join(target, "f"))
	require.NoError(t, err)
	assert.Equal(t, "12345", string(data), "the target shows the volume's files")

	other := mustCreate(t, c, createReq("other", 1<<20))
	_, err = c.NodePublishVolume(ctx, &csi.NodePublishVolumeRequest{VolumeId: other.GetVolumeId(), TargetPath: target, VolumeCapability: mountRWO})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "another volume at the same target")

	stats, err := c.NodeGetVolumeStats(ctx, &csi.NodeGetVolumeStatsRequest{VolumeId: v.GetVolumeId(), VolumePath: target})
	require.NoError(t, err)
	require.Len(t, stats.GetUsage(), 1)
	assert.Equal(t, int64(5), stats.GetUsage()[0].GetUsed())
	assert.Equal(t, int64(1<<20), stats.GetUsage()[0].GetTotal())

	for range 2 {
		_, err := c.NodeUnpublishVolume(ctx, &csi.NodeUnpublishVolumeRequest{VolumeId: v.GetVolumeId(), TargetPath: target})
		require.NoError(t, err, "unpublishing is idempotent")
	}
	_, err = os.Lstat(target)
	assert.True(t, os.IsNotExist(err), "the target is removed")
	assert.FileExists(t, filepath.Join(dir, "f"), "the volume keeps its files")
}

// FuzzPage checks paging on any token: a foreign token is refused, and a
// page holds only IDs after the token, in order, at most max of them.
func FuzzPage(f *testing.F) {
	f.Add("", 2)
	f.Add("invalid-token", 0)
	f.Add("vol-00000000000000ff", 1)
	f.Add("vol-0000000000000000", -1)
	ids := []string{"vol-0000000000000001", "vol-00000000000000fe", "vol-0000000000000a00", "vol-ffffffffffffffff"}
	f.Fuzz(func(t *testing.T, token string, max int) {
		if max < 0 {
			max = 0
		}
		out, next, ok := page(append([]string(nil), ids...), volumePrefix, token, max)
		if !ok {
			assert.False(t, token == "" || isID(token, volumePrefix), "refused %q", token)
			return
		}
		assert.True(t, sort.StringsAreSorted(out))
		for _, id := range out {
			assert.Greater(t, id, token)
		}
		if max > 0 {
			assert.LessOrEqual(t, len(out), max)
		}
		if next != "" {
			assert.Equal(t, out[len(out)-1], next)
		}
	})
}
