package resources_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/resources"
)

func podSpec() corev1.PodSpec {
	return corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}
}

func podTemplate(app string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec:       podSpec(),
	}
}

func selector(app string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
}

// listNames lists with q in ns (sorted by name ascending unless q says
// otherwise) and returns the names and total.
func listNames(t *testing.T, list client.ObjectList, ns string, q resources.Query) ([]string, int) {
	t.Helper()
	q.Namespace = ns
	if q.SortBy == "" {
		q.SortBy, q.Ascending = resources.SortByName, true
	}
	total, err := resources.List(context.Background(), cc, list, q)
	require.NoError(t, err)
	var out []string
	items, err := metaItems(list)
	require.NoError(t, err)
	for _, o := range items {
		out = append(out, o.GetName())
	}
	return out, total
}

func metaItems(list client.ObjectList) ([]client.Object, error) {
	var out []client.Object
	switch l := list.(type) {
	case *appsv1.DeploymentList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *appsv1.StatefulSetList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *appsv1.DaemonSetList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *batchv1.JobList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *batchv1.CronJobList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *corev1.PodList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *corev1.PersistentVolumeClaimList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *autoscalingv2.HorizontalPodAutoscalerList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *snapshotv1.VolumeSnapshotList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	default:
		return nil, forEach(list, func(o client.Object) { out = append(out, o) })
	}
	return out, nil
}

type statusCase struct {
	name string
	list func() client.ObjectList
	q    resources.Query
	want []string
}

func runStatusCases(t *testing.T, ns string, tests []statusCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total := listNames(t, tt.list(), ns, tt.q)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			assert.Equal(t, len(tt.want), total)
		})
	}
}

