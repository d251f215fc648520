package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/resources"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Annotations ListVolumes sets on the claims it returns, as KubeSphere's
// resources API showed them (never written to the cluster).
const (
	// InUseAnnotation is "true" when a pod of the claim's namespace mounts it.
	InUseAnnotation = "kubesphere.io/in-use"
	// AllowSnapshotAnnotation is "true" when a VolumeSnapshotClass exists for
	// the driver that provisioned the claim.
	AllowSnapshotAnnotation = "kubesphere.io/allow-snapshot"
)

// ProvisionerAnnotation is the annotation Kubernetes sets on a claim with
// the provisioner asked to provision it.
const ProvisionerAnnotation = "volume.kubernetes.io/storage-provisioner"

// DefaultSnapshotClassAnnotation marks a driver's default
// VolumeSnapshotClass (value "true").
const DefaultSnapshotClassAnnotation = "snapshot.storage.kubernetes.io/is-default-class"

// pollInterval is how often the Client reads an object it waits for.
const pollInterval = 100 * time.Millisecond

var (
	claimsResource    = "persistentvolumeclaims"
	snapshotsResource = "volumesnapshots"
)

// CreateSnapshotOptions are the optional inputs of CreateSnapshot.
type CreateSnapshotOptions struct {
	// Name of the VolumeSnapshot; empty generates one from the claim's name.
	Name string
	// SnapshotClass is the VolumeSnapshotClass to use. Empty means the
	// driver's default class (annotation
	// snapshot.storage.kubernetes.io/is-default-class), else its only one.
	SnapshotClass string
	// Labels are set on the VolumeSnapshot.
	Labels map[string]string
	// Wait makes CreateSnapshot wait, bounded by ctx, until the snapshot is
	// ready to use (WaitForSnapshot). If it is not, the snapshot is deleted
	// and the error is a *FailedError.
	Wait bool
}

// CreateSnapshot cuts a VolumeSnapshot of claim in project. It refuses,
// before writing anything, a claim that does not exist (*NotFoundError), is
// not bound (*InvalidError naming "claim"), or whose class cannot snapshot
// (*InvalidError wrapping ErrUnsupported), and a snapshot class that is
// not its driver's (*InvalidError naming "opts.SnapshotClass").
func (c *Client) CreateSnapshot(ctx context.Context, project, claim string, opts CreateSnapshotOptions) (*snapshotv1.VolumeSnapshot, error) {
	if err := names("project", project, "claim", claim); err != nil {
		return nil, err
	}
	if opts.Name != "" {
		if err := dnsSubdomain("opts.Name", opts.Name); err != nil {
			return nil, err
		}
	}
	if err := c.authorize(ctx,
		inProject("get", "", claimsResource, claim, project),
		inProject("create", snapshotv1.GroupName, snapshotsResource, opts.Name, project)); err != nil {
		return nil, err
	}
	pvc, err := c.claim(ctx, "claim", project, claim)
	if err != nil {
		return nil, err
	}
	if err := bound("claim", pvc); err != nil {
		return nil, err
	}
	caps, err := c.claimCapabilities(ctx, "claim", pvc)
	if err != nil {
		return nil, err
	}
	if caps.Snapshot != Supported {
		return nil, unsupported("claim", caps, "snapshot", "no VolumeSnapshotClass of its driver exists")
	}
	class, err := c.snapshotClass(ctx, caps, opts.SnapshotClass)
	if err != nil {
		return nil, err
	}
	snap := &snapshotv1.VolumeSnapshot{
		ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: opts.Name, Labels: opts.Labels},
		Spec: snapshotv1.VolumeSnapshotSpec{
			Source:                  snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To(claim)},
			VolumeSnapshotClassName: ptr.To(class),
		},
	}
	if opts.Name == "" {
		snap.GenerateName = generatedPrefix(claim)
	}
	if err := c.c.Create(ctx, snap, client.FieldOwner(c.fieldOwner)); err != nil {
		return nil, fmt.Errorf("create snapshot of %s/%s: %w", project, claim, err)
	}
	if !opts.Wait {
		return snap, nil
	}
	ready, err := c.waitForSnapshot(ctx, project, snap.Name)
	if err != nil {
		return nil, c.undo(err, snap)
	}
	return ready, nil
}

