package hostpath

import (
	"context"
	"os"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

type controller struct {
	csi.UnimplementedControllerServer
	d *Driver
}

func rpcCap(t csi.ControllerServiceCapability_RPC_Type) *csi.ControllerServiceCapability {
	return &csi.ControllerServiceCapability{Type: &csi.ControllerServiceCapability_Rpc{Rpc: &csi.ControllerServiceCapability_RPC{Type: t}}}
}

func (c controller) ControllerGetCapabilities(context.Context, *csi.ControllerGetCapabilitiesRequest) (*csi.ControllerGetCapabilitiesResponse, error) {
	caps := []*csi.ControllerServiceCapability{
		rpcCap(csi.ControllerServiceCapability_RPC_CREATE_DELETE_VOLUME),
		rpcCap(csi.ControllerServiceCapability_RPC_LIST_VOLUMES),
	}
	o := c.d.opts
	if !o.DisableSnapshots {
		caps = append(caps,
			rpcCap(csi.ControllerServiceCapability_RPC_CREATE_DELETE_SNAPSHOT),
			rpcCap(csi.ControllerServiceCapability_RPC_LIST_SNAPSHOTS))
	}
	if !o.DisableClones {
		caps = append(caps, rpcCap(csi.ControllerServiceCapability_RPC_CLONE_VOLUME))
	}
	if !o.DisableExpansion {
		caps = append(caps, rpcCap(csi.ControllerServiceCapability_RPC_EXPAND_VOLUME))
	}
	return &csi.ControllerGetCapabilitiesResponse{Capabilities: caps}, nil
}

// checkCapabilities refuses a missing or unsupported volume capability:
// every access mode is fine for a folder, a block volume is not offered.
func checkCapabilities(caps []*csi.VolumeCapability) error {
	if len(caps) == 0 {
		return status.Error(codes.InvalidArgument, "volume_capabilities: required")
	}
	for _, c := range caps {
		if err := checkCapability(c); err != nil {
			return err
		}
	}
	return nil
}

func checkCapability(c *csi.VolumeCapability) error {
	switch {
	case c == nil:
		return status.Error(codes.InvalidArgument, "volume capability: required")
	case c.GetAccessMode() == nil || c.GetAccessMode().GetMode() == csi.VolumeCapability_AccessMode_UNKNOWN:
		return status.Error(codes.InvalidArgument, "volume capability: an access mode is required")
	case c.GetBlock() != nil:
		return status.Error(codes.InvalidArgument, "volume capability: block volumes are not supported (volumes are folders)")
	case c.GetMount() == nil:
		return status.Error(codes.InvalidArgument, "volume capability: an access type (mount) is required")
	}
	return nil
}

// capacityFor is the capacity to record for a range: the required bytes, or
// else DefaultCapacity capped by the limit.
func capacityFor(r *csi.CapacityRange) (int64, error) {
	req, limit := r.GetRequiredBytes(), r.GetLimitBytes()
	switch {
	case req < 0 || limit < 0:
		return 0, status.Error(codes.InvalidArgument, "capacity_range: bytes must not be negative")
	case limit > 0 && req > limit:
		return 0, status.Errorf(codes.InvalidArgument, "capacity_range: required_bytes %d exceeds limit_bytes %d", req, limit)
	case req > 0:
		return req, nil
	case limit > 0:
		return min(DefaultCapacity, limit), nil
	}
	return DefaultCapacity, nil
}

// fits reports whether an existing volume's capacity satisfies a range.
func fits(capacity int64, r *csi.CapacityRange) bool {
	return capacity >= r.GetRequiredBytes() && (r.GetLimitBytes() == 0 || capacity <= r.GetLimitBytes())
}

func (v *volume) toCSI() *csi.Volume {
	return &csi.Volume{VolumeId: v.id, CapacityBytes: v.capacity, ContentSource: v.source}
}

func (c controller) CreateVolume(_ context.Context, req *csi.CreateVolumeRequest) (*csi.CreateVolumeResponse, error) {
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "name: required")
	}
	if err := checkCapabilities(req.GetVolumeCapabilities()); err != nil {
		return nil, err
	}
	capacity, err := capacityFor(req.GetCapacityRange())
	if err != nil {
		return nil, err
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()

	if id, ok := d.volumeNames[req.GetName()]; ok {
		v := d.volumes[id]
		if !fits(v.capacity, req.GetCapacityRange()) || !proto.Equal(v.source, req.GetVolumeContentSource()) {
			return nil, status.Errorf(codes.AlreadyExists, "volume %q exists with capacity %d and another source or a capacity outside the range asked for", req.GetName(), v.capacity)
		}
		return &csi.CreateVolumeResponse{Volume: v.toCSI()}, nil
	}

	// The folder to copy from, if any, and its size.
	var from string
	var size int64
	src := req.GetVolumeContentSource()
	switch {
	case src == nil:
	case src.GetSnapshot() != nil:
		if d.opts.DisableSnapshots {
			return nil, status.Error(codes.InvalidArgument, "volume_content_source: this driver does not restore snapshots")
		}
		s, ok := d.snapshots[src.GetSnapshot().GetSnapshotId()]
		if !ok {
			return nil, status.Errorf(codes.NotFound, "volume_content_source: no snapshot %q", src.GetSnapshot().GetSnapshotId())
		}
		from, size = d.snapshotDir(s.id), s.size
	case src.GetVolume() != nil:
		if d.opts.DisableClones {
			return nil, status.Error(codes.InvalidArgument, "volume_content_source: this driver does not clone volumes")
		}
		v, ok := d.volumes[src.GetVolume().GetVolumeId()]
		if !ok {
			return nil, status.Errorf(codes.NotFound, "volume_content_source: no volume %q", src.GetVolume().GetVolumeId())
		}
		from, size = d.volumeDir(v.id), v.capacity
	default:
		return nil, status.Error(codes.InvalidArgument, "volume_content_source: unknown source type")
	}
	if from != "" {
		r := req.GetCapacityRange()
		switch {
		case r.GetRequiredBytes() == 0 && r.GetLimitBytes() == 0:
			capacity = size
		case r.GetLimitBytes() > 0 && r.GetLimitBytes() < size:
			return nil, status.Errorf(codes.OutOfRange, "capacity_range: limit_bytes %d is below the source's size %d", r.GetLimitBytes(), size)
		case capacity < size:
			capacity = size
		}
	}

	id, err := newID(volumePrefix)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "volume ID: %v", err)
	}
	dir := d.volumeDir(id)
	if from != "" {
		err = copyDir(from, dir)
	} else {
		err = os.Mkdir(dir, 0o755)
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, status.Errorf(codes.Internal, "create the volume's folder: %v", err)
	}
	v := &volume{id: id, name: req.GetName(), capacity: capacity, source: src, published: map[string]bool{}}
	d.volumes[id] = v
	d.volumeNames[v.name] = id
	return &csi.CreateVolumeResponse{Volume: v.toCSI()}, nil
}

