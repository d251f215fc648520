package tenancy

import (
	"context"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/tenancy/internal/membership"
)

// CreateProjectOptions are the optional inputs of CreateProject.
type CreateProjectOptions struct {
	// Creator is the user who becomes the project's admin. The user must
	// exist.
	Creator string
	// AliasName and Description are shown by consoles.
	AliasName   string
	Description string
	// Labels are set on the namespace, besides the workspace label.
	Labels map[string]string
}

// CreateProject creates a project: a namespace labelled with its workspace
// and kubesphere.io/managed: "true" (the project BuiltinRoles target managed
// namespaces, in KubeSphere as in Defaults). The project controller gives it the project roles, binds the creator as
// admin and mirrors the workspace's role bindings into it.
func (c *Client) CreateProject(ctx context.Context, workspace, name string, opts CreateProjectOptions) (*corev1.Namespace, error) {
	if err := checkLabelName("name", name); err != nil {
		return nil, err
	}
	if _, ok := opts.Labels[tenantv1beta1.WorkspaceLabel]; ok {
		return nil, &InvalidError{Field: "Labels", Reason: tenantv1beta1.WorkspaceLabel + " is set from the workspace argument"}
	}
	if _, err := c.workspaceExists(ctx, "workspace", workspace); err != nil {
		return nil, err
	}
	if opts.Creator != "" {
		if err := c.userExists(ctx, "Creator", opts.Creator); err != nil {
			return nil, err
		}
	}
	writes := []authz.Attributes{writeOf("create", "", "namespaces", name, inWorkspace(workspace))}
	if opts.Creator != "" && !c.isActor(opts.Creator) {
		// The creator becomes the project's admin: binding someone else
		// needs the right to bind project roles in the workspace.
		writes = append(writes, writeOf("create", iamv1beta1.GroupName, iamv1beta1.ResourceRoleBindings, "", inWorkspace(workspace)))
	}
	if err := c.authorize(ctx, writes...); err != nil {
		return nil, err
	}
	labels := maps.Clone(opts.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[tenantv1beta1.WorkspaceLabel] = workspace
	// KubeSphere's project BuiltinRoles (and so the defaults) stamp roles
	// only into namespaces marked managed.
	labels[tenantv1beta1.ManagedLabel] = "true"
	ann := map[string]string{}
	if opts.Creator != "" {
		ann[tenantv1beta1.CreatorAnnotation] = opts.Creator
	}
	if opts.AliasName != "" {
		ann[tenantv1beta1.AliasNameAnnotation] = opts.AliasName
	}
	if opts.Description != "" {
		ann[tenantv1beta1.DescriptionAnnotation] = opts.Description
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: ann}}
	if err := c.c.Create(ctx, ns); err != nil {
		return nil, fmt.Errorf("create project %q: %w", name, err)
	}
	return ns, nil
}

// WaitForProject waits until the project controller has stamped the
// project's roles (those its BuiltinRoles give it) and, when the project has
// a creator, bound the creator as admin, and returns the namespace. A
// namespace no BuiltinRole gives roles (one without kubesphere.io/managed:
// "true", for KubeSphere's BuiltinRoles) is an *InvalidError, not a
// success: it would never get its roles. It ends with ctx's error when
// ctx ends first.
func (c *Client) WaitForProject(ctx context.Context, project string) (*corev1.Namespace, error) {
	if err := checkLabelName("project", project); err != nil {
		return nil, err
	}
	ns := &corev1.Namespace{}
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		if err := c.c.Get(ctx, client.ObjectKey{Name: project}, ns); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		if ns.Labels[tenantv1beta1.WorkspaceLabel] == "" {
			return false, &InvalidError{Field: "project", Reason: fmt.Sprintf("namespace %q belongs to no workspace", project)}
		}
		roles, err := c.stampedRoles(ctx, iamv1beta1.ScopeNamespace, ns.Labels)
		if err != nil {
			return false, err
		}
		if len(roles) == 0 {
			// Nothing would ever be stamped: KubeSphere's project
			// BuiltinRoles (and the defaults) target managed namespaces.
			return false, &InvalidError{Field: "project", Reason: fmt.Sprintf("no BuiltinRole gives namespace %q project roles (they go to namespaces labelled %s: \"true\", which CreateProject sets)", project, tenantv1beta1.ManagedLabel)}
		}
		if ok, err := c.rolesExist(ctx, "", project, roles); !ok || err != nil {
			return false, err
		}
		creator := ns.Annotations[tenantv1beta1.CreatorAnnotation]
		if creator == "" {
			return true, nil
		}
		_, found, err := membership.Get(ctx, c.c, membership.Scope{Namespace: project}, creator)
		return found, err
	})
	if err != nil {
		if isInputError(err) {
			return nil, err
		}
		return nil, fmt.Errorf("wait for project %q: %w", project, err)
	}
	return ns, nil
}

// projectExists checks that project names an existing project (namespace);
// field names the input in errors.
func (c *Client) projectExists(ctx context.Context, field, project string) error {
	if err := checkLabelName(field, project); err != nil {
		return err
	}
	return c.mustExist(ctx, field, "Namespace", client.ObjectKey{Name: project}, &corev1.Namespace{})
}