// WaitForSnapshot waits, bounded by ctx, until VolumeSnapshot name of
// project is ready to use and returns it. When ctx ends first the error is
// a *FailedError carrying the snapshot's status.error, if any; the snapshot
// is left in place.
func (c *Client) WaitForSnapshot(ctx context.Context, project, name string) (*snapshotv1.VolumeSnapshot, error) {
	if err := names("project", project, "name", name); err != nil {
		return nil, err
	}
	if err := c.authorize(ctx, inProject("get", snapshotv1.GroupName, snapshotsResource, name, project)); err != nil {
		return nil, err
	}
	return c.waitForSnapshot(ctx, project, name)
}

func (c *Client) waitForSnapshot(ctx context.Context, project, name string) (*snapshotv1.VolumeSnapshot, error) {
	snap := &snapshotv1.VolumeSnapshot{}
	key := client.ObjectKey{Namespace: project, Name: name}
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		if err := c.c.Get(ctx, key, snap); err != nil {
			if apierrors.IsNotFound(err) {
				return false, &NotFoundError{Field: "name", Kind: "VolumeSnapshot", Name: name, Err: err}
			}
			return false, fmt.Errorf("get snapshot %s/%s: %w", project, name, err)
		}
		return snap.Status != nil && ptr.Deref(snap.Status.ReadyToUse, false), nil
	})
	if err == nil {
		return snap, nil
	}
	if ctx.Err() == nil {
		return nil, err
	}
	reason := "not ready to use when the wait ended"
	if snap.Status != nil && snap.Status.Error != nil && snap.Status.Error.Message != nil {
		reason = *snap.Status.Error.Message
	}
	return nil, &FailedError{Operation: "snapshot", Kind: "VolumeSnapshot", Namespace: project, Name: name, Reason: reason, Err: err}
}

// DeleteSnapshot deletes VolumeSnapshot name of project; the snapshot
// controller then deletes its content as its deletion policy says. An
// unknown snapshot is a *NotFoundError.
func (c *Client) DeleteSnapshot(ctx context.Context, project, name string) error {
	if err := names("project", project, "name", name); err != nil {
		return err
	}
	if err := c.authorize(ctx, inProject("delete", snapshotv1.GroupName, snapshotsResource, name, project)); err != nil {
		return err
	}
	snap := &snapshotv1.VolumeSnapshot{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: name}}
	if err := c.c.Delete(ctx, snap); err != nil {
		if apierrors.IsNotFound(err) {
			return &NotFoundError{Field: "name", Kind: "VolumeSnapshot", Name: name, Err: err}
		}
		return fmt.Errorf("delete snapshot %s/%s: %w", project, name, err)
	}
	return nil
}

// ListSnapshots lists the VolumeSnapshots of project (every project's when
// empty) with the resources API's query semantics: q.Status is creating,
// ready or deleting, and the filters volumeSnapshotClassName and
// persistentVolumeClaimName select by class and source claim
// (resources.FilterVolumeSnapshotClassName, FilterPersistentVolumeClaimName).
// It returns one page and the total that match.
func (c *Client) ListSnapshots(ctx context.Context, project string, q resources.Query) ([]snapshotv1.VolumeSnapshot, int, error) {
	if err := c.authorize(ctx, listIn(snapshotv1.GroupName, snapshotsResource, project)); err != nil {
		return nil, 0, err
	}
	if project != "" {
		if err := dnsLabel("project", project); err != nil {
			return nil, 0, err
		}
	}
	q.Namespace = project
	var list snapshotv1.VolumeSnapshotList
	total, err := resources.List(ctx, c.reader, &list, q)
	if err != nil {
		return nil, 0, fmt.Errorf("list snapshots: %w", err)
	}
	return list.Items, total, nil
}

// RestoreOptions are the optional inputs of RestoreSnapshot.
type RestoreOptions struct {
	// StorageClass of the new claim. Empty means the source claim's class
	// when the source claim still exists; otherwise it is required. Its
	// provisioner must be the snapshot's driver.
	StorageClass string
	// Size of the new claim. Zero means the snapshot's restore size; a size
	// below it is refused.
	Size resource.Quantity
	// AccessModes of the new claim. Empty means the source claim's, else
	// ReadWriteOnce.
	AccessModes []corev1.PersistentVolumeAccessMode
	// Labels are set on the new claim.
	Labels map[string]string
	// Wait makes RestoreSnapshot wait, bounded by ctx, until the claim is
	// bound (WaitForClaim). If it is not, the claim is deleted and the error
	// is a *FailedError carrying the provisioner's last complaint.
	Wait bool
}