// TestWorkloadStatus checks stopped/running/updating for Deployments,
// StatefulSets and DaemonSets, and sortBy=updateTime.
func TestWorkloadStatus(t *testing.T) {
	needCluster(t)
	ns := env.NewNamespace(t)
	now := time.Now().Truncate(time.Second)

	deploy := func(name string, replicas int32) *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec:       appsv1.DeploymentSpec{Replicas: ptr.To(replicas), Selector: selector(name), Template: podTemplate(name)},
		}
	}
	dStopped, dRunning, dUpdating := deploy("d-stopped", 0), deploy("d-running", 2), deploy("d-updating", 2)
	sts := func(name string, replicas int32) *appsv1.StatefulSet {
		return &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec:       appsv1.StatefulSetSpec{Replicas: ptr.To(replicas), Selector: selector(name), Template: podTemplate(name)},
		}
	}
	sStopped, sRunning, sUpdating := sts("s-stopped", 0), sts("s-running", 3), sts("s-updating", 3)
	ds := func(name string) *appsv1.DaemonSet {
		return &appsv1.DaemonSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec:       appsv1.DaemonSetSpec{Selector: selector(name), Template: podTemplate(name)},
		}
	}
	dsStopped, dsRunning, dsUpdating := ds("ds-stopped"), ds("ds-running"), ds("ds-updating")
	create(t, dStopped, dRunning, dUpdating, sStopped, sRunning, sUpdating, dsStopped, dsRunning, dsUpdating)

	cond := func(ago time.Duration) []appsv1.DeploymentCondition {
		at := metav1.NewTime(now.Add(-ago))
		return []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, LastUpdateTime: at, LastTransitionTime: at}}
	}
	// updateTime: d-updating newest, then d-stopped, then d-running; all
	// in the past, before the objects' creation.
	dStopped.Status = appsv1.DeploymentStatus{Conditions: cond(2 * time.Hour)}
	dRunning.Status = appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2, Conditions: cond(3 * time.Hour)}
	dUpdating.Status = appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 2, AvailableReplicas: 2, Conditions: cond(time.Hour)}
	sRunning.Status = appsv1.StatefulSetStatus{Replicas: 3, ReadyReplicas: 3, CurrentReplicas: 3, UpdatedReplicas: 3, AvailableReplicas: 3}
	sUpdating.Status = appsv1.StatefulSetStatus{Replicas: 3, ReadyReplicas: 3, CurrentReplicas: 2, UpdatedReplicas: 1, AvailableReplicas: 3}
	dsRunning.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 2, CurrentNumberScheduled: 2, UpdatedNumberScheduled: 2, NumberReady: 2, NumberAvailable: 2}
	dsUpdating.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 2, CurrentNumberScheduled: 2, UpdatedNumberScheduled: 1, NumberReady: 1, NumberAvailable: 1}
	updateStatus(t, dStopped, dRunning, dUpdating, sRunning, sUpdating, dsRunning, dsUpdating)
	synced(t, dStopped, dRunning, dUpdating, sStopped, sRunning, sUpdating, dsStopped, dsRunning, dsUpdating)

	deployments := func() client.ObjectList { return &appsv1.DeploymentList{} }
	statefulSets := func() client.ObjectList { return &appsv1.StatefulSetList{} }
	daemonSets := func() client.ObjectList { return &appsv1.DaemonSetList{} }
	runStatusCases(t, ns, []statusCase{
		{name: "deployments stopped", list: deployments, q: resources.Query{Status: "stopped"}, want: []string{"d-stopped"}},
		{name: "deployments running", list: deployments, q: resources.Query{Status: "running"}, want: []string{"d-running"}},
		{name: "deployments updating", list: deployments, q: resources.Query{Status: "Updating"}, want: []string{"d-updating"}},
		{name: "deployments by updateTime", list: deployments, q: resources.Query{SortBy: resources.SortByUpdateTime}, want: []string{"d-updating", "d-stopped", "d-running"}},
	})
	// The paged case reports the total before paging.
	got, total := listNames(t, deployments(), ns, resources.Query{SortBy: resources.SortByUpdateTime, Ascending: true, Limit: 2})
	assert.Equal(t, []string{"d-running", "d-stopped"}, got)
	assert.Equal(t, 3, total)
	runStatusCases(t, ns, []statusCase{
		{name: "statefulsets stopped", list: statefulSets, q: resources.Query{Status: "stopped"}, want: []string{"s-stopped"}},
		{name: "statefulsets running", list: statefulSets, q: resources.Query{Status: "running"}, want: []string{"s-running"}},
		{name: "statefulsets updating", list: statefulSets, q: resources.Query{Status: "updating"}, want: []string{"s-updating"}},
		{name: "daemonsets stopped", list: daemonSets, q: resources.Query{Status: "stopped"}, want: []string{"ds-stopped"}},
		{name: "daemonsets running", list: daemonSets, q: resources.Query{Status: "running"}, want: []string{"ds-running"}},
		{name: "daemonsets updating", list: daemonSets, q: resources.Query{Status: "updating"}, want: []string{"ds-updating"}},
	})
}

