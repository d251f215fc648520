package authz

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/objdecode"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// NewFromObjects builds an Authorizer from objects, with no cluster: the
// offline engine for what-if questions, policy tests and CI checks of RBAC
// YAML. It accepts the kinds the Authorizer indexes (iam and native roles and
// bindings, Namespaces, Workspaces, WorkspaceTemplates); anything else, or
// a binding it cannot resolve, is an *InvalidError naming the object.
func NewFromObjects(objs ...runtime.Object) (*Authorizer, error) {
	ix := newIndex()
	for i, o := range objs {
		if err := ix.upsert(o); err != nil {
			return nil, fmt.Errorf("object %d: %w", i, err)
		}
	}
	return &Authorizer{ix: ix}, nil
}

// objectsScheme knows the kinds DecodeObjects reads.
func objectsScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, rbacv1.AddToScheme, iamv1beta1.AddToScheme, tenantv1beta1.AddToScheme} {
		if err := add(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// DecodeObjects reads YAML (documents separated by ---) or JSON objects,
// including v1 Lists, into the typed objects NewFromObjects accepts. A
// document of another kind is an *InvalidError naming its position.
func DecodeObjects(r io.Reader) ([]runtime.Object, error) {
	s, err := objectsScheme()
	if err != nil {
		return nil, err
	}
	return objdecode.Decode(r, s)
}

// Options configure NewFromCache. The zero value watches the iam kinds only.
type Options struct {
	// NativeRBAC also indexes native rbac.authorization.k8s.io roles and
	// bindings (those created outside spherekit; the native mirrors the
	// tenancy controllers keep of iam objects are skipped).
	NativeRBAC bool
}

// NewFromCache builds an Authorizer fed by informers of c: every add, update
// and delete of a role, binding, namespace or workspace updates the index.
// Call it before or after c starts; WaitForSync tells when the index holds
// the initial lists. The cache's scheme must know the spherekit API groups.
// Objects that cannot be indexed (a WorkspaceRoleBinding without its
// workspace label) are skipped and logged to ctx's logger.
func NewFromCache(ctx context.Context, c cache.Cache, opts Options) (*Authorizer, error) {
	az := &Authorizer{ix: newIndex()}
	log := logr.FromContextOrDiscard(ctx).WithName("authz")
	kinds := []client.Object{
		&iamv1beta1.GlobalRole{}, &iamv1beta1.GlobalRoleBinding{},
		&iamv1beta1.WorkspaceRole{}, &iamv1beta1.WorkspaceRoleBinding{},
		&iamv1beta1.ClusterRole{}, &iamv1beta1.ClusterRoleBinding{},
		&iamv1beta1.Role{}, &iamv1beta1.RoleBinding{},
		&corev1.Namespace{}, &tenantv1beta1.WorkspaceTemplate{}, &tenantv1beta1.Workspace{},
	}
	if opts.NativeRBAC {
		kinds = append(kinds, &rbacv1.ClusterRole{}, &rbacv1.ClusterRoleBinding{}, &rbacv1.Role{}, &rbacv1.RoleBinding{})
	}
	for _, kind := range kinds {
		inf, err := c.GetInformer(ctx, kind)
		if err != nil {
			return nil, fmt.Errorf("informer for %T: %w", kind, err)
		}
		reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { az.apply(log, nil, obj) },
			UpdateFunc: func(old, obj any) { az.apply(log, old, obj) },
			DeleteFunc: func(obj any) {
				if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
					obj = tomb.Obj
				}
				az.apply(log, obj, nil)
			},
		})
		if err != nil {
			return nil, fmt.Errorf("watch %T: %w", kind, err)
		}
		az.synced = append(az.synced, reg.HasSynced)
	}
	return az, nil
}

// apply moves the index from old to obj (either may be nil).
func (az *Authorizer) apply(log logr.Logger, old, obj any) {
	if obj != nil && isIAMMirror(obj) {
		return
	}
	az.mu.Lock()
	defer az.mu.Unlock()
	if old != nil {
		_ = az.ix.remove(old)
	}
	if obj != nil {
		if err := az.ix.upsert(obj); err != nil {
			if o, ok := obj.(client.Object); ok {
				log.Info("not indexed", "kind", fmt.Sprintf("%T", obj), "namespace", o.GetNamespace(), "name", o.GetName(), "reason", err.Error())
			}
		}
	}
}

// isIAMMirror reports whether obj is a native RBAC object controlled by an
// iam object (the tenancy controllers' mirrors), which would double-count.
func isIAMMirror(obj any) bool {
	o, ok := obj.(client.Object)
	if !ok {
		return false
	}
	ref, _, isRole := roleOf(obj)
	if !isRole {
		b, isBinding := bindingOf(obj)
		if !isBinding {
			return false
		}
		ref = b.ref
	}
	if ref.APIGroup != rbacv1.GroupName {
		return false
	}
	for _, ref := range o.GetOwnerReferences() {
		if strings.HasPrefix(ref.APIVersion, iamGroup+"/") {
			return true
		}
	}
	return false
}

// WaitForSync blocks until the informers feeding az have delivered their
// initial lists, or ctx ends. An Authorizer built from objects is always in
// sync.
func (az *Authorizer) WaitForSync(ctx context.Context) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		if az.HasSynced() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the authorizer's informers: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// HasSynced reports whether the index holds the initial lists of every
// informer feeding it.
func (az *Authorizer) HasSynced() bool {
	for _, s := range az.synced {
		if !s() {
			return false
		}
	}
	return true
}