// RestoreSnapshot creates claim in project from VolumeSnapshot snapshot of
// the same project: the driver provisions a new volume holding the
// snapshot's data. It refuses, before writing anything, an unknown
// snapshot or class (*NotFoundError), a snapshot not ready to use, a class
// of another driver, a size below the snapshot's restore size (each an
// *InvalidError naming the field), and a class the project may not use
// (*AccessDeniedError).
func (c *Client) RestoreSnapshot(ctx context.Context, project, snapshot, claim string, opts RestoreOptions) (*corev1.PersistentVolumeClaim, error) {
	if err := names("project", project, "snapshot", snapshot, "claim", claim); err != nil {
		return nil, err
	}
	if err := c.authorize(ctx,
		inProject("get", snapshotv1.GroupName, snapshotsResource, snapshot, project),
		inProject("create", "", claimsResource, claim, project)); err != nil {
		return nil, err
	}
	snap := &snapshotv1.VolumeSnapshot{}
	if err := c.c.Get(ctx, client.ObjectKey{Namespace: project, Name: snapshot}, snap); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &NotFoundError{Field: "snapshot", Kind: "VolumeSnapshot", Name: snapshot, Err: err}
		}
		return nil, fmt.Errorf("get snapshot %s/%s: %w", project, snapshot, err)
	}
	if snap.Status == nil || !ptr.Deref(snap.Status.ReadyToUse, false) || snap.Status.BoundVolumeSnapshotContentName == nil {
		return nil, &InvalidError{Field: "snapshot", Reason: fmt.Sprintf("%s is %s, not ready to use", snapshot, resources.SnapshotStatus(snap))}
	}
	content := &snapshotv1.VolumeSnapshotContent{}
	if err := c.c.Get(ctx, client.ObjectKey{Name: *snap.Status.BoundVolumeSnapshotContentName}, content); err != nil {
		return nil, fmt.Errorf("get content of snapshot %s/%s: %w", project, snapshot, err)
	}
	var source *corev1.PersistentVolumeClaim
	if name := ptr.Deref(snap.Spec.Source.PersistentVolumeClaimName, ""); name != "" {
		source = &corev1.PersistentVolumeClaim{}
		if err := c.c.Get(ctx, client.ObjectKey{Namespace: project, Name: name}, source); err != nil {
			if !apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("get source claim %s/%s: %w", project, name, err)
			}
			source = nil
		}
	}
	className := opts.StorageClass
	classField := "opts.StorageClass"
	if className == "" {
		if source == nil || ClaimClass(source) == "" {
			return nil, &InvalidError{Field: classField, Reason: "required: the snapshot's source claim is gone or names no class"}
		}
		className = ClaimClass(source)
	}
	sc, err := c.storageClass(ctx, classField, className)
	if err != nil {
		return nil, err
	}
	if sc.Provisioner != content.Spec.Driver {
		return nil, &InvalidError{Field: classField, Reason: fmt.Sprintf("class %s is provisioned by %s, but the snapshot was cut by driver %s", className, sc.Provisioner, content.Spec.Driver)}
	}
	size := opts.Size
	if restore := snap.Status.RestoreSize; restore != nil {
		if size.IsZero() {
			size = *restore
		} else if size.Cmp(*restore) < 0 {
			return nil, &InvalidError{Field: "opts.Size", Reason: fmt.Sprintf("%s is below the snapshot's restore size %s", size.String(), restore.String())}
		}
	}
	if size.IsZero() {
		return nil, &InvalidError{Field: "opts.Size", Reason: "required: the snapshot reports no restore size"}
	}
	modes := opts.AccessModes
	if len(modes) == 0 && source != nil {
		modes = source.Spec.AccessModes
	}
	pvc := newClaim(project, claim, className, size, modes, opts.Labels)
	pvc.Spec.DataSource = &corev1.TypedLocalObjectReference{APIGroup: ptr.To(snapshotv1.GroupName), Kind: "VolumeSnapshot", Name: snapshot}
	return c.provision(ctx, "restore", pvc, opts.Wait)
}

// CloneOptions are the optional inputs of CloneVolume.
type CloneOptions struct {
	// Size of the new claim. Zero means the source's capacity; a size
	// below it is refused.
	Size resource.Quantity
	// Labels are set on the new claim.
	Labels map[string]string
	// Wait makes CloneVolume wait, bounded by ctx, until the claim is bound
	// (WaitForClaim). If it is not, the claim is deleted and the error is a
	// *FailedError carrying the provisioner's last complaint.
	Wait bool
}

