package tenancy

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy/authz"
)

//go:embed defaults/*.yaml
var defaultFiles embed.FS

// DefaultsLabel marks the built-in objects EnsureDefaults created and so
// owns (value "true"). EnsureDefaults never writes an object without it: a
// role of the same name that KubeSphere's chart or an administrator made is
// left as it is. Remove the label to keep EnsureDefaults away from an
// object it created; add it to let EnsureDefaultsOptions.Repair reset an
// object someone else created.
const DefaultsLabel = "iam.spherekit.io/defaults"

// defaultKinds orders the defaults: categories, then templates, so the
// roles that aggregate them find them on their first aggregation.
var defaultKinds = []string{"Category", "RoleTemplate", "GlobalRole", "ClusterRole", "BuiltinRole"}

// Defaults returns the built-in objects KubeSphere v4.1.3's ks-core chart
// ships, with the same names, scopes, labels, annotation keys and rules (the
// display names and descriptions are spherekit's own):
//
//   - 21 Categories, the console's groups of RoleTemplates;
//   - 65 RoleTemplates (11 global, 19 cluster, 15 workspace, 20 namespace),
//     labelled kubesphere.io/managed: "true", with their categories,
//     aggregate-to labels and the console's role-template-rules annotation;
//   - the GlobalRoles platform-admin, platform-regular,
//     platform-self-provisioner, anonymous, authenticated, pre-registration
//     and ks-console (iam.kubesphere.io/rego-override kept as data);
//   - the ClusterRoles cluster-admin and cluster-viewer;
//   - the BuiltinRoles that stamp the workspace roles admin, regular,
//     self-provisioner and viewer into every workspace and the project roles
//     admin, operator and viewer into namespaces labelled
//     kubesphere.io/managed: "true".
//
// One annotation is left out: KubeSphere records kubesphere.io/creator
// ("admin" or "system") on its roles and BuiltinRoles. spherekit's RBAC
// mirrors check that a recorded creator may grant what a role grants before
// mirroring it into native RBAC, and neither name is a user here, so the
// roles (and the workspace and project roles stamped from the BuiltinRoles)
// would never be enforced.
//
// Categories come first, then RoleTemplates, GlobalRoles, ClusterRoles and
// BuiltinRoles.
// The objects carry no DefaultsLabel; EnsureDefaults adds it to what it
// creates. Each call returns fresh objects.
func Defaults() ([]*unstructured.Unstructured, error) {
	names, err := fs.Glob(defaultFiles, "defaults/*.yaml")
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, name := range names {
		data, err := defaultFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, fmt.Errorf("decode %s: %w", name, err)
			}
			if len(u.Object) == 0 {
				continue
			}
			out = append(out, u)
		}
	}
	rank := func(u *unstructured.Unstructured) int {
		if i := slices.Index(defaultKinds, u.GetKind()); i >= 0 {
			return i
		}
		return len(defaultKinds)
	}
	slices.SortStableFunc(out, func(a, b *unstructured.Unstructured) int { return rank(a) - rank(b) })
	return out, nil
}

// EnsureDefaultsOptions are the optional inputs of EnsureDefaults.
type EnsureDefaultsOptions struct {
	// Repair resets the objects EnsureDefaults owns (labelled DefaultsLabel)
	// whose built-in fields drifted: it applies them again with server-side
	// apply, forcing ownership of the fields the defaults set. Fields the
	// defaults do not set (an administrator's label, annotation or extra
	// role) are kept. A rule added to a role that aggregates RoleTemplates
	// cannot be told from an aggregated one and is kept; on other roles the
	// rules are reset. Without Repair, drifted objects are only reported.
	// Objects EnsureDefaults does not own are never written either way.
	Repair bool
}

// DefaultObject names one of the objects Defaults returns (all of them are
// cluster-scoped and in the iam.kubesphere.io group).
type DefaultObject struct {
	// Kind is Category, RoleTemplate, GlobalRole, ClusterRole or
	// BuiltinRole.
	Kind string
	// Name is the object's name.
	Name string
}

// String returns Kind/Name.
func (o DefaultObject) String() string { return o.Kind + "/" + o.Name }

// EnsureDefaultsResult says what EnsureDefaults did with each default; every
// object of Defaults is in exactly one list, in Defaults' order.
type EnsureDefaultsResult struct {
	// Created were missing and are now created, labelled DefaultsLabel.
	Created []DefaultObject
	// Repaired were owned and had drifted; their built-in fields were reset
	// (EnsureDefaultsOptions.Repair).
	Repaired []DefaultObject
	// Drifted are owned and differ from the built-in values; they were left
	// as they are because Repair was not set.
	Drifted []DefaultObject
	// Unchanged are owned and hold the built-in values.
	Unchanged []DefaultObject
	// Skipped exist without DefaultsLabel, such as KubeSphere's own roles;
	// they were not written.
	Skipped []DefaultObject
}

