package tenancy

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// CreateWorkspaceOptions are the optional inputs of CreateWorkspace.
type CreateWorkspaceOptions struct {
	// Manager is the user who administers the workspace; they are bound as
	// its admin. The user must exist.
	Manager string
	// AliasName and Description are shown by consoles.
	AliasName   string
	Description string
	// Labels are set on the workspace.
	Labels map[string]string
	// Clusters the workspace is placed on, by name (KubeSphere's host
	// cluster is "host" unless configured otherwise). Empty places it on
	// every cluster (placement.clusterSelector: {}), which on a single
	// cluster is this one.
	Clusters []string
}

// CreateWorkspace creates a workspace the way KubeSphere's console does: as
// a WorkspaceTemplate, which the workspace controller turns into a Workspace
// with its roles and the manager's admin binding. Use WaitForWorkspace to
// wait for those.
func (c *Client) CreateWorkspace(ctx context.Context, name string, opts CreateWorkspaceOptions) (*tenantv1beta1.WorkspaceTemplate, error) {
	if err := checkLabelName("name", name); err != nil {
		return nil, err
	}
	if opts.Manager != "" {
		if err := c.userExists(ctx, "Manager", opts.Manager); err != nil {
			return nil, err
		}
	}
	for _, cl := range opts.Clusters {
		if err := checkLabelName("Clusters", cl); err != nil {
			return nil, err
		}
	}
	if err := c.mayCreateWorkspace(ctx, name, opts.Manager); err != nil {
		return nil, err
	}
	ann := map[string]string{}
	if opts.AliasName != "" {
		ann[tenantv1beta1.AliasNameAnnotation] = opts.AliasName
	}
	if opts.Description != "" {
		ann[tenantv1beta1.DescriptionAnnotation] = opts.Description
	}
	if opts.Manager != "" {
		ann[tenantv1beta1.CreatorAnnotation] = opts.Manager
	}
	tpl := &tenantv1beta1.WorkspaceTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: maps.Clone(opts.Labels), Annotations: ann},
		Spec: tenantv1beta1.WorkspaceTemplateSpec{
			Template: tenantv1beta1.WorkspaceTemplateBody{
				TemplateMeta: tenantv1beta1.TemplateMeta{Labels: maps.Clone(opts.Labels), Annotations: maps.Clone(ann)},
				Spec:         tenantv1beta1.WorkspaceSpec{Manager: opts.Manager},
			},
		},
	}
	for _, cl := range opts.Clusters {
		tpl.Spec.Placement.Clusters = append(tpl.Spec.Placement.Clusters, tenantv1beta1.ClusterReference{Name: cl})
	}
	if len(opts.Clusters) == 0 {
		// KubeSphere places a template with an empty placement on no
		// cluster; an empty selector selects every cluster, the host
		// included (as KubeSphere's own system-workspace).
		tpl.Spec.Placement.ClusterSelector = &metav1.LabelSelector{}
	}
	if err := c.c.Create(ctx, tpl); err != nil {
		return nil, fmt.Errorf("create workspace %q: %w", name, err)
	}
	return tpl, nil
}

// WaitForWorkspace waits until the workspace controller has created the
// Workspace name, its roles (those its BuiltinRoles give it) and, when it
// has a manager, the manager's admin binding (KubeSphere's
// "<workspace>-admin", iamv1beta1.ManagerBindingName), and returns the
// Workspace. It ends with ctx's error when
// ctx ends first.
func (c *Client) WaitForWorkspace(ctx context.Context, name string) (*tenantv1beta1.Workspace, error) {
	if err := checkLabelName("name", name); err != nil {
		return nil, err
	}
	ws := &tenantv1beta1.Workspace{}
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		if err := c.c.Get(ctx, client.ObjectKey{Name: name}, ws); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		roles, err := c.stampedRoles(ctx, iamv1beta1.ScopeWorkspace, ws.Labels)
		if err != nil {
			return false, err
		}
		if ok, err := c.rolesExist(ctx, name, "", roles); !ok || err != nil {
			return false, err
		}
		if ws.Spec.Manager == "" {
			return true, nil
		}
		// KubeSphere's manager binding: named like the admin role, for the
		// manager (user-ref), whichever controller made it.
		binding := &iamv1beta1.WorkspaceRoleBinding{}
		err = c.c.Get(ctx, client.ObjectKey{Name: iamv1beta1.ManagerBindingName(name)}, binding)
		if err != nil {
			return false, client.IgnoreNotFound(err)
		}
		return binding.Labels[iamv1beta1.UserReferenceLabel] == ws.Spec.Manager, nil
	})
	if err != nil {
		return nil, fmt.Errorf("wait for workspace %q: %w", name, err)
	}
	return ws, nil
}