// CloneVolume creates claim in project as a copy of claim source of the
// same project, in the source's class (Kubernetes clones only within a
// class). It refuses, before writing anything, an unknown or unbound
// source, a class that cannot clone (*InvalidError wrapping
// ErrUnsupported), a size below the source's capacity, and a class the
// project may not use (*AccessDeniedError).
//
// Whether a CSI driver implements cloning is not in the Kubernetes API:
// the class can clone by KubeSphere's rule when its driver registered a
// CSIDriver. A driver that cannot refuses to provision; with opts.Wait the
// claim is then removed when ctx ends.
func (c *Client) CloneVolume(ctx context.Context, project, source, claim string, opts CloneOptions) (*corev1.PersistentVolumeClaim, error) {
	if err := names("project", project, "source", source, "claim", claim); err != nil {
		return nil, err
	}
	if err := c.authorize(ctx,
		inProject("get", "", claimsResource, source, project),
		inProject("create", "", claimsResource, claim, project)); err != nil {
		return nil, err
	}
	src, err := c.claim(ctx, "source", project, source)
	if err != nil {
		return nil, err
	}
	if err := bound("source", src); err != nil {
		return nil, err
	}
	caps, err := c.claimCapabilities(ctx, "source", src)
	if err != nil {
		return nil, err
	}
	if caps.Clone != Supported {
		return nil, unsupported("source", caps, "clone", "its provisioner has no CSIDriver")
	}
	capacity := src.Status.Capacity[corev1.ResourceStorage]
	size := opts.Size
	switch {
	case size.IsZero():
		size = capacity
	case size.Cmp(capacity) < 0:
		return nil, &InvalidError{Field: "opts.Size", Reason: fmt.Sprintf("%s is below the source's capacity %s", size.String(), capacity.String())}
	}
	pvc := newClaim(project, claim, caps.StorageClass, size, src.Spec.AccessModes, opts.Labels)
	pvc.Spec.VolumeMode = src.Spec.VolumeMode
	pvc.Spec.DataSource = &corev1.TypedLocalObjectReference{Kind: "PersistentVolumeClaim", Name: source}
	return c.provision(ctx, "clone", pvc, opts.Wait)
}

// ExpandVolume grows claim of project to size and waits, bounded by ctx,
// until the claim reports that capacity, or fails with a *FailedError when
// the resizer reports the expansion infeasible. It refuses, before writing
// anything, an unknown or unbound claim, a class without
// allowVolumeExpansion (*InvalidError wrapping ErrUnsupported) and a size
// below the current request (*InvalidError naming "size": volumes never
// shrink). A size equal to the current capacity returns the claim at once.
func (c *Client) ExpandVolume(ctx context.Context, project, claim string, size resource.Quantity) (*corev1.PersistentVolumeClaim, error) {
	if err := names("project", project, "claim", claim); err != nil {
		return nil, err
	}
	if err := c.authorize(ctx,
		inProject("get", "", claimsResource, claim, project),
		inProject("patch", "", claimsResource, claim, project)); err != nil {
		return nil, err
	}
	pvc, err := c.claim(ctx, "claim", project, claim)
	if err != nil {
		return nil, err
	}
	if err := bound("claim", pvc); err != nil {
		return nil, err
	}
	requested := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if size.Sign() <= 0 {
		return nil, &InvalidError{Field: "size", Reason: "a positive size is required"}
	}
	if size.Cmp(requested) < 0 {
		return nil, &InvalidError{Field: "size", Reason: fmt.Sprintf("%s is below the claim's request %s: volumes never shrink", size.String(), requested.String())}
	}
	capacity := pvc.Status.Capacity[corev1.ResourceStorage]
	if size.Cmp(requested) == 0 && size.Cmp(capacity) <= 0 {
		return pvc, nil
	}
	caps, err := c.claimCapabilities(ctx, "claim", pvc)
	if err != nil {
		return nil, err
	}
	if caps.Expansion != Supported {
		return nil, unsupported("claim", caps, "expand", "the class does not set allowVolumeExpansion")
	}
	if size.Cmp(requested) > 0 {
		err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
			if err := c.c.Get(ctx, client.ObjectKeyFromObject(pvc), pvc); err != nil {
				return err
			}
			if cur := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; size.Cmp(cur) <= 0 {
				return nil
			}
			if pvc.Spec.Resources.Requests == nil {
				pvc.Spec.Resources.Requests = corev1.ResourceList{}
			}
			pvc.Spec.Resources.Requests[corev1.ResourceStorage] = size
			return c.c.Update(ctx, pvc, client.FieldOwner(c.fieldOwner))
		})
		if err != nil {
			return nil, fmt.Errorf("expand claim %s/%s: %w", project, claim, err)
		}
	}
	return c.waitForExpansion(ctx, pvc, size)
}