// EnsureDefaults creates the built-in Categories, RoleTemplates, roles and
// BuiltinRoles (see Defaults) that are missing and labels them DefaultsLabel. It never
// writes an object without that label, so on a KubeSphere installation its
// own roles stay as they are. Owned objects whose built-in fields drifted
// are reported, and reset with opts.Repair. It is safe to call on every
// start. On an error it stops and returns, with the error, what it did
// before. Acting for a user (ClientOptions.OnBehalfOf), the user must be
// allowed to create, patch and escalate every default, which in practice
// means a platform administrator.
func (c *Client) EnsureDefaults(ctx context.Context, opts EnsureDefaultsOptions) (*EnsureDefaultsResult, error) {
	objs, err := Defaults()
	if err != nil {
		return nil, fmt.Errorf("ensure defaults: %w", err)
	}
	if err := c.mayEnsureDefaults(ctx, objs); err != nil {
		return nil, err
	}
	res := &EnsureDefaultsResult{}
	for _, want := range objs {
		ref := DefaultObject{Kind: want.GetKind(), Name: want.GetName()}
		labels := want.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[DefaultsLabel] = "true"
		want.SetLabels(labels)

		outcome, err := c.ensureDefault(ctx, want, opts.Repair)
		if err != nil {
			return res, fmt.Errorf("ensure default %s: %w", ref, err)
		}
		switch outcome {
		case defaultCreated:
			res.Created = append(res.Created, ref)
		case defaultRepaired:
			res.Repaired = append(res.Repaired, ref)
		case defaultDrifted:
			res.Drifted = append(res.Drifted, ref)
		case defaultUnchanged:
			res.Unchanged = append(res.Unchanged, ref)
		case defaultSkipped:
			res.Skipped = append(res.Skipped, ref)
		}
	}
	return res, nil
}

type defaultOutcome int

const (
	defaultCreated defaultOutcome = iota
	defaultRepaired
	defaultDrifted
	defaultUnchanged
	defaultSkipped
)

// ensureDefault creates want when it is missing and otherwise compares it
// with what is there, repairing an owned object when repair is set.
func (c *Client) ensureDefault(ctx context.Context, want *unstructured.Unstructured, repair bool) (defaultOutcome, error) {
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(want.GroupVersionKind())
	err := c.c.Get(ctx, client.ObjectKeyFromObject(want), live)
	if apierrors.IsNotFound(err) {
		err = c.c.Create(ctx, want.DeepCopy(), client.FieldOwner(c.fieldOwner))
		if err == nil {
			return defaultCreated, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return 0, fmt.Errorf("create: %w", err)
		}
		// Someone created it meanwhile: judge theirs.
		err = c.c.Get(ctx, client.ObjectKeyFromObject(want), live)
	}
	if err != nil {
		return 0, fmt.Errorf("get: %w", err)
	}
	if live.GetLabels()[DefaultsLabel] != "true" {
		return defaultSkipped, nil
	}
	if inStep(live, want) {
		return defaultUnchanged, nil
	}
	if !repair {
		return defaultDrifted, nil
	}
	if err := c.c.Apply(ctx, client.ApplyConfigurationFromUnstructured(want.DeepCopy()), client.FieldOwner(c.fieldOwner), client.ForceOwnership); err != nil {
		return 0, fmt.Errorf("repair: %w", err)
	}
	return defaultRepaired, nil
}

// inStep reports whether live holds every field want sets, with want's
// value. Lists must be equal, but the rules of a role that aggregates
// RoleTemplates need only include want's: aggregation adds the templates'
// rules to the role's own; and with a roleSelector, aggregation writes
// templateNames itself. An empty list in want matches a missing one.
func inStep(live, want *unstructured.Unstructured) bool {
	agg, aggregates := want.Object["aggregationRoleTemplates"].(map[string]any)
	if _, selects := agg["roleSelector"]; selects {
		if _, named := agg["templateNames"]; named {
			want = want.DeepCopy()
			unstructured.RemoveNestedField(want.Object, "aggregationRoleTemplates", "templateNames")
		}
	}
	return covers(live.Object, want.Object, aggregates)
}

// covers reports whether got holds what want does (see inStep); top-level
// rules may hold more when growRules is set. Only the top level of an
// object can be a role the controllers aggregate: the role a BuiltinRole
// carries is aggregated where it is stamped.
func covers(got, want map[string]any, growRules bool) bool {
	for k, wv := range want {
		gv, ok := got[k]
		if !ok {
			if l, isList := wv.([]any); isList && len(l) == 0 {
				continue
			}
			return false
		}
		switch w := wv.(type) {
		case map[string]any:
			g, ok := gv.(map[string]any)
			if !ok || !covers(g, w, false) {
				return false
			}
		case []any:
			g, ok := gv.([]any)
			switch {
			case !ok:
				if gv != nil || len(w) > 0 {
					return false
				}
			case growRules && k == "rules":
				for _, rule := range w {
					if !slices.ContainsFunc(g, func(x any) bool { return reflect.DeepEqual(x, rule) }) {
						return false
					}
				}
			case !reflect.DeepEqual(g, w):
				return false
			}
		default:
			if !reflect.DeepEqual(gv, wv) {
				return false
			}
		}
	}
	return true
}

// mayEnsureDefaults checks, when acting for a user, that they may apply
// every default object (create it, or patch it when repairing) and, for
// roles, hold the escalate verb on them: the defaults include
// platform-admin, so only a platform administrator passes.
func (c *Client) mayEnsureDefaults(ctx context.Context, objs []*unstructured.Unstructured) error {
	if !c.actingFor() {
		return nil
	}
	var writes []authz.Attributes
	for _, u := range objs {
		gvk := u.GroupVersionKind()
		m, err := c.c.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return fmt.Errorf("ensure defaults: map %s: %w", gvk, err)
		}
		res := m.Resource.Resource
		writes = append(writes, writeOf("create", gvk.Group, res, u.GetName(), platform), writeOf("patch", gvk.Group, res, u.GetName(), platform))
		switch gvk.Kind {
		case "GlobalRole", "WorkspaceRole", "ClusterRole", "Role":
			writes = append(writes, writeOf("escalate", gvk.Group, res, u.GetName(), platform))
		}
	}
	return c.authorize(ctx, writes...)
}
