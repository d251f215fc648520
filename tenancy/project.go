package tenancy

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
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

// CreateProject creates a project: a namespace labelled with its workspace.
// The project controller gives it the project roles, binds the creator as
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
	labels := maps.Clone(opts.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[tenantv1beta1.WorkspaceLabel] = workspace
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
