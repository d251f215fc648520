package resources

import (
	"fmt"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Workload, Job and CronJob status values of Query.Status.
const (
	StatusStopped   = "stopped"
	StatusRunning   = "running"
	StatusUpdating  = "updating"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
	StatusPaused    = "paused"
)

// VolumeSnapshot status values of Query.Status, as KubeSphere derives them:
// deleting once the snapshot has a deletion timestamp, else ready when
// status.readyToUse is true, else creating.
const (
	StatusCreating = "creating"
	StatusReady    = "ready"
	StatusDeleting = "deleting"
)

// StorageClassAnnotation is the legacy way a claim names its storage class.
const StorageClassAnnotation = "volume.beta.kubernetes.io/storage-class"

// kindRules says which per-kind filters a kind has.
type kindRules struct {
	// statuses is the closed set of Status values; nil with status set
	// means any value is accepted.
	statuses []string
	status   bool
	filters  []string
}

var (
	workloadRules = []string{StatusStopped, StatusRunning, StatusUpdating}
	rulesByKind   = map[string]kindRules{
		"Deployment":            {status: true, statuses: workloadRules},
		"StatefulSet":           {status: true, statuses: workloadRules},
		"DaemonSet":             {status: true, statuses: workloadRules},
		"Job":                   {status: true, statuses: []string{StatusRunning, StatusCompleted, StatusFailed}},
		"CronJob":               {status: true, statuses: []string{StatusRunning, StatusPaused}},
		"Pod":                   {status: true, filters: []string{FilterNodeName, FilterPVCName, FilterServiceName, FilterPhase}},
		"PersistentVolumeClaim": {status: true, filters: []string{FilterStorageClassName}},
		"VolumeSnapshot": {
			status:   true,
			statuses: []string{StatusCreating, StatusReady, StatusDeleting},
			filters:  []string{FilterVolumeSnapshotClassName, FilterPersistentVolumeClaimName},
		},
		"HorizontalPodAutoscaler": {filters: []string{FilterTargetKind, FilterTargetName}},
	}
)

// listItemKind names the kind of a typed list's items that List has
// per-kind rules for.
func listItemKind(list runtime.Object) string {
	switch list.(type) {
	case *appsv1.DeploymentList:
		return "Deployment"
	case *appsv1.StatefulSetList:
		return "StatefulSet"
	case *appsv1.DaemonSetList:
		return "DaemonSet"
	case *batchv1.JobList:
		return "Job"
	case *batchv1.CronJobList:
		return "CronJob"
	case *corev1.PodList:
		return "Pod"
	case *corev1.PersistentVolumeClaimList:
		return "PersistentVolumeClaim"
	case *snapshotv1.VolumeSnapshotList:
		return "VolumeSnapshot"
	case *autoscalingv1.HorizontalPodAutoscalerList, *autoscalingv2.HorizontalPodAutoscalerList:
		return "HorizontalPodAutoscaler"
	}
	return ""
}

// workloadStatus is stopped with no replicas desired, running when every
// desired replica is updated and ready and no others are left, updating
// otherwise.
func workloadStatus(desired, current, updated, ready int32) string {
	switch {
	case desired == 0:
		return StatusStopped
	case updated == desired && ready == desired && current == desired:
		return StatusRunning
	default:
		return StatusUpdating
	}
}

func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

func deploymentStatus(d *appsv1.Deployment) string {
	return workloadStatus(replicas(d.Spec.Replicas), d.Status.Replicas, d.Status.UpdatedReplicas, d.Status.ReadyReplicas)
}

func statefulSetStatus(s *appsv1.StatefulSet) string {
	return workloadStatus(replicas(s.Spec.Replicas), s.Status.Replicas, s.Status.UpdatedReplicas, s.Status.ReadyReplicas)
}

func daemonSetStatus(d *appsv1.DaemonSet) string {
	st := d.Status
	return workloadStatus(st.DesiredNumberScheduled, st.CurrentNumberScheduled, st.UpdatedNumberScheduled, st.NumberReady)
}

func jobStatus(j *batchv1.Job) string {
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobFailed:
			return StatusFailed
		case batchv1.JobComplete:
			return StatusCompleted
		}
	}
	return StatusRunning
}

func cronJobStatus(c *batchv1.CronJob) string {
	if c.Spec.Suspend != nil && *c.Spec.Suspend {
		return StatusPaused
	}
	return StatusRunning
}