func (c controller) DeleteVolume(_ context.Context, req *csi.DeleteVolumeRequest) (*csi.DeleteVolumeResponse, error) {
	if req.GetVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "volume_id: required")
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.volumes[req.GetVolumeId()]
	if !ok {
		return &csi.DeleteVolumeResponse{}, nil
	}
	if err := os.RemoveAll(d.volumeDir(v.id)); err != nil {
		return nil, status.Errorf(codes.Internal, "remove the volume's folder: %v", err)
	}
	delete(d.volumes, v.id)
	delete(d.volumeNames, v.name)
	return &csi.DeleteVolumeResponse{}, nil
}

func (c controller) ValidateVolumeCapabilities(_ context.Context, req *csi.ValidateVolumeCapabilitiesRequest) (*csi.ValidateVolumeCapabilitiesResponse, error) {
	if req.GetVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "volume_id: required")
	}
	if len(req.GetVolumeCapabilities()) == 0 {
		return nil, status.Error(codes.InvalidArgument, "volume_capabilities: required")
	}
	c.d.mu.Lock()
	_, ok := c.d.volumes[req.GetVolumeId()]
	c.d.mu.Unlock()
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no volume %q", req.GetVolumeId())
	}
	if err := checkCapabilities(req.GetVolumeCapabilities()); err != nil {
		return &csi.ValidateVolumeCapabilitiesResponse{Message: status.Convert(err).Message()}, nil
	}
	return &csi.ValidateVolumeCapabilitiesResponse{Confirmed: &csi.ValidateVolumeCapabilitiesResponse_Confirmed{
		VolumeContext:      req.GetVolumeContext(),
		VolumeCapabilities: req.GetVolumeCapabilities(),
		Parameters:         req.GetParameters(),
	}}, nil
}

