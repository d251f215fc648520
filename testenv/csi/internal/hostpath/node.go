package hostpath

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

type node struct {
	csi.UnimplementedNodeServer
	d *Driver
}

func (n node) NodeGetInfo(context.Context, *csi.NodeGetInfoRequest) (*csi.NodeGetInfoResponse, error) {
	return &csi.NodeGetInfoResponse{NodeId: n.d.opts.NodeID}, nil
}

func (n node) NodeGetCapabilities(context.Context, *csi.NodeGetCapabilitiesRequest) (*csi.NodeGetCapabilitiesResponse, error) {
	return &csi.NodeGetCapabilitiesResponse{Capabilities: []*csi.NodeServiceCapability{{
		Type: &csi.NodeServiceCapability_Rpc{Rpc: &csi.NodeServiceCapability_RPC{Type: csi.NodeServiceCapability_RPC_GET_VOLUME_STATS}},
	}}}, nil
}

// NodePublishVolume makes the target path a symbolic link to the volume's
// folder (see the package documentation: no mounts).
func (n node) NodePublishVolume(_ context.Context, req *csi.NodePublishVolumeRequest) (*csi.NodePublishVolumeResponse, error) {
	switch {
	case req.GetVolumeId() == "":
		return nil, status.Error(codes.InvalidArgument, "volume_id: required")
	case req.GetTargetPath() == "":
		return nil, status.Error(codes.InvalidArgument, "target_path: required")
	case req.GetVolumeCapability() == nil:
		return nil, status.Error(codes.InvalidArgument, "volume_capability: required")
	}
	if err := checkCapability(req.GetVolumeCapability()); err != nil {
		return nil, err
	}
	d := n.d
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.volumes[req.GetVolumeId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no volume %q", req.GetVolumeId())
	}
	target, dir := req.GetTargetPath(), d.volumeDir(v.id)
	fi, err := os.Lstat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, status.Errorf(codes.Internal, "target_path: %v", err)
	case fi.Mode()&fs.ModeSymlink != 0:
		if link, _ := os.Readlink(target); link == dir {
			v.published[target] = true
			return &csi.NodePublishVolumeResponse{}, nil
		}
		return nil, status.Errorf(codes.AlreadyExists, "target_path %s links to another volume", target)
	case fi.IsDir():
		// A folder the CO made for the volume: replace it if it is empty.
		if err := os.Remove(target); err != nil {
			return nil, status.Errorf(codes.AlreadyExists, "target_path %s is a folder that is not empty", target)
		}
	default:
		return nil, status.Errorf(codes.AlreadyExists, "target_path %s exists", target)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return nil, status.Errorf(codes.Internal, "target_path: %v", err)
	}
	if err := os.Symlink(dir, target); err != nil {
		return nil, status.Errorf(codes.Internal, "target_path: %v", err)
	}
	v.published[target] = true
	return &csi.NodePublishVolumeResponse{}, nil
}

func (n node) NodeUnpublishVolume(_ context.Context, req *csi.NodeUnpublishVolumeRequest) (*csi.NodeUnpublishVolumeResponse, error) {
	switch {
	case req.GetVolumeId() == "":
		return nil, status.Error(codes.InvalidArgument, "volume_id: required")
	case req.GetTargetPath() == "":
		return nil, status.Error(codes.InvalidArgument, "target_path: required")
	}
	d := n.d
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.volumes[req.GetVolumeId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no volume %q", req.GetVolumeId())
	}
	target := req.GetTargetPath()
	fi, err := os.Lstat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, status.Errorf(codes.Internal, "target_path: %v", err)
	case fi.Mode()&fs.ModeSymlink != 0:
		// Only a link to this volume is this call's to remove.
		if link, _ := os.Readlink(target); link == d.volumeDir(v.id) {
			if err := os.Remove(target); err != nil {
				return nil, status.Errorf(codes.Internal, "target_path: %v", err)
			}
		}
	case fi.IsDir():
		_ = os.Remove(target) // an empty folder left by the CO
	}
	delete(v.published, target)
	return &csi.NodeUnpublishVolumeResponse{}, nil
}

// NodeGetVolumeStats reports the bytes of the volume's files against its
// recorded capacity.
func (n node) NodeGetVolumeStats(_ context.Context, req *csi.NodeGetVolumeStatsRequest) (*csi.NodeGetVolumeStatsResponse, error) {
	switch {
	case req.GetVolumeId() == "":
		return nil, status.Error(codes.InvalidArgument, "volume_id: required")
	case req.GetVolumePath() == "":
		return nil, status.Error(codes.InvalidArgument, "volume_path: required")
	}
	d := n.d
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.volumes[req.GetVolumeId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no volume %q", req.GetVolumeId())
	}
	if !v.published[req.GetVolumePath()] {
		return nil, status.Errorf(codes.NotFound, "volume %q is not published at %s", v.id, req.GetVolumePath())
	}
	used, err := usedBytes(d.volumeDir(v.id))
	if err != nil {
		return nil, status.Errorf(codes.Internal, "measure the volume: %v", err)
	}
	return &csi.NodeGetVolumeStatsResponse{Usage: []*csi.VolumeUsage{{
		Unit:      csi.VolumeUsage_BYTES,
		Total:     v.capacity,
		Used:      used,
		Available: max(0, v.capacity-used),
	}}}, nil
}
