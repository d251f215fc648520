package authn

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"crypto/sha256"
	"encoding/hex"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// DirectoryGroup is a group of an identity provider and the UIDs (Identity.UID)
// of its members.
type DirectoryGroup struct {
	Name       string
	MemberUIDs []string
}

// GroupSource is an identity provider that lists its groups. LDAPProvider
// is one.
type GroupSource interface {
	IdentityProvider
	ListGroups(ctx context.Context) ([]DirectoryGroup, error)
}

// Labels and annotations of the Groups SyncGroups manages.
const (
	// SyncedFromLabel names the provider a Group is synchronized from.
	// SyncGroups only ever changes or deletes Groups carrying its
	// provider's name here.
	SyncedFromLabel = "authn.spherekit.io/synced-from"
	// DirectoryGroupAnnotation holds the group's name at the provider.
	DirectoryGroupAnnotation = "authn.spherekit.io/directory-group"
)

// SyncGroupsOptions are the optional inputs of SyncGroups.
type SyncGroupsOptions struct {
	// DryRun computes the plan and writes nothing.
	DryRun bool
}

// GroupSyncPlan is what SyncGroups does (or, in a dry run, would do), every
// list sorted. Group names are the KubeSphere Groups' names.
type GroupSyncPlan struct {
	CreateGroups []string
	DeleteGroups []string
	// AddMembers and RemoveMembers map a Group to users.
	AddMembers    map[string][]string
	RemoveMembers map[string][]string
	// Unmapped maps a Group to the member UIDs no user is mapped to yet;
	// they join once they have logged in (or been mapped) and SyncGroups
	// runs again.
	Unmapped map[string][]string
}

// Empty reports whether the plan changes nothing.
func (p *GroupSyncPlan) Empty() bool {
	return len(p.CreateGroups)+len(p.DeleteGroups)+len(p.AddMembers)+len(p.RemoveMembers) == 0
}

var groupNameUnsafe = regexp.MustCompile(`[^a-z0-9-]+`)

// SyncedGroupName is the name of the KubeSphere Group that stands for the
// provider's group in workspace: "<workspace>-<group>", the group's name
// lower-cased with other characters than letters, digits and '-' replaced,
// and a hash suffix when that changed it or it was too long, so distinct
// provider groups never share a Group.
func SyncedGroupName(workspace, group string) string {
	clean := strings.Trim(groupNameUnsafe.ReplaceAllString(strings.ToLower(group), "-"), "-")
	name := workspace + "-" + clean
	if clean != group || len(name) > 63 || clean == "" {
		sum := sha256.Sum256([]byte(group))
		suffix := "-" + hex.EncodeToString(sum[:])[:8]
		name = strings.TrimRight(name[:min(len(name), 63-len(suffix))], "-") + suffix
	}
	return name
}

// SyncGroups makes the KubeSphere Groups of workspace match the groups of
// the provider (Options.Providers) named provider, which must be a
// GroupSource: a Group per provider group (SyncedGroupName, labelled
// SyncedFromLabel), holding the users mapped to its members (a
// GroupBinding each, as tenancy.Client.AddGroupMembers writes them).
// Groups that left the provider are deleted with their bindings; Groups not
// labelled as synchronized from this provider are never touched. It
// returns the plan, computed before any write; with opts.DryRun it writes
// nothing. Role bindings of the Groups are the host's to make (for example
// once, with tenancy.Client); they apply to every member.
func (a *Authenticator) SyncGroups(ctx context.Context, provider, workspace string, opts SyncGroupsOptions) (*GroupSyncPlan, error) {
	src, ok := a.providers[provider].(GroupSource)
	if !ok {
		return nil, &InvalidError{Field: "provider", Reason: fmt.Sprintf("%q is not an identity provider of this Authenticator that lists groups", provider)}
	}
	ws := &tenantv1beta1.WorkspaceTemplate{}
	if err := a.c.Get(ctx, client.ObjectKey{Name: workspace}, ws); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &NotFoundError{Field: "workspace", Kind: "WorkspaceTemplate", Name: workspace, Err: err}
		}
		return nil, fmt.Errorf("get workspace %q: %w", workspace, err)
	}
	dir, err := src.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list groups of %q: %w", provider, err)
	}
	plan, err := a.planGroupSync(ctx, provider, workspace, dir)
	if err != nil || opts.DryRun || plan.Empty() {
		return plan, err
	}
	return plan, a.applyGroupSync(ctx, provider, workspace, dir, plan)
}

