package tenancy

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/ensure"
	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/tenancy/internal/usage"
)

// ProjectQuotaName is the name of the native ResourceQuota SetProjectQuota
// writes, and ProjectLimitRangeName that of the LimitRange
// SetProjectDefaults writes.
const (
	ProjectQuotaName      = "quota"
	ProjectLimitRangeName = "limits"
)

// SetWorkspaceQuota limits the total usage of every project of workspace to
// hard (such as requests.cpu, limits.memory, count/pods). It writes a
// quota.kubesphere.io ResourceQuota named after the workspace; the quota
// controller keeps its status (usage in total and per project). An empty
// hard removes no limit: pass every limit the workspace should have.
func (c *Client) SetWorkspaceQuota(ctx context.Context, workspace string, hard corev1.ResourceList) (*quotav1alpha2.ResourceQuota, error) {
	if _, err := c.workspaceExists(ctx, "workspace", workspace); err != nil {
		return nil, err
	}
	if err := checkResourceList("hard", hard); err != nil {
		return nil, err
	}
	// A workspace quota bounds the tenants of the workspace, so it is a
	// platform-level write: workspace roles, which tenants may hold, do not
	// allow raising it.
	if err := c.authorize(ctx, ensureWrites(quotav1alpha2.GroupName, quotav1alpha2.ResourceResourceQuotas, workspace, platform)...); err != nil {
		return nil, err
	}
	q := &quotav1alpha2.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: workspace, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: workspace}},
		Spec: quotav1alpha2.ResourceQuotaSpec{
			Selector: map[string]string{tenantv1beta1.WorkspaceLabel: workspace},
			Quota:    corev1.ResourceQuotaSpec{Hard: hard.DeepCopy()},
		},
	}
	if err := ensure.Object(ctx, c.c, q, c.fieldOwner); err != nil {
		return nil, fmt.Errorf("set quota of workspace %q: %w", workspace, err)
	}
	if err := c.c.Get(ctx, client.ObjectKeyFromObject(q), q); err != nil {
		return nil, fmt.Errorf("set quota of workspace %q: %w", workspace, err)
	}
	return q, nil
}

// SetProjectQuota limits the usage of project to hard, with a native
// ResourceQuota named ProjectQuotaName.
func (c *Client) SetProjectQuota(ctx context.Context, project string, hard corev1.ResourceList) (*corev1.ResourceQuota, error) {
	if err := c.projectExists(ctx, "project", project); err != nil {
		return nil, err
	}
	if err := checkResourceList("hard", hard); err != nil {
		return nil, err
	}
	if err := c.authorize(ctx, ensureWrites("", "resourcequotas", ProjectQuotaName, inNamespace(project))...); err != nil {
		return nil, err
	}
	q := &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: ProjectQuotaName, Namespace: project},
		Spec:       corev1.ResourceQuotaSpec{Hard: hard.DeepCopy()},
	}
	if err := ensure.Object(ctx, c.c, q, c.fieldOwner); err != nil {
		return nil, fmt.Errorf("set quota of project %q: %w", project, err)
	}
	if err := c.c.Get(ctx, client.ObjectKeyFromObject(q), q); err != nil {
		return nil, fmt.Errorf("set quota of project %q: %w", project, err)
	}
	return q, nil
}

// ContainerDefaults are the resources a container in a project gets when it
// asks for none.
type ContainerDefaults struct {
	// Requests is the default request (LimitRange defaultRequest).
	Requests corev1.ResourceList
	// Limits is the default limit (LimitRange default).
	Limits corev1.ResourceList
}

// SetProjectDefaults sets the container defaults of project with a
// LimitRange named ProjectLimitRangeName. Each default request must not
// exceed the default limit of the same resource.
func (c *Client) SetProjectDefaults(ctx context.Context, project string, defaults ContainerDefaults) (*corev1.LimitRange, error) {
	if err := c.projectExists(ctx, "project", project); err != nil {
		return nil, err
	}
	if err := checkResourceList("Requests", defaults.Requests); err != nil {
		return nil, err
	}
	if err := checkResourceList("Limits", defaults.Limits); err != nil {
		return nil, err
	}
	if len(defaults.Requests)+len(defaults.Limits) == 0 {
		return nil, &InvalidError{Field: "defaults", Reason: "set Requests, Limits or both"}
	}
	for name, req := range defaults.Requests {
		if lim, ok := defaults.Limits[name]; ok && req.Cmp(lim) > 0 {
			return nil, &InvalidError{Field: "Requests", Reason: fmt.Sprintf("%s request %s exceeds its limit %s", name, req.String(), lim.String())}
		}
	}
	if err := c.authorize(ctx, ensureWrites("", "limitranges", ProjectLimitRangeName, inNamespace(project))...); err != nil {
		return nil, err
	}
	lr := &corev1.LimitRange{
		ObjectMeta: metav1.ObjectMeta{Name: ProjectLimitRangeName, Namespace: project},
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type:           corev1.LimitTypeContainer,
			Default:        defaults.Limits.DeepCopy(),
			DefaultRequest: defaults.Requests.DeepCopy(),
		}}},
	}
	if err := ensure.Object(ctx, c.c, lr, c.fieldOwner); err != nil {
		return nil, fmt.Errorf("set defaults of project %q: %w", project, err)
	}
	if err := c.c.Get(ctx, client.ObjectKeyFromObject(lr), lr); err != nil {
		return nil, fmt.Errorf("set defaults of project %q: %w", project, err)
	}
	return lr, nil
}

// checkResourceList refuses negative quantities and malformed names.
func checkResourceList(field string, l corev1.ResourceList) error {
	names := make([]string, 0, len(l))
	for name := range l {
		names = append(names, string(name))
	}
	sort.Strings(names)
	for _, name := range names {
		if errs := validation.IsQualifiedName(strings.TrimPrefix(name, "count/")); len(errs) > 0 {
			return &InvalidError{Field: field, Reason: fmt.Sprintf("resource name %q: %s", name, strings.Join(errs, "; "))}
		}
		if reason := uncounted(corev1.ResourceName(name)); reason != "" {
			return &InvalidError{Field: field, Reason: fmt.Sprintf("resource name %q: %s", name, reason)}
		}
		if q := l[corev1.ResourceName(name)]; q.Sign() < 0 {
			return &InvalidError{Field: field, Reason: fmt.Sprintf("%s must not be negative", name)}
		}
	}
	return nil
}

// uncounted says why Kubernetes' quota would never count name, for a name
// with a domain: an extended resource (nvidia.com/gpu) is limited only by
// its requests, as requests.nvidia.com/gpu; the API server accepts
// nvidia.com/gpu and limits.nvidia.com/gpu in a quota but enforces
// neither. Object counts and storage-class quotas have their own forms.
func uncounted(name corev1.ResourceName) string {
	s := string(name)
	if strings.HasPrefix(s, "count/") || strings.Contains(s, ".storageclass.storage.k8s.io/") {
		return ""
	}
	bare := strings.TrimPrefix(s, "limits.")
	if usage.IsExtendedResource(corev1.ResourceName(bare)) {
		return fmt.Sprintf("Kubernetes limits an extended resource by its requests only: use %q", "requests."+bare)
	}
	return ""
}

// ensureWrites are the writes internal/ensure may make of one object: it
// creates the object when absent and updates it otherwise.
func ensureWrites(group, resource, name string, at authz.Grant) []authz.Attributes {
	return []authz.Attributes{writeOf("create", group, resource, name, at), writeOf("update", group, resource, name, at)}
}
