package storage

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/internal/fielderr"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// ConflictError reports an operation the cluster's state does not allow,
// such as a grant whose Accessor name is taken by an Accessor spherekit did
// not write. Nothing was written.
type ConflictError = fielderr.Conflict

// GrantLabel, valued "true", marks the Accessors GrantClass writes.
const GrantLabel = "storage.spherekit.io/grants"

// NamespaceNameLabel is the label the API server sets on every namespace
// to its name; grants to projects select on it.
const NamespaceNameLabel = corev1.LabelMetadataName

// Grantees are the workspaces and projects a class is granted to.
type Grantees struct {
	Workspaces []string
	Projects   []string
}

// GrantAccessorName is the name of the Accessor that holds class's grants:
// class + "-grants", or, past 253 characters, a prefix of class, "-" and a
// hash of it.
func GrantAccessorName(class string) string {
	const suffix = "-grants"
	if len(class)+len(suffix) <= validation.DNS1123SubdomainMaxLength {
		return class + suffix
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(class))
	sum := fmt.Sprintf("-%016x", h.Sum64())
	return strings.TrimRight(class[:validation.DNS1123SubdomainMaxLength-len(suffix)-len(sum)], ".-") + sum + suffix
}

// GrantClass lets the workspaces and projects of to use StorageClass class,
// adding them to the class's grant Accessor (GrantAccessorName, labelled
// GrantLabel), which it creates on the first grant. The grant Accessor lets
// a namespace through when it is one of the granted projects (label
// kubernetes.io/metadata.name) or belongs to one of the granted workspaces
// (label kubesphere.io/workspace): its two rules are ORed. So the first
// grant of a class restricts it to its grantees, and further grants widen
// it; the class's other Accessors still apply (every Accessor must pass).
//
// The class, every workspace and every project must exist
// (*NotFoundError); a name taken by an Accessor without GrantLabel is a
// *ConflictError. It returns the Accessor as stored.
func (c *Client) GrantClass(ctx context.Context, class string, to Grantees) (*storagev1alpha1.Accessor, error) {
	if len(to.Workspaces)+len(to.Projects) == 0 {
		return nil, &InvalidError{Field: "to", Reason: "name at least one workspace or project"}
	}
	name := GrantAccessorName(class)
	if err := c.authorize(ctx,
		cluster("get", storagev1.GroupName, "storageclasses", class),
		cluster("create", storagev1alpha1.GroupName, "accessors", name),
		cluster("update", storagev1alpha1.GroupName, "accessors", name)); err != nil {
		return nil, err
	}
	for i, ws := range to.Workspaces {
		if err := dnsLabel(fmt.Sprintf("to.Workspaces[%d]", i), ws); err != nil {
			return nil, err
		}
	}
	for i, p := range to.Projects {
		if err := dnsLabel(fmt.Sprintf("to.Projects[%d]", i), p); err != nil {
			return nil, err
		}
	}
	if _, err := c.storageClass(ctx, "class", class); err != nil {
		return nil, err
	}
	for i, ws := range to.Workspaces {
		if err := c.mustExist(ctx, fmt.Sprintf("to.Workspaces[%d]", i), "Workspace", ws, &tenantv1beta1.Workspace{}); err != nil {
			return nil, err
		}
	}
	for i, p := range to.Projects {
		if err := c.mustExist(ctx, fmt.Sprintf("to.Projects[%d]", i), "Namespace", p, &corev1.Namespace{}); err != nil {
			return nil, err
		}
	}
	a := &storagev1alpha1.Accessor{}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		err := c.c.Get(ctx, client.ObjectKey{Name: name}, a)
		switch {
		case apierrors.IsNotFound(err):
			a = &storagev1alpha1.Accessor{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{GrantLabel: "true"}}}
			a.Spec.StorageClassName = class
			setGrants(a, to)
			return c.c.Create(ctx, a, client.FieldOwner(c.fieldOwner))
		case err != nil:
			return err
		case a.Labels[GrantLabel] != "true" || a.Spec.StorageClassName != class:
			return &ConflictError{Field: "class", Reason: fmt.Sprintf("accessor %s exists and is not the grant accessor of class %s", name, class)}
		}
		current := grantsOf(a)
		current.Workspaces = append(current.Workspaces, to.Workspaces...)
		current.Projects = append(current.Projects, to.Projects...)
		setGrants(a, current)
		return c.c.Update(ctx, a, client.FieldOwner(c.fieldOwner))
	})
	if err != nil {
		if ce := (*ConflictError)(nil); errors.As(err, &ce) {
			return nil, err
		}
		return nil, fmt.Errorf("grant storage class %s: %w", class, err)
	}
	return a, nil
}