// waitForExpansion waits until pvc's capacity reaches size with no resize
// left in progress, or the resizer says it cannot be done.
func (c *Client) waitForExpansion(ctx context.Context, pvc *corev1.PersistentVolumeClaim, size resource.Quantity) (*corev1.PersistentVolumeClaim, error) {
	key := client.ObjectKeyFromObject(pvc)
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		if err := c.c.Get(ctx, key, pvc); err != nil {
			return false, fmt.Errorf("get claim %s: %w", key, err)
		}
		switch pvc.Status.AllocatedResourceStatuses[corev1.ResourceStorage] {
		case corev1.PersistentVolumeClaimControllerResizeInfeasible, corev1.PersistentVolumeClaimNodeResizeInfeasible:
			return false, &FailedError{Operation: "expand", Kind: "PersistentVolumeClaim", Namespace: key.Namespace, Name: key.Name,
				Reason: resizeReason(pvc)}
		}
		capacity := pvc.Status.Capacity[corev1.ResourceStorage]
		return capacity.Cmp(size) >= 0 && !resizing(pvc), nil
	})
	if err == nil {
		return pvc, nil
	}
	var failed *FailedError
	if errors.As(err, &failed) || ctx.Err() == nil {
		return nil, err
	}
	capacity := pvc.Status.Capacity[corev1.ResourceStorage]
	return nil, &FailedError{Operation: "expand", Kind: "PersistentVolumeClaim", Namespace: key.Namespace, Name: key.Name,
		Reason: fmt.Sprintf("capacity %s, not %s, when the wait ended; %s", capacity.String(), size.String(), resizeReason(pvc)), Err: err}
}

// resizing reports whether a resize of pvc is still in progress.
func resizing(pvc *corev1.PersistentVolumeClaim) bool {
	for _, cond := range pvc.Status.Conditions {
		switch cond.Type {
		case corev1.PersistentVolumeClaimResizing, corev1.PersistentVolumeClaimFileSystemResizePending,
			corev1.PersistentVolumeClaimControllerResizeError, corev1.PersistentVolumeClaimNodeResizeError:
			if cond.Status == corev1.ConditionTrue {
				return true
			}
		}
	}
	return false
}

func resizeReason(pvc *corev1.PersistentVolumeClaim) string {
	var parts []string
	if s := pvc.Status.AllocatedResourceStatuses[corev1.ResourceStorage]; s != "" {
		parts = append(parts, "resize status "+string(s))
	}
	for _, cond := range pvc.Status.Conditions {
		if cond.Status == corev1.ConditionTrue && cond.Message != "" {
			parts = append(parts, fmt.Sprintf("%s: %s", cond.Type, cond.Message))
		}
	}
	if len(parts) == 0 {
		return "no resize condition"
	}
	return strings.Join(parts, "; ")
}

// WaitForClaim waits, bounded by ctx, until claim of project is bound and
// returns it. When ctx ends first the error is a *FailedError carrying the
// provisioner's last ProvisioningFailed event, if any; the claim is left in
// place. A claim of a class that binds on first use (WaitForFirstConsumer)
// binds only once a pod uses it.
func (c *Client) WaitForClaim(ctx context.Context, project, claim string) (*corev1.PersistentVolumeClaim, error) {
	if err := names("project", project, "claim", claim); err != nil {
		return nil, err
	}
	if err := c.authorize(ctx, inProject("get", "", claimsResource, claim, project)); err != nil {
		return nil, err
	}
	return c.waitForClaim(ctx, &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: claim}})
}