// TestJobStatus checks running/completed/failed Jobs and running/paused
// CronJobs.
func TestJobStatus(t *testing.T) {
	needCluster(t)
	ns := env.NewNamespace(t)
	job := func(name string) *batchv1.Job {
		tpl := podTemplate(name)
		tpl.Spec.RestartPolicy = corev1.RestartPolicyNever
		return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: batchv1.JobSpec{Template: tpl}}
	}
	running, completed, failed := job("j-running"), job("j-completed"), job("j-failed")
	cron := func(name string, suspend bool) *batchv1.CronJob {
		tpl := podTemplate(name)
		tpl.Spec.RestartPolicy = corev1.RestartPolicyNever
		return &batchv1.CronJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: batchv1.CronJobSpec{Schedule: "*/5 * * * *", Suspend: ptr.To(suspend),
				JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tpl}}},
		}
	}
	cronRunning, cronPaused := cron("c-running", false), cron("c-paused", true)
	create(t, running, completed, failed, cronRunning, cronPaused)

	start := metav1.NewTime(time.Now().Add(-time.Minute).Truncate(time.Second))
	end := metav1.NewTime(start.Add(30 * time.Second))
	jc := func(typ batchv1.JobConditionType, reason string) batchv1.JobCondition {
		return batchv1.JobCondition{Type: typ, Status: corev1.ConditionTrue, Reason: reason, LastProbeTime: end, LastTransitionTime: end}
	}
	running.Status = batchv1.JobStatus{StartTime: &start, Active: 1}
	completed.Status = batchv1.JobStatus{StartTime: &start, CompletionTime: &end, Succeeded: 1,
		Conditions: []batchv1.JobCondition{jc(batchv1.JobSuccessCriteriaMet, "CompletionsReached"), jc(batchv1.JobComplete, "CompletionsReached")}}
	failed.Status = batchv1.JobStatus{StartTime: &start, Failed: 1,
		Conditions: []batchv1.JobCondition{jc(batchv1.JobFailureTarget, "BackoffLimitExceeded"), jc(batchv1.JobFailed, "BackoffLimitExceeded")}}
	updateStatus(t, running, completed, failed)
	synced(t, running, completed, failed, cronRunning, cronPaused)

	jobs := func() client.ObjectList { return &batchv1.JobList{} }
	crons := func() client.ObjectList { return &batchv1.CronJobList{} }
	runStatusCases(t, ns, []statusCase{
		{name: "jobs running", list: jobs, q: resources.Query{Status: "running"}, want: []string{"j-running"}},
		{name: "jobs completed", list: jobs, q: resources.Query{Status: "completed"}, want: []string{"j-completed"}},
		{name: "jobs failed", list: jobs, q: resources.Query{Status: "failed"}, want: []string{"j-failed"}},
		{name: "jobs by updateTime", list: jobs, q: resources.Query{SortBy: resources.SortByUpdateTime, Ascending: true, Names: []string{"j-completed", "j-running"}}, want: []string{"j-completed", "j-running"}},
		{name: "cronjobs running", list: crons, q: resources.Query{Status: "running"}, want: []string{"c-running"}},
		{name: "cronjobs paused", list: crons, q: resources.Query{Status: "paused"}, want: []string{"c-paused"}},
	})
}