func (c controller) ListVolumes(_ context.Context, req *csi.ListVolumesRequest) (*csi.ListVolumesResponse, error) {
	if req.GetMaxEntries() < 0 {
		return nil, status.Error(codes.InvalidArgument, "max_entries: must not be negative")
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := make([]string, 0, len(d.volumes))
	for id := range d.volumes {
		ids = append(ids, id)
	}
	ids, next, ok := page(ids, volumePrefix, req.GetStartingToken(), int(req.GetMaxEntries()))
	if !ok {
		return nil, status.Errorf(codes.Aborted, "starting_token %q was not returned by this driver", req.GetStartingToken())
	}
	resp := &csi.ListVolumesResponse{NextToken: next}
	for _, id := range ids {
		resp.Entries = append(resp.Entries, &csi.ListVolumesResponse_Entry{Volume: d.volumes[id].toCSI()})
	}
	return resp, nil
}

func (s *snapshot) toCSI() *csi.Snapshot {
	return &csi.Snapshot{
		SnapshotId:     s.id,
		SourceVolumeId: s.sourceID,
		SizeBytes:      s.size,
		CreationTime:   timestamppb.New(s.created),
		ReadyToUse:     true,
	}
}

func (c controller) CreateSnapshot(_ context.Context, req *csi.CreateSnapshotRequest) (*csi.CreateSnapshotResponse, error) {
	d := c.d
	if d.opts.DisableSnapshots {
		return nil, status.Error(codes.Unimplemented, "this driver does not take snapshots")
	}
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "name: required")
	}
	if req.GetSourceVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "source_volume_id: required")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, ok := d.snapshotNames[req.GetName()]; ok {
		s := d.snapshots[id]
		if s.sourceID != req.GetSourceVolumeId() {
			return nil, status.Errorf(codes.AlreadyExists, "snapshot %q exists for volume %q", req.GetName(), s.sourceID)
		}
		return &csi.CreateSnapshotResponse{Snapshot: s.toCSI()}, nil
	}
	v, ok := d.volumes[req.GetSourceVolumeId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no volume %q", req.GetSourceVolumeId())
	}
	id, err := newID(snapshotPrefix)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "snapshot ID: %v", err)
	}
	if err := copyDir(d.volumeDir(v.id), d.snapshotDir(id)); err != nil {
		_ = os.RemoveAll(d.snapshotDir(id))
		return nil, status.Errorf(codes.Internal, "copy the volume: %v", err)
	}
	s := &snapshot{id: id, name: req.GetName(), sourceID: v.id, size: v.capacity, created: time.Now()}
	d.snapshots[id] = s
	d.snapshotNames[s.name] = id
	return &csi.CreateSnapshotResponse{Snapshot: s.toCSI()}, nil
}

func (c controller) DeleteSnapshot(_ context.Context, req *csi.DeleteSnapshotRequest) (*csi.DeleteSnapshotResponse, error) {
	d := c.d
	if d.opts.DisableSnapshots {
		return nil, status.Error(codes.Unimplemented, "this driver does not take snapshots")
	}
	if req.GetSnapshotId() == "" {
		return nil, status.Error(codes.InvalidArgument, "snapshot_id: required")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.snapshots[req.GetSnapshotId()]
	if !ok {
		return &csi.DeleteSnapshotResponse{}, nil
	}
	if err := os.RemoveAll(d.snapshotDir(s.id)); err != nil {
		return nil, status.Errorf(codes.Internal, "remove the snapshot's folder: %v", err)
	}
	delete(d.snapshots, s.id)
	delete(d.snapshotNames, s.name)
	return &csi.DeleteSnapshotResponse{}, nil
}

func (c controller) ListSnapshots(_ context.Context, req *csi.ListSnapshotsRequest) (*csi.ListSnapshotsResponse, error) {
	d := c.d
	if d.opts.DisableSnapshots {
		return nil, status.Error(codes.Unimplemented, "this driver does not take snapshots")
	}
	if req.GetMaxEntries() < 0 {
		return nil, status.Error(codes.InvalidArgument, "max_entries: must not be negative")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var ids []string
	for id, s := range d.snapshots {
		if (req.GetSnapshotId() == "" || id == req.GetSnapshotId()) &&
			(req.GetSourceVolumeId() == "" || s.sourceID == req.GetSourceVolumeId()) {
			ids = append(ids, id)
		}
	}
	ids, next, ok := page(ids, snapshotPrefix, req.GetStartingToken(), int(req.GetMaxEntries()))
	if !ok {
		return nil, status.Errorf(codes.Aborted, "starting_token %q was not returned by this driver", req.GetStartingToken())
	}
	resp := &csi.ListSnapshotsResponse{NextToken: next}
	for _, id := range ids {
		resp.Entries = append(resp.Entries, &csi.ListSnapshotsResponse_Entry{Snapshot: d.snapshots[id].toCSI()})
	}
	return resp, nil
}

func (c controller) ControllerExpandVolume(_ context.Context, req *csi.ControllerExpandVolumeRequest) (*csi.ControllerExpandVolumeResponse, error) {
	d := c.d
	if d.opts.DisableExpansion {
		return nil, status.Error(codes.Unimplemented, "this driver does not expand volumes")
	}
	if req.GetVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "volume_id: required")
	}
	r := req.GetCapacityRange()
	if r == nil {
		return nil, status.Error(codes.InvalidArgument, "capacity_range: required")
	}
	if r.GetRequiredBytes() < 0 || r.GetLimitBytes() < 0 {
		return nil, status.Error(codes.InvalidArgument, "capacity_range: bytes must not be negative")
	}
	if r.GetLimitBytes() > 0 && r.GetRequiredBytes() > r.GetLimitBytes() {
		return nil, status.Errorf(codes.OutOfRange, "capacity_range: required_bytes %d exceeds limit_bytes %d", r.GetRequiredBytes(), r.GetLimitBytes())
	}
	if req.GetVolumeCapability() != nil {
		if err := checkCapability(req.GetVolumeCapability()); err != nil {
			return nil, err
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.volumes[req.GetVolumeId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no volume %q", req.GetVolumeId())
	}
	// A volume never shrinks: asking for less than it has is answered with
	// what it has.
	v.capacity = max(v.capacity, r.GetRequiredBytes())
	return &csi.ControllerExpandVolumeResponse{CapacityBytes: v.capacity, NodeExpansionRequired: false}, nil
}