func (c *Client) waitForClaim(ctx context.Context, pvc *corev1.PersistentVolumeClaim) (*corev1.PersistentVolumeClaim, error) {
	key := client.ObjectKeyFromObject(pvc)
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		if err := c.c.Get(ctx, key, pvc); err != nil {
			if apierrors.IsNotFound(err) {
				return false, &NotFoundError{Field: "claim", Kind: "PersistentVolumeClaim", Name: key.Name, Err: err}
			}
			return false, fmt.Errorf("get claim %s: %w", key, err)
		}
		return pvc.Status.Phase == corev1.ClaimBound, nil
	})
	if err == nil {
		return pvc, nil
	}
	if ctx.Err() == nil {
		return nil, err
	}
	reason := fmt.Sprintf("%s when the wait ended", phaseOf(pvc))
	if msg := c.lastEvent(pvc, "ProvisioningFailed"); msg != "" {
		reason += "; the provisioner reported: " + msg
	}
	return nil, &FailedError{Operation: "provision", Kind: "PersistentVolumeClaim", Namespace: key.Namespace, Name: key.Name, Reason: reason, Err: err}
}

func phaseOf(pvc *corev1.PersistentVolumeClaim) string {
	if pvc.Status.Phase == "" {
		return string(corev1.ClaimPending)
	}
	return string(pvc.Status.Phase)
}

// lastEvent returns the message of the newest event of reason about obj,
// read from the API server with a fresh context (the caller's has ended);
// empty when there is none or it cannot be read.
func (c *Client) lastEvent(obj client.Object, reason string) string {
	if obj.GetUID() == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var events corev1.EventList
	if err := c.events.List(ctx, &events, client.InNamespace(obj.GetNamespace()),
		client.MatchingFields{"involvedObject.uid": string(obj.GetUID()), "reason": reason}); err != nil {
		return ""
	}
	var newest *corev1.Event
	for i := range events.Items {
		e := &events.Items[i]
		if newest == nil || eventTime(e).After(eventTime(newest)) {
			newest = e
		}
	}
	if newest == nil {
		return ""
	}
	return newest.Message
}

func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	default:
		return e.CreationTimestamp.Time
	}
}

// ListVolumes lists the PersistentVolumeClaims of project (every project's
// when empty) with the resources API's query semantics (q.Status is the
// phase; the storageClassName filter selects by class) and returns one page
// and the total that match. Each claim carries, as KubeSphere's resources
// API showed them, InUseAnnotation and AllowSnapshotAnnotation; they are
// computed, never written.
func (c *Client) ListVolumes(ctx context.Context, project string, q resources.Query) ([]corev1.PersistentVolumeClaim, int, error) {
	if err := c.authorize(ctx, listIn("", claimsResource, project)); err != nil {
		return nil, 0, err
	}
	if project != "" {
		if err := dnsLabel("project", project); err != nil {
			return nil, 0, err
		}
	}
	q.Namespace = project
	var list corev1.PersistentVolumeClaimList
	total, err := resources.List(ctx, c.reader, &list, q)
	if err != nil {
		return nil, 0, fmt.Errorf("list claims: %w", err)
	}
	if len(list.Items) == 0 {
		return nil, total, nil
	}
	inUse, err := c.mountedClaims(ctx, project)
	if err != nil {
		return nil, 0, err
	}
	drivers, err := c.snapshotDrivers(ctx)
	if err != nil {
		return nil, 0, err
	}
	for i := range list.Items {
		pvc := &list.Items[i]
		if pvc.Annotations == nil {
			pvc.Annotations = map[string]string{}
		}
		_, used := inUse[client.ObjectKeyFromObject(pvc)]
		pvc.Annotations[InUseAnnotation] = strconv.FormatBool(used)
		_, snap := drivers[provisionerOf(pvc)]
		pvc.Annotations[AllowSnapshotAnnotation] = strconv.FormatBool(snap)
	}
	return list.Items, total, nil
}

// provisionerOf is the provisioner Kubernetes asked to provision pvc.
func provisionerOf(pvc *corev1.PersistentVolumeClaim) string {
	if p := pvc.Annotations[ProvisionerAnnotation]; p != "" {
		return p
	}
	return pvc.Annotations["volume.beta.kubernetes.io/storage-provisioner"]
}

// mountedClaims returns the claims pods of project (every project when
// empty) mount.
func (c *Client) mountedClaims(ctx context.Context, project string) (map[client.ObjectKey]struct{}, error) {
	var pods corev1.PodList
	if err := c.reader.List(ctx, &pods, client.InNamespace(project)); err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	out := map[client.ObjectKey]struct{}{}
	for i := range pods.Items {
		for _, v := range pods.Items[i].Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				out[client.ObjectKey{Namespace: pods.Items[i].Namespace, Name: v.PersistentVolumeClaim.ClaimName}] = struct{}{}
			}
		}
	}
	return out, nil
}