func (a *Authenticator) planGroupSync(ctx context.Context, provider, workspace string, dir []DirectoryGroup) (*GroupSyncPlan, error) {
	plan := &GroupSyncPlan{AddMembers: map[string][]string{}, RemoveMembers: map[string][]string{}, Unmapped: map[string][]string{}}
	var existing iamv1beta1.GroupList
	if err := a.c.List(ctx, &existing, client.MatchingLabels{SyncedFromLabel: provider, tenantv1beta1.WorkspaceLabel: workspace}); err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	have := map[string]bool{}
	for _, g := range existing.Items {
		have[g.Name] = true
	}
	want := map[string]bool{}
	for _, g := range dir {
		name := SyncedGroupName(workspace, g.Name)
		want[name] = true
		if !have[name] {
			plan.CreateGroups = append(plan.CreateGroups, name)
		}
		members := map[string]bool{}
		for _, uid := range g.MemberUIDs {
			u, err := a.mappedUser(ctx, provider, uid, true)
			if err != nil {
				return nil, err
			}
			if u == nil {
				plan.Unmapped[name] = append(plan.Unmapped[name], uid)
				continue
			}
			members[u.Name] = true
		}
		current, err := a.groupMembers(ctx, name)
		if err != nil {
			return nil, err
		}
		for m := range members {
			if !slices.Contains(current, m) {
				plan.AddMembers[name] = append(plan.AddMembers[name], m)
			}
		}
		for _, m := range current {
			if !members[m] {
				plan.RemoveMembers[name] = append(plan.RemoveMembers[name], m)
			}
		}
	}
	for name := range have {
		if !want[name] {
			plan.DeleteGroups = append(plan.DeleteGroups, name)
		}
	}
	slices.Sort(plan.CreateGroups)
	slices.Sort(plan.DeleteGroups)
	for _, m := range []map[string][]string{plan.AddMembers, plan.RemoveMembers, plan.Unmapped} {
		for k := range m {
			slices.Sort(m[k])
		}
	}
	return plan, nil
}

// groupMembers lists the users of group's GroupBindings.
func (a *Authenticator) groupMembers(ctx context.Context, group string) ([]string, error) {
	var gbs iamv1beta1.GroupBindingList
	if err := a.c.List(ctx, &gbs, client.MatchingLabels{iamv1beta1.GroupReferenceLabel: group}); err != nil {
		return nil, fmt.Errorf("list bindings of group %q: %w", group, err)
	}
	var users []string
	for _, gb := range gbs.Items {
		if gb.GroupRef.Name == group && gb.DeletionTimestamp.IsZero() {
			users = append(users, gb.Users...)
		}
	}
	slices.Sort(users)
	return slices.Compact(users), nil
}