// grantsOf reads the grantees of a grant Accessor.
func grantsOf(a *storagev1alpha1.Accessor) Grantees {
	var g Grantees
	for _, r := range a.Spec.NamespaceSelector.LabelSelector {
		for _, e := range r.MatchExpressions {
			if e.Operator != storagev1alpha1.In {
				continue
			}
			switch e.Key {
			case tenantv1beta1.WorkspaceLabel:
				g.Workspaces = append(g.Workspaces, e.Values...)
			case NamespaceNameLabel:
				g.Projects = append(g.Projects, e.Values...)
			}
		}
	}
	return g
}

// setGrants writes g, sorted and without duplicates, as a's namespace
// selector: one rule per kind of grantee, never one without values (an
// expression without values passes everything).
func setGrants(a *storagev1alpha1.Accessor, g Grantees) {
	var rules []storagev1alpha1.LabelRule
	add := func(key string, values []string) {
		values = slices.Clone(values)
		slices.Sort(values)
		values = slices.Compact(values)
		if len(values) == 0 {
			return
		}
		rules = append(rules, storagev1alpha1.LabelRule{MatchExpressions: []storagev1alpha1.LabelExpression{{Key: key, Operator: storagev1alpha1.In, Values: values}}})
	}
	add(tenantv1beta1.WorkspaceLabel, g.Workspaces)
	add(NamespaceNameLabel, g.Projects)
	a.Spec.NamespaceSelector = storagev1alpha1.AccessorSelector{LabelSelector: rules}
	a.Spec.WorkspaceSelector = storagev1alpha1.AccessorSelector{}
}

// UsableClasses returns the StorageClasses namespace may claim volumes of,
// sorted by name: those whose every Accessor lets the namespace and its
// workspace through. When the namespace names a workspace that does not
// exist, only classes without Accessors are usable (the webhook refuses
// claims of the others). An unknown namespace is a *NotFoundError.
func (c *Client) UsableClasses(ctx context.Context, namespace string) ([]storagev1.StorageClass, error) {
	if err := dnsLabel("namespace", namespace); err != nil {
		return nil, err
	}
	// Who may claim volumes in the namespace may know which classes they
	// can claim: the answer reads Accessors and classes on their behalf.
	if err := c.authorize(ctx, inProject("create", "", claimsResource, "", namespace)); err != nil {
		return nil, err
	}
	ns := &corev1.Namespace{}
	if err := c.mustExist(ctx, "namespace", "Namespace", namespace, ns); err != nil {
		return nil, err
	}
	ws, wsMissing, err := workspaceOf(ctx, c.c, ns)
	if err != nil {
		return nil, err
	}
	var accessors storagev1alpha1.AccessorList
	if err := c.c.List(ctx, &accessors); err != nil {
		return nil, fmt.Errorf("list accessors: %w", err)
	}
	index := NewAccessorIndex(accessors.Items)
	var classes storagev1.StorageClassList
	if err := c.c.List(ctx, &classes); err != nil {
		return nil, fmt.Errorf("list storage classes: %w", err)
	}
	out := make([]storagev1.StorageClass, 0, len(classes.Items))
	for _, sc := range classes.Items {
		if wsMissing && index.Restricted(sc.Name) {
			continue
		}
		if index.Check(sc.Name, ns, ws) == nil {
			out = append(out, sc)
		}
	}
	slices.SortFunc(out, func(a, b storagev1.StorageClass) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// workspaceOf returns the workspace ns belongs to: nil when it names none,
// and missing true when it names one that does not exist.
func workspaceOf(ctx context.Context, r client.Reader, ns *corev1.Namespace) (ws *metav1.ObjectMeta, missing bool, err error) {
	name, ok := ns.Labels[tenantv1beta1.WorkspaceLabel]
	if !ok {
		return nil, false, nil
	}
	w := &tenantv1beta1.Workspace{}
	if name == "" {
		return nil, true, nil
	}
	if err := r.Get(ctx, client.ObjectKey{Name: name}, w); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("get workspace %s: %w", name, err)
	}
	return &w.ObjectMeta, false, nil
}

// ValidateAccessor checks Accessor a before it is written: its class must
// exist (a *NotFoundError naming spec.storageClassName), and every
// expression must have a key (labels), a defined operator and field, and
// values (an *InvalidError naming the expression): an expression without
// values would pass everything, which the CRD allows but is never meant.
func (c *Client) ValidateAccessor(ctx context.Context, a *storagev1alpha1.Accessor) error {
	if a == nil {
		return &InvalidError{Field: "a", Reason: "an Accessor is required"}
	}
	if err := c.authorize(ctx, cluster("create", storagev1alpha1.GroupName, "accessors", a.Name)); err != nil {
		return err
	}
	for _, s := range []struct {
		field string
		sel   storagev1alpha1.AccessorSelector
	}{{"spec.namespaceSelector", a.Spec.NamespaceSelector}, {"spec.workspaceSelector", a.Spec.WorkspaceSelector}} {
		for i, r := range s.sel.LabelSelector {
			for j, e := range r.MatchExpressions {
				f := fmt.Sprintf("%s.labelSelector[%d].matchExpressions[%d]", s.field, i, j)
				if e.Key == "" {
					return &InvalidError{Field: f + ".key", Reason: "a label key is required"}
				}
				if err := checkExpression(f, e.Operator, e.Values); err != nil {
					return err
				}
			}
		}
		for i, r := range s.sel.FieldSelector {
			for j, e := range r.FieldExpressions {
				f := fmt.Sprintf("%s.fieldSelector[%d].fieldExpressions[%d]", s.field, i, j)
				if e.Field != storagev1alpha1.FieldName && e.Field != storagev1alpha1.FieldStatus {
					return &InvalidError{Field: f + ".field", Reason: fmt.Sprintf("%q is not Name or Status", e.Field)}
				}
				if err := checkExpression(f, e.Operator, e.Values); err != nil {
					return err
				}
			}
		}
	}
	_, err := c.storageClass(ctx, "spec.storageClassName", a.Spec.StorageClassName)
	return err
}

func checkExpression(field string, op storagev1alpha1.Operator, values []string) error {
	if op != storagev1alpha1.In && op != storagev1alpha1.NotIn {
		return &InvalidError{Field: field + ".operator", Reason: fmt.Sprintf("%q is not In or NotIn", op)}
	}
	if len(values) == 0 {
		return &InvalidError{Field: field + ".values", Reason: "no values: the expression would pass everything"}
	}
	return nil
}

func (c *Client) mustExist(ctx context.Context, field, kind, name string, obj client.Object) error {
	if err := c.c.Get(ctx, client.ObjectKey{Name: name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return &NotFoundError{Field: field, Kind: kind, Name: name, Err: err}
		}
		return fmt.Errorf("get %s %s: %w", strings.ToLower(kind), name, err)
	}
	return nil
}

func dnsSubdomain(field, name string) error {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return &InvalidError{Field: field, Reason: fmt.Sprintf("%q: %s", name, strings.Join(errs, "; "))}
	}
	return nil
}

