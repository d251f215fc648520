package tenancy

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/tenancy/internal/usage"
)

// QuotaShortfall is one limit a workload or a move would exceed.
type QuotaShortfall struct {
	// Scope is "project" for a project's own ResourceQuota and "workspace"
	// for a workspace quota.
	Scope string
	// Quota is the name of the ResourceQuota.
	Quota string
	// Resource is the limited resource, such as requests.cpu.
	Resource corev1.ResourceName
	// Hard is the limit, Used the usage now, and Requested what the workload
	// or move adds.
	Hard, Used, Requested resource.Quantity
}

func (s QuotaShortfall) String() string {
	return fmt.Sprintf("%s quota %s: %s used %s + requested %s exceeds %s", s.Scope, s.Quota, s.Resource, s.Used.String(), s.Requested.String(), s.Hard.String())
}

// QuotaFitResult answers QuotaFit.
type QuotaFitResult struct {
	// Fits is true when no limit would be exceeded.
	Fits bool
	// Requested is what the workload counts against quotas, after the
	// project's container defaults are applied.
	Requested corev1.ResourceList
	// Shortfalls lists every limit that would be exceeded, project quotas
	// first.
	Shortfalls []QuotaShortfall
}

// QuotaFit answers "would replicas pods of podSpec fit in project and its
// workspace?": it applies the project's container defaults (LimitRanges) as
// the API server would, then checks the project's ResourceQuotas and the
// quotas of its workspace against their current usage. It writes nothing.
func (c *Client) QuotaFit(ctx context.Context, project string, podSpec corev1.PodSpec, replicas int32) (*QuotaFitResult, error) {
	if err := c.projectExists(ctx, "project", project); err != nil {
		return nil, err
	}
	if replicas < 0 {
		return nil, &InvalidError{Field: "replicas", Reason: "must not be negative"}
	}
	if len(podSpec.Containers) == 0 {
		return nil, &InvalidError{Field: "podSpec", Reason: "has no containers"}
	}
	var ranges corev1.LimitRangeList
	if err := c.c.List(ctx, &ranges, client.InNamespace(project)); err != nil {
		return nil, fmt.Errorf("quota fit in %q: list limit ranges: %w", project, err)
	}
	one := usage.PodSpec(usage.WithDefaults(&podSpec, ranges.Items))
	need := corev1.ResourceList{}
	for n, v := range one {
		total := v.DeepCopy()
		total.Mul(int64(replicas))
		need[n] = total
	}
	res := &QuotaFitResult{Requested: need}
	short, err := c.shortfalls(ctx, project, need, "")
	if err != nil {
		return nil, fmt.Errorf("quota fit in %q: %w", project, err)
	}
	res.Shortfalls = short
	res.Fits = len(short) == 0
	return res, nil
}

// shortfalls checks need against the project's own quotas and those of the
// workspace the project is in, or of workspace when set (a move target).
func (c *Client) shortfalls(ctx context.Context, project string, need corev1.ResourceList, workspace string) ([]QuotaShortfall, error) {
	var out []QuotaShortfall
	ns := &corev1.Namespace{}
	if err := c.c.Get(ctx, client.ObjectKey{Name: project}, ns); err != nil {
		return nil, err
	}
	if workspace == "" {
		var quotas corev1.ResourceQuotaList
		if err := c.c.List(ctx, &quotas, client.InNamespace(project)); err != nil {
			return nil, fmt.Errorf("list project quotas: %w", err)
		}
		for _, q := range quotas.Items {
			if q.Labels[controllers.QuotaMeterLabel] != "" {
				continue // a workspace quota's meter; checked below with the workspace total
			}
			out = append(out, exceeded("project", q.Name, q.Spec.Hard, q.Status.Used, need)...)
		}
		workspace = ns.Labels[tenantv1beta1.WorkspaceLabel]
	}
	if workspace == "" {
		return out, nil
	}
	target := labels.Set(ns.Labels)
	if target == nil {
		target = labels.Set{}
	}
	target = labels.Merge(target, labels.Set{tenantv1beta1.WorkspaceLabel: workspace})
	var wsQuotas quotav1alpha2.ResourceQuotaList
	if err := c.c.List(ctx, &wsQuotas); err != nil {
		return nil, fmt.Errorf("list workspace quotas: %w", err)
	}
	for _, q := range wsQuotas.Items {
		if len(q.Spec.Selector) == 0 || !labels.SelectorFromSet(q.Spec.Selector).Matches(target) {
			continue
		}
		out = append(out, exceeded("workspace", q.Name, q.Spec.Quota.Hard, q.Status.Total.Used, need)...)
	}
	return out, nil
}

func exceeded(scope, name string, hard, used, need corev1.ResourceList) []QuotaShortfall {
	var out []QuotaShortfall
	names := make([]string, 0, len(hard))
	for n := range hard {
		names = append(names, string(n))
	}
	sort.Strings(names)
	for _, s := range names {
		n := corev1.ResourceName(s)
		req, ok := need[n]
		if !ok || req.IsZero() {
			continue
		}
		u := used[n]
		sum := u.DeepCopy()
		sum.Add(req)
		if sum.Cmp(hard[n]) > 0 {
			out = append(out, QuotaShortfall{Scope: scope, Quota: name, Resource: n, Hard: hard[n].DeepCopy(), Used: u.DeepCopy(), Requested: req.DeepCopy()})
		}
	}
	return out
}