// TestPodFilters checks kubectl's STATUS reasons, phase, nodeName,
// pvcName, serviceName and ownerKind=Deployment through a ReplicaSet.
func TestPodFilters(t *testing.T) {
	needCluster(t)
	ctx := context.Background()
	ns := env.NewNamespace(t)

	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec:       appsv1.DeploymentSpec{Selector: selector("web"), Template: podTemplate("web")},
	}
	create(t, d)
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-1", OwnerReferences: []metav1.OwnerReference{
			{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: ptr.To(true)}}},
		Spec: appsv1.ReplicaSetSpec{Selector: selector("web"), Template: podTemplate("web")},
	}
	create(t, rs)
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}},
	}
	headless := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "external"},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}},
	}
	create(t, svc, headless)

	pod := func(name string, mutate func(*corev1.Pod)) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: podSpec()}
		p.Spec.RestartPolicy = corev1.RestartPolicyNever
		if mutate != nil {
			mutate(p)
		}
		return p
	}
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}
	waiting := func(reason string) corev1.ContainerState {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
	}
	terminated := func(reason string, code int32) corev1.ContainerState {
		return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code, StartedAt: now, FinishedAt: now}}
	}
	cs := func(state corev1.ContainerState, ready bool) []corev1.ContainerStatus {
		return []corev1.ContainerStatus{{Name: "c", Image: "busybox", ImageID: "x", State: state, Ready: ready}}
	}
	conds := func(ready bool) []corev1.PodCondition {
		s := corev1.ConditionFalse
		if ready {
			s = corev1.ConditionTrue
		}
		return []corev1.PodCondition{{Type: corev1.PodReady, Status: s, LastTransitionTime: now}}
	}

	pending := pod("p-pending", func(p *corev1.Pod) {
		p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
	})
	run := pod("p-running", func(p *corev1.Pod) {
		p.Labels = map[string]string{"app": "web"}
		p.Spec.NodeName = "node-a"
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true)}}
	})
	creating := pod("p-creating", func(p *corev1.Pod) { p.Spec.NodeName = "node-b" })
	crash := pod("p-crash", func(p *corev1.Pod) {
		p.Labels = map[string]string{"app": "web"}
		p.Spec.NodeName = "node-a"
		p.Spec.RestartPolicy = corev1.RestartPolicyAlways
	})
	completed := pod("p-completed", nil)
	errored := pod("p-error", nil)
	exitCode := pod("p-exitcode", nil)
	initPod := pod("p-init", func(p *corev1.Pod) {
		p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox"}}
	})
	initCrash := pod("p-initcrash", func(p *corev1.Pod) {
		p.Spec.InitContainers = []corev1.Container{{Name: "one", Image: "busybox"}, {Name: "two", Image: "busybox"}}
	})
	notReady := pod("p-notready", func(p *corev1.Pod) {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "d", Image: "busybox"})
	})
	terminating := pod("p-terminating", func(p *corev1.Pod) { p.Finalizers = []string{"example.com/hold"} })
	create(t, pending, run, creating, crash, completed, errored, exitCode, initPod, initCrash, notReady, terminating)

	run.Status = corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: cs(running, true), Conditions: conds(true)}
	creating.Status = corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: cs(waiting("ContainerCreating"), false)}
	crash.Status = corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: cs(waiting("CrashLoopBackOff"), false), Conditions: conds(false)}
	completed.Status = corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: cs(terminated("Completed", 0), false)}
	errored.Status = corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: cs(terminated("Error", 1), false)}
	exitCode.Status = corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: cs(terminated("", 3), false)}
	initPod.Status = corev1.PodStatus{Phase: corev1.PodPending,
		InitContainerStatuses: []corev1.ContainerStatus{{Name: "init", Image: "busybox", ImageID: "x", State: running}},
		ContainerStatuses:     cs(waiting("PodInitializing"), false)}
	initCrash.Status = corev1.PodStatus{Phase: corev1.PodPending,
		InitContainerStatuses: []corev1.ContainerStatus{
			{Name: "one", Image: "busybox", ImageID: "x", State: terminated("Completed", 0)},
			{Name: "two", Image: "busybox", ImageID: "x", State: waiting("CrashLoopBackOff")}},
		ContainerStatuses: cs(waiting("PodInitializing"), false)}
	notReady.Status = corev1.PodStatus{Phase: corev1.PodRunning, Conditions: conds(false), ContainerStatuses: []corev1.ContainerStatus{
		{Name: "c", Image: "busybox", ImageID: "x", State: running, Ready: true},
		{Name: "d", Image: "busybox", ImageID: "x", State: terminated("Completed", 0)}}}
	updateStatus(t, run, creating, crash, completed, errored, exitCode, initPod, initCrash, notReady)
	require.NoError(t, env.Client.Delete(ctx, terminating))
	require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(terminating), terminating))
	t.Cleanup(func() {
		terminating.Finalizers = nil
		_ = env.Client.Update(context.Background(), terminating)
	})
	synced(t, d, rs, svc, headless, pending, run, creating, crash, completed, errored, exitCode, initPod, initCrash, notReady, terminating)

	pods := func() client.ObjectList { return &corev1.PodList{} }
	f := func(key, value string) resources.Query {
		return resources.Query{Filters: map[string]string{key: value}}
	}
	runStatusCases(t, ns, []statusCase{
		{name: "status Pending", list: pods, q: resources.Query{Status: "Pending"}, want: []string{"p-pending"}},
		{name: "status Running", list: pods, q: resources.Query{Status: "Running"}, want: []string{"p-running"}},
		{name: "status ignores case", list: pods, q: resources.Query{Status: "running"}, want: []string{"p-running"}},
		{name: "status ContainerCreating", list: pods, q: resources.Query{Status: "ContainerCreating"}, want: []string{"p-creating"}},
		{name: "status CrashLoopBackOff", list: pods, q: resources.Query{Status: "CrashLoopBackOff"}, want: []string{"p-crash"}},
		{name: "status Completed", list: pods, q: resources.Query{Status: "Completed"}, want: []string{"p-completed"}},
		{name: "status Error", list: pods, q: resources.Query{Status: "Error"}, want: []string{"p-error"}},
		{name: "status ExitCode", list: pods, q: resources.Query{Status: "ExitCode:3"}, want: []string{"p-exitcode"}},
		{name: "status Init:0/1", list: pods, q: resources.Query{Status: "Init:0/1"}, want: []string{"p-init"}},
		{name: "status Init:CrashLoopBackOff", list: pods, q: resources.Query{Status: "Init:CrashLoopBackOff"}, want: []string{"p-initcrash"}},
		{name: "status NotReady", list: pods, q: resources.Query{Status: "NotReady"}, want: []string{"p-notready"}},
		{name: "status Terminating", list: pods, q: resources.Query{Status: "Terminating"}, want: []string{"p-terminating"}},
		{name: "phase", list: pods, q: f(resources.FilterPhase, "running"), want: []string{"p-crash", "p-notready", "p-running"}},
		{name: "nodeName", list: pods, q: f(resources.FilterNodeName, "node-a"), want: []string{"p-crash", "p-running"}},
		{name: "pvcName", list: pods, q: f(resources.FilterPVCName, "data"), want: []string{"p-pending"}},
		{name: "pvcName none", list: pods, q: f(resources.FilterPVCName, "other"), want: nil},
		{name: "serviceName", list: pods, q: f(resources.FilterServiceName, "web"), want: []string{"p-crash", "p-running"}},
		{name: "serviceName without selector", list: pods, q: f(resources.FilterServiceName, "external"), want: nil},
		{name: "serviceName missing", list: pods, q: f(resources.FilterServiceName, "nope"), want: nil},
		{name: "serviceName with status", list: pods, q: resources.Query{Status: "Running", Filters: map[string]string{resources.FilterServiceName: "web"}}, want: []string{"p-running"}},
		{name: "ownerKind Deployment through ReplicaSet", list: pods, q: resources.Query{OwnerKind: "Deployment"}, want: []string{"p-running"}},
		{name: "ownerKind ReplicaSet", list: pods, q: resources.Query{OwnerKind: "ReplicaSet"}, want: []string{"p-running"}},
		{name: "ownerReference Deployment uid", list: pods, q: resources.Query{OwnerKind: "Deployment", OwnerReference: string(d.UID)}, want: []string{"p-running"}},
		{name: "ownerReference other uid", list: pods, q: resources.Query{OwnerKind: "Deployment", OwnerReference: string(rs.UID)}, want: nil},
		{name: "fieldSelector wildcard", list: pods, q: resources.Query{FieldSelector: mustFS(t, "spec.initContainers[*].name=two")}, want: []string{"p-initcrash"}},
		{name: "fieldSelector spec.nodeName", list: pods, q: resources.Query{FieldSelector: mustFS(t, "spec.nodeName=node-b")}, want: []string{"p-creating"}},
	})
}