// snapshotDrivers returns the drivers that have a VolumeSnapshotClass;
// none when the snapshot API is not installed.
func (c *Client) snapshotDrivers(ctx context.Context) (map[string]struct{}, error) {
	var classes snapshotv1.VolumeSnapshotClassList
	if err := c.reader.List(ctx, &classes); err != nil {
		if noSnapshotAPI(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("list volume snapshot classes: %w", err)
	}
	out := map[string]struct{}{}
	for _, cl := range classes.Items {
		out[cl.Driver] = struct{}{}
	}
	return out, nil
}

// VolumeUsers returns the names of the pods of project that mount claim,
// sorted. An unknown claim is a *NotFoundError.
func (c *Client) VolumeUsers(ctx context.Context, project, claim string) ([]string, error) {
	if err := names("project", project, "claim", claim); err != nil {
		return nil, err
	}
	if err := c.authorize(ctx,
		inProject("get", "", claimsResource, claim, project),
		inProject("list", "", "pods", "", project)); err != nil {
		return nil, err
	}
	if _, err := c.claim(ctx, "claim", project, claim); err != nil {
		return nil, err
	}
	var pods corev1.PodList
	if err := c.reader.List(ctx, &pods, client.InNamespace(project)); err != nil {
		return nil, fmt.Errorf("list pods of %s: %w", project, err)
	}
	var out []string
	for i := range pods.Items {
		if slices.ContainsFunc(pods.Items[i].Spec.Volumes, func(v corev1.Volume) bool {
			return v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim
		}) {
			out = append(out, pods.Items[i].Name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// provision creates pvc after checking that its project may use its class,
// and with wait waits until it is bound, deleting it when it is not.
func (c *Client) provision(ctx context.Context, op string, pvc *corev1.PersistentVolumeClaim, wait bool) (*corev1.PersistentVolumeClaim, error) {
	var accessors storagev1alpha1.AccessorList
	if err := c.c.List(ctx, &accessors); err != nil {
		return nil, fmt.Errorf("list accessors: %w", err)
	}
	if err := NewAccessorIndex(accessors.Items).Admit(ctx, c.c, ClaimClass(pvc), pvc.Namespace); err != nil {
		return nil, err
	}
	if err := c.c.Create(ctx, pvc, client.FieldOwner(c.fieldOwner)); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, &ConflictError{Field: "claim", Reason: fmt.Sprintf("claim %s already exists", pvc.Name), Err: err}
		}
		return nil, fmt.Errorf("%s into claim %s/%s: %w", op, pvc.Namespace, pvc.Name, err)
	}
	if !wait {
		return pvc, nil
	}
	bound, err := c.waitForClaim(ctx, pvc.DeepCopy())
	if err != nil {
		var failed *FailedError
		if errors.As(err, &failed) {
			failed.Operation = op
		}
		return nil, c.undo(err, pvc)
	}
	return bound, nil
}

// undo deletes obj, which the failed operation created, and waits until
// it is gone, so nothing half-made stays; a *FailedError records it.
func (c *Client) undo(cause error, obj client.Object) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := c.c.Delete(ctx, obj, client.PropagationPolicy(metav1.DeletePropagationBackground))
	if err == nil {
		// Finalizers (kubernetes.io/pvc-protection, the snapshot
		// controller's) hold it a moment: wait until it is gone.
		key := client.ObjectKeyFromObject(obj)
		err = wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
			err := c.c.Get(ctx, key, obj)
			return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
		})
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return errors.Join(cause, fmt.Errorf("remove %s %s/%s after the failure: %w", kindOf(obj), obj.GetNamespace(), obj.GetName(), err))
	}
	var failed *FailedError
	if errors.As(cause, &failed) {
		failed.Removed = true
	}
	return cause
}

func kindOf(obj client.Object) string {
	switch obj.(type) {
	case *snapshotv1.VolumeSnapshot:
		return "VolumeSnapshot"
	default:
		return "PersistentVolumeClaim"
	}
}