// DeleteWorkspaceOptions are the optional inputs of DeleteWorkspace.
type DeleteWorkspaceOptions struct {
	// Propagation says what happens to the workspace's projects:
	// tenantv1beta1.DeletionPropagationOrphan (the default when empty) keeps
	// them as plain namespaces; DeletionPropagationBackground deletes them
	// after the workspace; DeletionPropagationForeground deletes them first.
	Propagation string
}

// DeleteWorkspace deletes the workspace (its template and the Workspace).
// Its roles and member bindings go with it; its projects go or stay as
// opts.Propagation says.
func (c *Client) DeleteWorkspace(ctx context.Context, name string, opts DeleteWorkspaceOptions) error {
	if err := checkLabelName("name", name); err != nil {
		return err
	}
	policy := opts.Propagation
	switch policy {
	case "":
		policy = tenantv1beta1.DeletionPropagationOrphan
	case tenantv1beta1.DeletionPropagationOrphan, tenantv1beta1.DeletionPropagationBackground, tenantv1beta1.DeletionPropagationForeground:
	default:
		return &InvalidError{Field: "Propagation", Reason: fmt.Sprintf("%q is not Orphan, Background or Foreground", policy)}
	}
	if err := c.authorize(ctx, writeOf("delete", tenantv1beta1.GroupName, tenantv1beta1.ResourceWorkspaceTemplates, name, inWorkspace(name))); err != nil {
		return err
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{tenantv1beta1.DeletionPropagationAnnotation: policy}}})
	if err != nil {
		return err
	}
	found := false
	// The Workspace first: its annotation decides what its finalizer does.
	for _, obj := range []client.Object{&tenantv1beta1.Workspace{}, &tenantv1beta1.WorkspaceTemplate{}} {
		obj.SetName(name)
		err := c.c.Patch(ctx, obj, client.RawPatch("application/merge-patch+json", patch))
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("delete workspace %q: %w", name, err)
		}
		found = true
	}
	if !found {
		return &NotFoundError{Field: "name", Kind: "Workspace", Name: name}
	}
	for _, obj := range []client.Object{&tenantv1beta1.WorkspaceTemplate{}, &tenantv1beta1.Workspace{}} {
		obj.SetName(name)
		if err := c.c.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete workspace %q: %w", name, err)
		}
	}
	return nil
}

// workspaceExists checks that workspace names an existing Workspace.
func (c *Client) workspaceExists(ctx context.Context, field, workspace string) (*tenantv1beta1.Workspace, error) {
	if err := checkLabelName(field, workspace); err != nil {
		return nil, err
	}
	ws := &tenantv1beta1.Workspace{}
	if err := c.mustExist(ctx, field, "Workspace", client.ObjectKey{Name: workspace}, ws); err != nil {
		return nil, err
	}
	if !ws.DeletionTimestamp.IsZero() {
		return nil, &InvalidError{Field: field, Reason: fmt.Sprintf("workspace %q is being deleted", workspace)}
	}
	return ws, nil
}

// mayCreateWorkspace checks, when acting for a user, that they may create
// the workspace and make manager its admin. Naming oneself needs only the
// create permission (what KubeSphere's self-provisioner role gives);
// naming someone else also needs the right to bind workspace roles in it,
// which only platform-wide grants give before the workspace exists.
func (c *Client) mayCreateWorkspace(ctx context.Context, name, manager string) error {
	writes := []authz.Attributes{writeOf("create", tenantv1beta1.GroupName, tenantv1beta1.ResourceWorkspaceTemplates, name, inWorkspace(name))}
	if manager != "" && !c.isActor(manager) {
		writes = append(writes, writeOf("create", iamv1beta1.GroupName, iamv1beta1.ResourceWorkspaceRoleBindings, "", inWorkspace(name)))
	}
	return c.authorize(ctx, writes...)
}
