package resources_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/spherekit/spherekit/resources"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in   string
		want resources.Query
		// sel and fs are the selectors' String forms.
		sel, fs string
	}{
		{in: "", want: resources.Query{}},
		{in: "page=3&limit=10&sortBy=name&ascending=true", want: resources.Query{Page: 3, Limit: 10, SortBy: "name", Ascending: true}},
		// KubeSphere's limit=0: no items, only the total.
		{in: "limit=0&ascending=false", want: resources.Query{CountOnly: true}},
		// KubeSphere's "no paging": every item, whatever the page.
		{in: "limit=-1", want: resources.Query{}},
		{in: "limit=-1&page=3", want: resources.Query{Page: 3}},
		{in: "fieldSelector=metadata.annotations.example%5C.com/key%3Dv", fs: `metadata.annotations.example\.com/key=v`},
		{in: "name=web&names=a,%20b,,c&uid=u1&namespace=ns&ownerReference=o1&ownerKind=Deployment",
			want: resources.Query{Name: "web", Names: []string{"a", "b", "c"}, UID: "u1", Namespace: "ns", OwnerReference: "o1", OwnerKind: "Deployment"}},
		{in: "label=app%3Dweb&annotation=note&status=running", want: resources.Query{Label: "app=web", Annotation: "note", Status: "running"}},
		{in: "label=app!%3Dweb", want: resources.Query{Label: "app!=web"}},
		{in: "nodeName=n1&pvcName=p&serviceName=s&phase=Running&storageClassName=fast&targetKind=Deployment&targetName=web",
			want: resources.Query{Filters: map[string]string{"nodeName": "n1", "pvcName": "p", "serviceName": "s", "phase": "Running",
				"storageClassName": "fast", "targetKind": "Deployment", "targetName": "web"}}},
		{in: "unknown=1&sortby=x&Page=x", want: resources.Query{}},
		{in: "labelSelector=app%20in%20(a,b),tier", sel: "app in (a,b),tier"},
		{in: "fieldSelector=spec.nodeName%3Dn1,status.phase!%3D~running", fs: "spec.nodeName=n1,status.phase!=~running"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := url.ParseQuery(tt.in)
			require.NoError(t, err)
			q, err := resources.ParseQuery(v)
			require.NoError(t, err)
			if tt.sel != "" {
				require.NotNil(t, q.LabelSelector)
				assert.Equal(t, tt.sel, q.LabelSelector.String())
				q.LabelSelector = nil
			}
			if tt.fs != "" {
				assert.Equal(t, tt.fs, q.FieldSelector.String())
				q.FieldSelector = nil
			}
			if diff := cmp.Diff(tt.want, q); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseQueryInvalid(t *testing.T) {
	tests := []struct {
		in    string
		field string
	}{
		{"page=x", "page"},
		{"page=0", "page"},
		{"page=-2", "page"},
		{"limit=-2", "limit"},
		{"limit=-100&page=1", "limit"},
		{"limit=-1&page=0", "page"},
		{"limit=-1&page=x", "page"},
		{"limit=ten", "limit"},
		{"limit=99999999999999999999999", "limit"},
		{"ascending=maybe", "ascending"},
		{"labelSelector=app%20in%20(", "labelSelector"},
		{"labelSelector=%3D%3D", "labelSelector"},
		{"fieldSelector=metadata.name", "fieldSelector"},
		{"fieldSelector=%3Dx", "fieldSelector"},
		{"fieldSelector=a..b%3Dx", "fieldSelector"},
		{"fieldSelector=a[x]%3Dx", "fieldSelector"},
		{"fieldSelector=a[1%3Dx", "fieldSelector"},
		{"fieldSelector=a[99999999]%3Dx", "fieldSelector"},
		{"fieldSelector=a%20b%3Dx", "fieldSelector"},
		{`fieldSelector=a%5Cb%3Dx`, "fieldSelector"},
		{`fieldSelector=a.b%5C%3Dx`, "fieldSelector"},
		{`fieldSelector=a%5C%3Dx`, "fieldSelector"},
		{`fieldSelector=a%3Dx%5Cy`, "fieldSelector"},
		{`fieldSelector=a%3Dx%5C`, "fieldSelector"},
		{"fieldSelector=" + strings.Repeat("a%3D1,", 17), "fieldSelector"},
		{"fieldSelector=" + strings.Repeat("a", 257) + "%3D1", "fieldSelector"},
		{"fieldSelector=" + strings.Repeat("a.", 33) + "a%3D1", "fieldSelector"},
		{"label=%3Dx", "label"},
		{"annotation=!%3Dx", "annotation"},
		{"names=" + strings.Repeat("a,", 1001), "names"},
		{"name=" + strings.Repeat("a", 4097), "name"},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 40)], func(t *testing.T) {
			v, err := url.ParseQuery(tt.in)
			require.NoError(t, err)
			_, err = resources.ParseQuery(v)
			var invalid *resources.InvalidError
			require.ErrorAs(t, err, &invalid)
			assert.Equal(t, tt.field, invalid.Field)
		})
	}
}