func mustFS(t *testing.T, s string) *resources.FieldSelector {
	t.Helper()
	f, err := resources.ParseFieldSelector(s)
	require.NoError(t, err)
	return f
}

// TestPVCAndHPAFilters checks claim status and storage class, and
// autoscaler targets.
func TestPVCAndHPAFilters(t *testing.T) {
	needCluster(t)
	ns := env.NewNamespace(t)
	pvc := func(name string, class *string, ann map[string]string) *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: ann},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				StorageClassName: class,
				Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			},
		}
	}
	fast := pvc("fast", ptr.To("fast"), nil)
	legacy := pvc("legacy", nil, map[string]string{resources.StorageClassAnnotation: "slow"})
	create(t, fast, legacy)
	fast.Status.Phase = corev1.ClaimBound
	updateStatus(t, fast)

	hpa := func(name, kind, target string) *autoscalingv2.HorizontalPodAutoscaler {
		return &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: kind, Name: target},
				MaxReplicas:    3,
			},
		}
	}
	hWeb, hDB := hpa("h-web", "Deployment", "web"), hpa("h-db", "StatefulSet", "db")
	create(t, hWeb, hDB)
	synced(t, fast, legacy, hWeb, hDB)

	pvcs := func() client.ObjectList { return &corev1.PersistentVolumeClaimList{} }
	hpas := func() client.ObjectList { return &autoscalingv2.HorizontalPodAutoscalerList{} }
	f := func(kv ...string) resources.Query {
		q := resources.Query{Filters: map[string]string{}}
		for i := 0; i < len(kv); i += 2 {
			q.Filters[kv[i]] = kv[i+1]
		}
		return q
	}
	runStatusCases(t, ns, []statusCase{
		{name: "pvc bound", list: pvcs, q: resources.Query{Status: "bound"}, want: []string{"fast"}},
		{name: "pvc pending", list: pvcs, q: resources.Query{Status: "Pending"}, want: []string{"legacy"}},
		{name: "pvc storageClassName", list: pvcs, q: f(resources.FilterStorageClassName, "fast"), want: []string{"fast"}},
		{name: "pvc legacy storage class", list: pvcs, q: f(resources.FilterStorageClassName, "slow"), want: []string{"legacy"}},
		{name: "hpa targetKind", list: hpas, q: f(resources.FilterTargetKind, "Deployment"), want: []string{"h-web"}},
		{name: "hpa targetName", list: hpas, q: f(resources.FilterTargetName, "db"), want: []string{"h-db"}},
		{name: "hpa both", list: hpas, q: f(resources.FilterTargetKind, "StatefulSet", resources.FilterTargetName, "web"), want: nil},
	})
}

