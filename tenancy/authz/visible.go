package authz

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/resources"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// Visible is what a user may see of a set of objects: all of them, or the
// named ones.
type Visible struct {
	All   bool
	Names []string
}

// VisibleWorkspaces says which workspaces u sees: all of them if they may
// list workspaces on the platform (a GlobalRole allowing list on
// workspaces or workspacetemplates of tenant.kubesphere.io); otherwise those
// they hold a WorkspaceRoleBinding in and those holding a namespace they
// hold a RoleBinding in, through their name or any of their groups. The
// answer comes from the index: no access check per workspace.
func (az *Authorizer) VisibleWorkspaces(ctx context.Context, u User) Visible {
	az.mu.RLock()
	defer az.mu.RUnlock()
	ix := az.ix
	for _, res := range []string{"workspacetemplates", "workspaces"} {
		a := Attributes{User: u, Verb: "list", APIGroup: tenantv1beta1.GroupName, Resource: res, Scope: ScopeGlobal}
		if ix.decide(ctx, &a, false).Allowed {
			return Visible{All: true}
		}
	}
	set := map[string]struct{}{}
	for _, g := range ix.userGrants(&u, nil) {
		for ws := range g.workspace {
			set[ws] = struct{}{}
		}
		for ns := range g.namespace {
			if ws := ix.nsWS[ns]; ws != "" {
				set[ws] = struct{}{}
			}
		}
	}
	return Visible{Names: slices.Sorted(maps.Keys(set))}
}

// VisibleProjects says which projects (namespaces) of workspace u sees, or
// of the whole cluster when workspace is empty: all of them if they may list
// namespaces there (through a global, workspace or cluster binding);
// otherwise those they hold a RoleBinding in, plus every namespace of each
// workspace whose WorkspaceRole lets them list namespaces.
func (az *Authorizer) VisibleProjects(ctx context.Context, u User, workspace string) Visible {
	az.mu.RLock()
	defer az.mu.RUnlock()
	ix := az.ix
	listNamespaces := func(ws string) bool {
		a := Attributes{User: u, Verb: "list", Resource: "namespaces", Workspace: ws}
		return ix.decide(ctx, &a, false).Allowed
	}
	if listNamespaces(workspace) {
		if workspace == "" {
			return Visible{All: true}
		}
		return Visible{Names: slices.Sorted(maps.Keys(ix.wsNS[workspace]))}
	}
	set := map[string]struct{}{}
	for _, g := range ix.userGrants(&u, nil) {
		for ns := range g.namespace {
			if workspace == "" || ix.nsWS[ns] == workspace {
				set[ns] = struct{}{}
			}
		}
		if workspace != "" {
			continue
		}
		for ws := range g.workspace {
			if listNamespaces(ws) {
				for ns := range ix.wsNS[ws] {
					set[ns] = struct{}{}
				}
			}
		}
	}
	return Visible{Names: slices.Sorted(maps.Keys(set))}
}

// ListWorkspaces lists the WorkspaceTemplates u sees (VisibleWorkspaces)
// from r, typically the cache the Authorizer is fed by, filtered, sorted and
// paged by q (resources semantics). It fills list with the page and returns
// the number of matches before paging.
func (az *Authorizer) ListWorkspaces(ctx context.Context, r client.Reader, u User, q resources.Query, list *tenantv1beta1.WorkspaceTemplateList) (int, error) {
	return listVisible(ctx, r, az.VisibleWorkspaces(ctx, u), q, list, func() client.Object { return &tenantv1beta1.WorkspaceTemplate{} })
}

// ListProjects lists the namespaces of workspace (of the cluster when empty)
// u sees (VisibleProjects) from r, filtered, sorted and paged by q.
func (az *Authorizer) ListProjects(ctx context.Context, r client.Reader, u User, workspace string, q resources.Query, list *corev1.NamespaceList) (int, error) {
	return listVisible(ctx, r, az.VisibleProjects(ctx, u, workspace), q, list, func() client.Object { return &corev1.Namespace{} })
}

// getLimit is how many visible objects listVisible reads one by one
// rather than listing them all: a user who sees a few workspaces among
// thousands costs a few lookups, not a scan.
const getLimit = 256

func listVisible(ctx context.Context, r client.Reader, v Visible, q resources.Query, list client.ObjectList, newObj func() client.Object) (int, error) {
	if v.All {
		return listFrom(ctx, r, list, q)
	}
	names := v.Names
	if len(q.Names) > 0 {
		names = slices.DeleteFunc(slices.Clone(q.Names), func(n string) bool {
			_, found := slices.BinarySearch(v.Names, n)
			return !found
		})
	}
	if len(names) == 0 {
		if err := meta.SetList(list, nil); err != nil {
			return 0, fmt.Errorf("empty list: %w", err)
		}
		return 0, nil
	}
	q.Names = names
	if len(names) > getLimit {
		return listFrom(ctx, r, list, q)
	}
	fetched := make([]runtime.Object, 0, len(names))
	for _, n := range names {
		obj := newObj()
		if err := r.Get(ctx, client.ObjectKey{Name: n}, obj); err != nil {
			if apierrors.IsNotFound(err) {
				continue // in the index, not (yet) in the reader
			}
			return 0, fmt.Errorf("get %s: %w", n, err)
		}
		fetched = append(fetched, obj)
	}
	return listFrom(ctx, fetchedReader(fetched), list, q)
}

func listFrom(ctx context.Context, r client.Reader, list client.ObjectList, q resources.Query) (int, error) {
	total, err := resources.List(ctx, r, list, q)
	if err != nil {
		return 0, fmt.Errorf("list visible: %w", err)
	}
	return total, nil
}

// fetchedReader serves resources.List from objects already read one by one.
type fetchedReader []runtime.Object

func (f fetchedReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	return apierrors.NewNotFound(schema.GroupResource{}, key.Name)
}

func (f fetchedReader) List(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
	var lo client.ListOptions
	lo.ApplyOptions(opts)
	out := make([]runtime.Object, 0, len(f))
	for _, o := range f {
		obj := o.(client.Object)
		if lo.Namespace != "" && obj.GetNamespace() != lo.Namespace {
			continue
		}
		if lo.LabelSelector != nil && !lo.LabelSelector.Matches(labels.Set(obj.GetLabels())) {
			continue
		}
		out = append(out, o)
	}
	return meta.SetList(list, out)
}

// ResourcesAuthorizer adapts az to resources.Authorizer, so
// resources.NewHandler answers only what the caller may read. caller names
// who sends each request (from the host's authentication). A refusal's
// error is the Decision's explanation.
func (az *Authorizer) ResourcesAuthorizer(caller func(*http.Request) (User, error)) resources.Authorizer {
	return resources.AuthorizerFunc(func(ctx context.Context, r *http.Request, ra resources.ResourceAttributes) error {
		u, err := caller(r)
		if err != nil {
			return fmt.Errorf("identify the caller: %w", err)
		}
		d, err := az.Explain(ctx, Attributes{User: u, Verb: ra.Verb, APIGroup: ra.APIGroup, Resource: ra.Resource, Name: ra.Name, Namespace: ra.Namespace})
		if err != nil {
			return err
		}
		if !d.Allowed {
			return errors.New(d.String())
		}
		return nil
	})
}