// TestFieldSelectorMatches evaluates selectors on a pod's JSON form without
// a cluster; TestListMetadataFilters and TestPodFilters check them through
// List.
func TestFieldSelectorMatches(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop", Labels: map[string]string{"app": "web", "app.kubernetes.io/name": "shop"},
			Annotations: map[string]string{"example.com/key": "v", "example.com/note": `a,b=c\`}},
		Spec: corev1.PodSpec{
			NodeName: "node-a",
			Containers: []corev1.Container{
				{Name: "app", Image: "nginx:1.27", Ports: []corev1.ContainerPort{{ContainerPort: 80}}},
				{Name: "sidecar", Image: "envoy"},
			},
			HostNetwork: true,
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
	tests := []struct {
		sel  string
		want bool
	}{
		{"", true},
		{"metadata.name=web-1", true},
		{"metadata.name==web-1", true},
		{"metadata.name!=web-1", false},
		{"metadata.name=~WEB-1", true},
		{"metadata.name=WEB-1", false},
		{"metadata.namespace=shop,spec.nodeName=node-a", true},
		{"metadata.namespace=shop,spec.nodeName=node-b", false},
		{"spec.containers[*].image=envoy", true},
		{"spec.containers[*].image!=envoy", false},
		{"spec.containers[0].image=envoy", false},
		{"spec.containers[1].image=envoy", true},
		{"spec.containers[5].image=envoy", false},
		{"spec.containers[0].ports[0].containerPort=80", true},
		{"spec.containers[*].ports[*].containerPort=80", true},
		{"spec.hostNetwork=true", true},
		{"status.conditions[0].type=Ready", true},
		{"status.phase=~running", true},
		{"spec.missing=", true},
		{"spec.missing!=x", true},
		{"spec.missing=x", false},
		{"spec.containers=x", false},
		{"metadata.labels.app=web", true},
		{"metadata.labels.app.kubernetes.io/name=shop", true},
		{"metadata.labels.app.kubernetes.io/name!=shop", false},
		// Escaped dots name one key, read only that way.
		{`metadata.labels.app\.kubernetes\.io/name=shop`, true},
		{`metadata.labels.app\.kubernetes\.io/name!=shop`, false},
		{`metadata.annotations.example\.com/key=v`, true},
		{`metadata.annotations.example\.com/key=V`, false},
		{`metadata.annotations.example\.com/key=~V`, true},
		// An unescaped comma ends the term: b=c is a second one.
		{`metadata.annotations.example\.com/note=a,b=c`, false},
		{`metadata.annotations.example\.com/note=a\,b\=c\\`, true},
		{`metadata.annotations.example\.com/key=v,metadata.name=web-1`, true},
		{`metadata.annotations.example\.com/key=v,metadata.name=web-2`, false},
		{`metadata.annotations.example\.com/missing=`, true},
		{`metadata.annotations.example\.com/key\.=v`, false},
		// With an escape, a path is not also tried with its segments joined.
		{`metadata.labels.app.kubernetes\.io/name=shop`, false},
		{`metadata\.labels.app=web`, false},
		// Kubernetes skips empty terms.
		{"metadata.name=web-1,", true},
		{",metadata.name=web-1,,", true},
		{"spec[0]=x", false},
		{"spec.containers[0][0]=x", false},
	}
	for _, tt := range tests {
		t.Run(tt.sel, func(t *testing.T) {
			fs, err := resources.ParseFieldSelector(tt.sel)
			require.NoError(t, err)
			got, err := fs.Matches(pod)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(pod)
			require.NoError(t, err)
			assert.Equal(t, tt.want, fs.MatchesMap(m), "MatchesMap")
		})
	}
}

func TestPodStatusUnit(t *testing.T) {
	now := metav1.Now()
	always := corev1.ContainerRestartPolicyAlways
	tests := []struct {
		name string
		pod  corev1.Pod
		want string
	}{
		{"phase", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending}}, "Pending"},
		{"reason", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted"}}, "Evicted"},
		{"scheduling gated", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonSchedulingGated}}}}, "SchedulingGated"},
		{"init signal", corev1.Pod{
			Spec: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i"}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending, InitContainerStatuses: []corev1.ContainerStatus{
				{Name: "i", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Signal: 9, ExitCode: 137}}}}}}, "Init:Signal:9"},
		{"init exit code", corev1.Pod{
			Spec: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i"}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending, InitContainerStatuses: []corev1.ContainerStatus{
				{Name: "i", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2}}}}}}, "Init:ExitCode:2"},
		{"started sidecar does not block", corev1.Pod{
			Spec: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "s", RestartPolicy: &always}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
				InitContainerStatuses: []corev1.ContainerStatus{{Name: "s", Started: new(true), State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}},
				ContainerStatuses:     []corev1.ContainerStatus{{Name: "c", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}}, "Running"},
		{"signal", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "c", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Signal: 15}}}}}}, "Signal:15"},
		{"completed with a ready running container", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "a", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
				{Name: "b", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}}}}, "Running"},
		{"node lost", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodRunning, Reason: "NodeLost"}}, "Unknown"},
		{"deleted after success", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, "Succeeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, resources.PodStatus(&tt.pod))
		})
	}
}
