package logscope

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/logstore"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authz"
)

// Scope is what a user may read of the records: everything (Cluster), or
// the records of some workspaces and some namespaces, each from the time
// it was created. Of computes it from the user's roles.
type Scope struct {
	// Cluster is true for a user who may read the records of every
	// namespace.
	Cluster bool
	// Workspaces are the workspaces the user may read whole, with their
	// creation times.
	Workspaces []ScopeItem
	// Namespaces are the namespaces, outside those workspaces, the user may
	// read, with their creation times.
	Namespaces []ScopeItem
}

// ScopeItem is a workspace or namespace of a Scope.
type ScopeItem struct {
	Name    string
	Created time.Time
}

// Filter is the scope as a record filter on the tenant fields: records of
// each workspace (by the workspace field, which the collector stamps from
// the namespace's kubesphere.io/workspace label when it writes a record)
// from the workspace's creation, and of each namespace from the
// namespace's creation, so that the records of an earlier namespace of
// the same name never show. Its size grows with the workspaces and
// namespaces granted one by one, never with the namespaces a workspace
// holds.
func (s Scope) Filter() logstore.Filter {
	if s.Cluster {
		return logstore.Everything()
	}
	terms := make([]logstore.Filter, 0, len(s.Workspaces)+len(s.Namespaces))
	for _, w := range s.Workspaces {
		terms = append(terms, logstore.And(logstore.Equal(FieldWorkspace, w.Name), logstore.NotBefore(w.Created)))
	}
	for _, n := range s.Namespaces {
		terms = append(terms, logstore.And(logstore.Equal(FieldNamespace, n.Name), logstore.NotBefore(n.Created)))
	}
	return logstore.Or(terms...)
}

// Permission is the request a user must be allowed, in a namespace, a
// workspace or the whole cluster, to read the records there.
type Permission struct {
	Verb, APIGroup, Resource, Subresource string
}

// Of computes what user may read with permission p: the whole
// cluster if allowed at cluster scope; else every workspace user sees
// (authz.VisibleWorkspaces) where p is allowed at workspace scope, and
// every namespace user sees (authz.VisibleProjects) outside those where p
// is allowed in the namespace. Creation times come from r (the
// WorkspaceTemplates and Namespaces); a workspace or namespace that no
// longer exists is left out.
func Of(ctx context.Context, az *authz.Authorizer, r client.Reader, user authz.User, p Permission) (Scope, error) {
	allowed := func(a authz.Attributes) (bool, error) {
		a.User, a.Verb, a.APIGroup, a.Resource, a.Subresource = user, p.Verb, p.APIGroup, p.Resource, p.Subresource
		d, err := az.Authorize(ctx, a)
		return d.Allowed, err
	}
	ok, err := allowed(authz.Attributes{Scope: authz.ScopeCluster})
	if err != nil || ok {
		return Scope{Cluster: ok}, err
	}
	var s Scope
	covered := map[string]bool{}
	workspaces := az.VisibleWorkspaces(ctx, user)
	names := workspaces.Names
	if workspaces.All {
		var list tenantv1beta1.WorkspaceTemplateList
		if err := r.List(ctx, &list); err != nil {
			return Scope{}, fmt.Errorf("list workspaces: %w", err)
		}
		for _, w := range list.Items {
			names = append(names, w.Name)
		}
	}
	for _, name := range names {
		ok, err := allowed(authz.Attributes{Workspace: name, Scope: authz.ScopeWorkspace})
		if err != nil {
			return Scope{}, err
		}
		if !ok {
			continue
		}
		var w tenantv1beta1.WorkspaceTemplate
		if err := r.Get(ctx, client.ObjectKey{Name: name}, &w); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return Scope{}, fmt.Errorf("read workspace %s: %w", name, err)
		}
		covered[name] = true
		s.Workspaces = append(s.Workspaces, ScopeItem{Name: name, Created: w.CreationTimestamp.UTC()})
	}
	projects := az.VisibleProjects(ctx, user, "")
	var namespaces []corev1.Namespace
	if projects.All {
		var list corev1.NamespaceList
		if err := r.List(ctx, &list); err != nil {
			return Scope{}, fmt.Errorf("list namespaces: %w", err)
		}
		namespaces = list.Items
	} else {
		for _, name := range projects.Names {
			var ns corev1.Namespace
			if err := r.Get(ctx, client.ObjectKey{Name: name}, &ns); err != nil {
				if apierrors.IsNotFound(err) {
					continue
				}
				return Scope{}, fmt.Errorf("read namespace %s: %w", name, err)
			}
			namespaces = append(namespaces, ns)
		}
	}
	for _, ns := range namespaces {
		if covered[ns.Labels[tenantv1beta1.WorkspaceLabel]] {
			continue
		}
		ok, err := allowed(authz.Attributes{Namespace: ns.Name})
		if err != nil {
			return Scope{}, err
		}
		if ok {
			s.Namespaces = append(s.Namespaces, ScopeItem{Name: ns.Name, Created: ns.CreationTimestamp.UTC()})
		}
	}
	slices.SortFunc(s.Namespaces, func(a, b ScopeItem) int { return strings.Compare(a.Name, b.Name) })
	return s, nil
}