func (a *Authenticator) applyGroupSync(ctx context.Context, provider, workspace string, dir []DirectoryGroup, plan *GroupSyncPlan) error {
	tc, err := tenancy.NewClient(a.c, tenancy.ClientOptions{})
	if err != nil {
		return err
	}
	original := map[string]string{}
	for _, g := range dir {
		original[SyncedGroupName(workspace, g.Name)] = g.Name
	}
	for _, name := range plan.CreateGroups {
		if err := a.ensureSyncedGroup(ctx, tc, provider, workspace, name, original[name]); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(plan.AddMembers) {
		if err := tc.AddGroupMembers(ctx, name, plan.AddMembers[name]...); err != nil {
			return fmt.Errorf("sync groups: %w", err)
		}
	}
	for _, name := range sortedKeys(plan.RemoveMembers) {
		for _, u := range plan.RemoveMembers[name] {
			if err := tc.RemoveGroupMember(ctx, name, u); err != nil {
				return fmt.Errorf("sync groups: %w", err)
			}
		}
	}
	for _, name := range plan.DeleteGroups {
		if err := a.c.DeleteAllOf(ctx, &iamv1beta1.GroupBinding{}, client.MatchingLabels{iamv1beta1.GroupReferenceLabel: name}); err != nil {
			return fmt.Errorf("sync groups: delete bindings of %q: %w", name, err)
		}
		g := &iamv1beta1.Group{}
		g.Name = name
		if err := a.c.Delete(ctx, g); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("sync groups: delete %q: %w", name, err)
		}
	}
	return nil
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ensureSyncedGroup creates Group name in workspace, if missing, labelled
// as synchronized from provider, with the provider's name of the group.
func (a *Authenticator) ensureSyncedGroup(ctx context.Context, tc *tenancy.Client, provider, workspace, name, original string) error {
	g, err := tc.CreateGroup(ctx, workspace, name, tenancy.CreateGroupOptions{AliasName: original})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("sync groups: %w", err)
	}
	if g == nil {
		g = &iamv1beta1.Group{}
		if err := a.c.Get(ctx, client.ObjectKey{Name: name}, g); err != nil {
			return fmt.Errorf("sync groups: %w", err)
		}
		if g.Labels[tenantv1beta1.WorkspaceLabel] != workspace {
			return &ConflictError{Field: "group", Reason: fmt.Sprintf("group %q exists in another workspace", name)}
		}
		if p := g.Labels[SyncedFromLabel]; p != "" && p != provider {
			return &ConflictError{Field: "group", Reason: fmt.Sprintf("group %q is synchronized from provider %q", name, p)}
		}
	}
	patch := client.MergeFrom(g.DeepCopy())
	if g.Labels == nil {
		g.Labels = map[string]string{}
	}
	if g.Annotations == nil {
		g.Annotations = map[string]string{}
	}
	g.Labels[SyncedFromLabel] = provider
	g.Annotations[DirectoryGroupAnnotation] = original
	if err := a.c.Patch(ctx, g, patch); err != nil {
		return fmt.Errorf("sync groups: label %q: %w", name, err)
	}
	return nil
}

// syncUserGroups makes user's membership of the Groups of workspace
// synchronized from provider match groups (the provider's names): Groups
// are made for new names, the user joins those and leaves the provider's
// other Groups there. It is what an OIDC login with
// OIDCProvider.GroupsWorkspace does with the groups claim.
func (a *Authenticator) syncUserGroups(ctx context.Context, provider, workspace, user string, groups []string) error {
	tc, err := tenancy.NewClient(a.c, tenancy.ClientOptions{})
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, g := range groups {
		name := SyncedGroupName(workspace, g)
		want[name] = true
		if err := a.ensureSyncedGroup(ctx, tc, provider, workspace, name, g); err != nil {
			return err
		}
		members, err := a.groupMembers(ctx, name)
		if err != nil {
			return err
		}
		if !slices.Contains(members, user) {
			if err := tc.AddGroupMembers(ctx, name, user); err != nil {
				return fmt.Errorf("sync groups of %q: %w", user, err)
			}
		}
	}
	var synced iamv1beta1.GroupList
	if err := a.c.List(ctx, &synced, client.MatchingLabels{SyncedFromLabel: provider, tenantv1beta1.WorkspaceLabel: workspace}); err != nil {
		return fmt.Errorf("list groups: %w", err)
	}
	for _, g := range synced.Items {
		if want[g.Name] {
			continue
		}
		members, err := a.groupMembers(ctx, g.Name)
		if err != nil {
			return err
		}
		if slices.Contains(members, user) {
			if err := tc.RemoveGroupMember(ctx, g.Name, user); err != nil {
				return fmt.Errorf("sync groups of %q: %w", user, err)
			}
		}
	}
	return nil
}