// claim gets claim of project, an unknown one being a *NotFoundError
// naming field.
func (c *Client) claim(ctx context.Context, field, project, claim string) (*corev1.PersistentVolumeClaim, error) {
	pvc := &corev1.PersistentVolumeClaim{}
	if err := c.c.Get(ctx, client.ObjectKey{Namespace: project, Name: claim}, pvc); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &NotFoundError{Field: field, Kind: "PersistentVolumeClaim", Name: claim, Err: err}
		}
		return nil, fmt.Errorf("get claim %s/%s: %w", project, claim, err)
	}
	return pvc, nil
}

// claimCapabilities returns the capabilities of pvc's class.
func (c *Client) claimCapabilities(ctx context.Context, field string, pvc *corev1.PersistentVolumeClaim) (*Capabilities, error) {
	class := ClaimClass(pvc)
	if class == "" {
		return nil, &InvalidError{Field: field, Reason: fmt.Sprintf("claim %s names no storage class", pvc.Name), Err: ErrUnsupported}
	}
	sc, err := c.storageClass(ctx, field, class)
	if err != nil {
		return nil, err
	}
	return CapabilitiesOf(ctx, c.c, sc)
}

// snapshotClass picks the VolumeSnapshotClass of caps' driver: name when
// set (it must be one of the driver's), else the default, else the only
// one.
func (c *Client) snapshotClass(ctx context.Context, caps *Capabilities, name string) (string, error) {
	const field = "opts.SnapshotClass"
	if name != "" {
		if !slices.Contains(caps.SnapshotClasses, name) {
			return "", &InvalidError{Field: field, Reason: fmt.Sprintf("%q is not a VolumeSnapshotClass of driver %s (it has %s)", name, caps.Provisioner, strings.Join(caps.SnapshotClasses, ", "))}
		}
		return name, nil
	}
	if len(caps.SnapshotClasses) == 1 {
		return caps.SnapshotClasses[0], nil
	}
	var defaults []string
	for _, n := range caps.SnapshotClasses {
		cl := &snapshotv1.VolumeSnapshotClass{}
		if err := c.c.Get(ctx, client.ObjectKey{Name: n}, cl); err != nil {
			return "", fmt.Errorf("get volume snapshot class %s: %w", n, err)
		}
		if cl.Annotations[DefaultSnapshotClassAnnotation] == "true" {
			defaults = append(defaults, n)
		}
	}
	if len(defaults) != 1 {
		return "", &InvalidError{Field: field, Reason: fmt.Sprintf("required: driver %s has %d VolumeSnapshotClasses (%s) and %d marked default", caps.Provisioner, len(caps.SnapshotClasses), strings.Join(caps.SnapshotClasses, ", "), len(defaults))}
	}
	return defaults[0], nil
}

func newClaim(project, name, class string, size resource.Quantity, modes []corev1.PersistentVolumeAccessMode, labels map[string]string) *corev1.PersistentVolumeClaim {
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: name, Labels: labels},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To(class),
			AccessModes:      slices.Clone(modes),
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: size}},
		},
	}
}

func bound(field string, pvc *corev1.PersistentVolumeClaim) error {
	if pvc.Status.Phase != corev1.ClaimBound {
		return &InvalidError{Field: field, Reason: fmt.Sprintf("claim %s is %s, not Bound", pvc.Name, phaseOf(pvc))}
	}
	return nil
}

func unsupported(field string, caps *Capabilities, what, why string) error {
	return &InvalidError{Field: field, Reason: fmt.Sprintf("storage class %s cannot %s: %s", caps.StorageClass, what, why), Err: ErrUnsupported}
}

// generatedPrefix is the generateName of a snapshot of claim: the claim's
// name cut so that the generated name stays a valid name.
func generatedPrefix(claim string) string {
	const maxPrefix = 63 - 6
	p := claim
	if len(p) > maxPrefix-1 {
		p = p[:maxPrefix-1]
	}
	return p + "-"
}

// names checks field/value pairs as DNS labels (project) or subdomains.
func names(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		check := dnsSubdomain
		if pairs[i] == "project" {
			check = dnsLabel
		}
		if err := check(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func inProject(verb, group, resource, name, project string) authz.Attributes {
	return authz.Attributes{Verb: verb, APIGroup: group, Resource: resource, Name: name, Namespace: project, Scope: authz.ScopeNamespace}
}

// listIn is a list of resource in project, or across the cluster when
// project is empty.
func listIn(group, resource, project string) authz.Attributes {
	if project == "" {
		return authz.Attributes{Verb: "list", APIGroup: group, Resource: resource, Scope: authz.ScopeCluster}
	}
	return inProject("list", group, resource, "", project)
}