// statusOf is the Query.Status value of obj, for the kinds with a status
// rule.
func statusOf(obj runtime.Object) string {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return deploymentStatus(o)
	case *appsv1.StatefulSet:
		return statefulSetStatus(o)
	case *appsv1.DaemonSet:
		return daemonSetStatus(o)
	case *batchv1.Job:
		return jobStatus(o)
	case *batchv1.CronJob:
		return cronJobStatus(o)
	case *corev1.Pod:
		return PodStatus(o)
	case *corev1.PersistentVolumeClaim:
		return string(o.Status.Phase)
	case *snapshotv1.VolumeSnapshot:
		return SnapshotStatus(o)
	}
	return ""
}

// SnapshotStatus is the status of a VolumeSnapshot as Query.Status matches
// it: StatusDeleting, StatusReady or StatusCreating.
func SnapshotStatus(s *snapshotv1.VolumeSnapshot) string {
	switch {
	case s.DeletionTimestamp != nil:
		return StatusDeleting
	case s.Status != nil && s.Status.ReadyToUse != nil && *s.Status.ReadyToUse:
		return StatusReady
	default:
		return StatusCreating
	}
}

// updateTime is the SortByUpdateTime key of obj: its latest condition's
// update (Deployments) or transition time, else its creation time.
func updateTime(obj runtime.Object, created time.Time) time.Time {
	latest := time.Time{}
	bump := func(t time.Time) {
		if t.After(latest) {
			latest = t
		}
	}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		for _, c := range o.Status.Conditions {
			bump(c.LastUpdateTime.Time)
		}
	case *appsv1.StatefulSet:
		for _, c := range o.Status.Conditions {
			bump(c.LastTransitionTime.Time)
		}
	case *appsv1.DaemonSet:
		for _, c := range o.Status.Conditions {
			bump(c.LastTransitionTime.Time)
		}
	case *batchv1.Job:
		for _, c := range o.Status.Conditions {
			bump(c.LastTransitionTime.Time)
		}
	}
	if latest.IsZero() {
		return created
	}
	return latest
}

// PodStatus returns the reason kubectl get pods shows in its STATUS column:
// the phase, or the pod's reason, refined by its init containers
// ("Init:1/2", "Init:CrashLoopBackOff"), its containers ("ContainerCreating",
// "CrashLoopBackOff", "Completed", "Error", "ExitCode:3", "NotReady") and its
// deletion ("Terminating").
func PodStatus(pod *corev1.Pod) string {
	reason := string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		reason = pod.Status.Reason
	}
	if pod.Status.Phase == corev1.PodPending {
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonSchedulingGated {
				reason = corev1.PodReasonSchedulingGated
			}
		}
	}

	initializing := false
	for i := range pod.Status.InitContainerStatuses {
		cs := &pod.Status.InitContainerStatuses[i]
		st := cs.State
		if st.Terminated != nil && st.Terminated.ExitCode == 0 {
			continue
		}
		if isSidecar(pod, cs.Name) && cs.Started != nil && *cs.Started {
			continue
		}
		initializing = true
		switch {
		case st.Terminated != nil:
			switch {
			case st.Terminated.Reason != "":
				reason = "Init:" + st.Terminated.Reason
			case st.Terminated.Signal != 0:
				reason = fmt.Sprintf("Init:Signal:%d", st.Terminated.Signal)
			default:
				reason = fmt.Sprintf("Init:ExitCode:%d", st.Terminated.ExitCode)
			}
		case st.Waiting != nil && st.Waiting.Reason != "" && st.Waiting.Reason != "PodInitializing":
			reason = "Init:" + st.Waiting.Reason
		default:
			reason = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		break
	}

	if !initializing || podCondition(pod, corev1.PodInitialized) {
		running := false
		for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
			cs := &pod.Status.ContainerStatuses[i]
			st := cs.State
			switch {
			case st.Waiting != nil && st.Waiting.Reason != "":
				reason = st.Waiting.Reason
			case st.Terminated != nil && st.Terminated.Reason != "":
				reason = st.Terminated.Reason
			case st.Terminated != nil && st.Terminated.Signal != 0:
				reason = fmt.Sprintf("Signal:%d", st.Terminated.Signal)
			case st.Terminated != nil:
				reason = fmt.Sprintf("ExitCode:%d", st.Terminated.ExitCode)
			case cs.Ready && st.Running != nil:
				running = true
			}
		}
		// A pod with a container still running is not complete.
		if reason == "Completed" && running {
			if podCondition(pod, corev1.PodReady) {
				reason = string(corev1.PodRunning)
			} else {
				reason = "NotReady"
			}
		}
	}

	if pod.DeletionTimestamp != nil {
		switch {
		case pod.Status.Reason == "NodeLost":
			reason = string(corev1.PodUnknown)
		case pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed:
			reason = "Terminating"
		}
	}
	return reason
}

// isSidecar reports whether the named init container restarts always.
func isSidecar(pod *corev1.Pod, name string) bool {
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if c.Name == name {
			return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
		}
	}
	return false
}

func podCondition(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
