package v1alpha1

// Annotations KubeSphere reads on StorageClasses, VolumeSnapshotClasses and
// PersistentVolumeClaims.
const (
	// AllowSnapshotAnnotation on a StorageClass, "true" or "false", says
	// whether claims of the class may be snapshotted. Set from the cluster
	// unless it holds a valid boolean someone else wrote.
	AllowSnapshotAnnotation = "storageclass.kubesphere.io/allow-snapshot"
	// AllowCloneAnnotation on a StorageClass, "true" or "false", says
	// whether claims of the class may be cloned; set like
	// AllowSnapshotAnnotation.
	AllowCloneAnnotation = "storageclass.kubesphere.io/allow-clone"
	// SupportedAccessModesAnnotation on a StorageClass is a JSON list of the
	// access modes its volumes support (["ReadWriteOnce","ReadOnlyMany"]),
	// written by administrators (KubeSphere's console offers all three when
	// it is missing).
	SupportedAccessModesAnnotation = "storageclass.kubesphere.io/supported-access-modes"
	// PVCCountAnnotation on a StorageClass is the number of claims of the
	// class, in decimal.
	PVCCountAnnotation = "kubesphere.io/pvc-count"
	// SnapshotCountAnnotation on a VolumeSnapshotClass is the number of
	// VolumeSnapshots of the class, in decimal.
	SnapshotCountAnnotation = "kubesphere.io/snapshot-count"
	// InUseAnnotation on a claim in KubeSphere 3.x's resources API says
	// whether a pod mounts it.
	InUseAnnotation = "kubesphere.io/in-use"
	// ClaimAllowSnapshotAnnotation on a claim in KubeSphere 3.x's resources
	// API says whether it may be snapshotted.
	ClaimAllowSnapshotAnnotation = "kubesphere.io/allow-snapshot"
)