func dnsLabel(field, name string) error {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return &InvalidError{Field: field, Reason: fmt.Sprintf("%q: %s", name, strings.Join(errs, "; "))}
	}
	return nil
}

// ClaimClass is the StorageClass a claim names, as Kubernetes reads it:
// the beta annotation volume.beta.kubernetes.io/storage-class when set,
// else spec.storageClassName; empty when it names none.
func ClaimClass(pvc *corev1.PersistentVolumeClaim) string {
	if c, ok := pvc.Annotations[corev1.BetaStorageClassAnnotation]; ok {
		return c
	}
	if pvc.Spec.StorageClassName != nil {
		return *pvc.Spec.StorageClassName
	}
	return ""
}

// Admit decides whether a claim of class may be created in namespace,
// reading the namespace and its workspace from r: nil when the class has no
// Accessor or every Accessor lets them through, else an
// *AccessDeniedError. A namespace naming a workspace that does not exist
// is refused by a class with Accessors (storageclass-accessor does so too);
// an unknown namespace is a *NotFoundError.
func (x *AccessorIndex) Admit(ctx context.Context, r client.Reader, class, namespace string) error {
	list := x.byClass[class]
	if len(list) == 0 {
		return nil
	}
	ns := &corev1.Namespace{}
	if err := r.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
		if apierrors.IsNotFound(err) {
			return &NotFoundError{Field: "namespace", Kind: "Namespace", Name: namespace, Err: err}
		}
		return fmt.Errorf("get namespace %s: %w", namespace, err)
	}
	ws, missing, err := workspaceOf(ctx, r, ns)
	if err != nil {
		return err
	}
	if missing {
		name := ns.Labels[tenantv1beta1.WorkspaceLabel]
		return &AccessDeniedError{Accessor: list[0].src.Name, StorageClass: class, Namespace: namespace, Workspace: name,
			Field: "metadata.labels", Reason: fmt.Sprintf("the namespace names workspace %q, which does not exist", name)}
	}
	return x.Check(class, ns, ws)
}