// TestSnapshotStatus checks the creating, ready and deleting statuses of
// VolumeSnapshots (KubeSphere's rule) and the snapshot class and source
// claim filters.
func TestSnapshotStatus(t *testing.T) {
	needCluster(t)
	ns := env.NewNamespace(t)
	snap := func(name, class, claim string) *snapshotv1.VolumeSnapshot {
		return &snapshotv1.VolumeSnapshot{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: snapshotv1.VolumeSnapshotSpec{
				VolumeSnapshotClassName: ptr.To(class),
				Source:                  snapshotv1.VolumeSnapshotSource{PersistentVolumeClaimName: ptr.To(claim)},
			},
		}
	}
	creating, ready, deleting := snap("creating", "fast", "data"), snap("ready", "fast", "logs"), snap("deleting", "slow", "data")
	deleting.Finalizers = []string{"spherekit.io/test"}
	create(t, creating, ready, deleting)
	ready.Status = &snapshotv1.VolumeSnapshotStatus{ReadyToUse: ptr.To(true)}
	updateStatus(t, ready)
	require.NoError(t, env.Client.Delete(context.Background(), deleting))
	require.NoError(t, env.Client.Get(context.Background(), client.ObjectKeyFromObject(deleting), deleting))
	t.Cleanup(func() {
		deleting.Finalizers = nil
		_ = env.Client.Update(context.Background(), deleting)
	})
	synced(t, creating, ready, deleting)

	snaps := func() client.ObjectList { return &snapshotv1.VolumeSnapshotList{} }
	f := func(k, v string) resources.Query { return resources.Query{Filters: map[string]string{k: v}} }
	runStatusCases(t, ns, []statusCase{
		{name: "creating", list: snaps, q: resources.Query{Status: resources.StatusCreating}, want: []string{"creating"}},
		{name: "ready", list: snaps, q: resources.Query{Status: "Ready"}, want: []string{"ready"}},
		{name: "deleting", list: snaps, q: resources.Query{Status: resources.StatusDeleting}, want: []string{"deleting"}},
		{name: "snapshot class", list: snaps, q: f(resources.FilterVolumeSnapshotClassName, "fast"), want: []string{"creating", "ready"}},
		{name: "source claim", list: snaps, q: f(resources.FilterPersistentVolumeClaimName, "data"), want: []string{"creating", "deleting"}},
	})

	_, err := resources.List(context.Background(), cc, &snapshotv1.VolumeSnapshotList{}, resources.Query{Namespace: ns, Status: "bound"})
	var invalid *resources.InvalidError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, resources.ParamStatus, invalid.Field)
	_, err = resources.List(context.Background(), cc, &corev1.PersistentVolumeClaimList{}, f(resources.FilterPersistentVolumeClaimName, "data"))
	require.ErrorAs(t, err, &invalid)
}
