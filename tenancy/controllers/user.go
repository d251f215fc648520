package controllers

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"golang.org/x/crypto/bcrypt"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// UserFinalizer holds a User until its bindings, group memberships and login
// records are removed. It is KubeSphere's finalizer name for users.
const UserFinalizer = "finalizers.kubesphere.io/users"

var bcryptHash = regexp.MustCompile(`^\$2[aby]?\$[0-9]{2}\$[./A-Za-z0-9]{53}$`)

// IsPasswordHash reports whether s is a bcrypt hash rather than a plain
// password.
func IsPasswordHash(s string) bool { return bcryptHash.MatchString(s) }

// UserReconciler hashes plain passwords, keeps a user's state and groups, and
// cleans up after a deleted user.
type UserReconciler struct {
	Common
	// LoginFailureLimit failed logins within LoginFailureWindow block a
	// user (state AuthLimitExceeded) until the window has passed.
	LoginFailureLimit  int
	LoginFailureWindow time.Duration
	// LoginRecordTTL is how long login records are kept, and
	// LoginRecordsPerUser how many at most per user.
	LoginRecordTTL      time.Duration
	LoginRecordsPerUser int
	// BcryptCost is the cost of password hashes; zero means
	// bcrypt.DefaultCost.
	BcryptCost int

	now func() time.Time
}

func (r *UserReconciler) bcryptCost() int {
	if r.BcryptCost == 0 {
		return bcrypt.DefaultCost
	}
	return r.BcryptCost
}

// SetupWithManager registers the reconciler with mgr.
// Zero login limits take KubeSphere's defaults: 5 failures within 30
// minutes, records kept 7 days and at most 100 per user. It also registers
// the GroupBinding index the reconciler reads.
func (r *UserReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, options controller.Options) error {
	if r.now == nil {
		r.now = time.Now
	}
	switch {
	case r.LoginFailureLimit < 0, r.LoginFailureWindow < 0, r.LoginRecordTTL < 0, r.LoginRecordsPerUser < 0:
		return &OptionsError{Field: "UserReconciler", Reason: "login limits must not be negative"}
	case r.BcryptCost != 0 && (r.BcryptCost < bcrypt.MinCost || r.BcryptCost > bcrypt.MaxCost):
		return &OptionsError{Field: "BcryptCost", Reason: "must be between 4 and 31"}
	}
	if r.LoginFailureLimit == 0 {
		r.LoginFailureLimit = 5
	}
	if r.LoginFailureWindow == 0 {
		r.LoginFailureWindow = 30 * time.Minute
	}
	if r.LoginRecordTTL == 0 {
		r.LoginRecordTTL = 7 * 24 * time.Hour
	}
	if r.LoginRecordsPerUser == 0 {
		r.LoginRecordsPerUser = 100
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &iamv1beta1.GroupBinding{}, indexGroupBindingUsers, func(o client.Object) []string {
		return o.(*iamv1beta1.GroupBinding).Users
	}); err != nil {
		return fmt.Errorf("index group bindings by user: %w", err)
	}
	byUserLabel := handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		if u := o.GetLabels()[iamv1beta1.UserReferenceLabel]; u != "" {
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: u}}}
		}
		return nil
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("user").
		For(&iamv1beta1.User{}, r.watchFilter()).
		Watches(&iamv1beta1.LoginRecord{}, byUserLabel).
		Watches(&iamv1beta1.GroupBinding{}, groupBindingUsers{}).
		WithOptions(options).
		Complete(r)
}

// groupBindingUsers enqueues every user a GroupBinding lists, before and
// after a change, so users removed from a binding are updated too.
type groupBindingUsers struct{}

func (groupBindingUsers) add(q workqueue.TypedRateLimitingInterface[reconcile.Request], objs ...client.Object) {
	for _, o := range objs {
		if gb, ok := o.(*iamv1beta1.GroupBinding); ok {
			for _, u := range gb.Users {
				q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Name: u}})
			}
		}
	}
}

func (h groupBindingUsers) Create(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	h.add(q, e.Object)
}

func (h groupBindingUsers) Update(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	h.add(q, e.ObjectOld, e.ObjectNew)
}

func (h groupBindingUsers) Delete(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	h.add(q, e.Object)
}

func (h groupBindingUsers) Generic(_ context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	h.add(q, e.Object)
}

// Reconcile implements reconcile.Reconciler.
func (r *UserReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	user := &iamv1beta1.User{}
	if err := r.Client.Get(ctx, req.NamespacedName, user); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !r.filtered(user) {
		return reconcile.Result{}, nil // enqueued through another kind's event; not ours
	}
	if !user.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, r.finalize(ctx, user)
	}

	// Spec: finalizer, hashed password, groups.
	specChanged := controllerutil.AddFinalizer(user, UserFinalizer)
	if user.Spec.Password != "" && !IsPasswordHash(user.Spec.Password) {
		hash, err := bcrypt.GenerateFromPassword([]byte(user.Spec.Password), r.bcryptCost())
		if err != nil {
			return reconcile.Result{}, fmt.Errorf("hash password: %w", err)
		}
		user.Spec.Password = string(hash)
		specChanged = true
	}
	groups, err := r.groupsOf(ctx, user.Name)
	if err != nil {
		return reconcile.Result{}, err
	}
	if !slices.Equal(groups, sortedCopy(user.Spec.Groups)) {
		user.Spec.Groups = groups
		specChanged = true
	}
	if specChanged {
		if err := r.Client.Update(ctx, user); err != nil {
			return reconcile.Result{}, fmt.Errorf("update user: %w", err)
		}
	}

	// Login records: retention, last login, failed-login limit.
	records, err := r.pruneRecords(ctx, user.Name)
	if err != nil {
		return reconcile.Result{}, err
	}
	now := r.now()
	status := user.Status.DeepCopy()
	var failures []time.Time
	for _, rec := range records {
		t := rec.CreationTimestamp.Time
		if rec.Spec.Success {
			if status.LastLoginTime == nil || status.LastLoginTime.Time.Before(t) {
				status.LastLoginTime = &metav1.Time{Time: t}
			}
		} else if now.Sub(t) < r.LoginFailureWindow {
			failures = append(failures, t)
		}
	}
	var requeue time.Duration
	setState := func(s iamv1beta1.UserState, reason string) {
		if status.State != s {
			status.State, status.Reason = s, reason
			status.LastTransitionTime = &metav1.Time{Time: now}
		}
	}
	switch {
	case status.State == iamv1beta1.UserDisabled:
	case len(failures) >= r.LoginFailureLimit:
		setState(iamv1beta1.UserAuthLimitExceeded, fmt.Sprintf("%d failed logins within %s", len(failures), r.LoginFailureWindow))
		// Unblock once the oldest failure that keeps the count at the limit
		// leaves the window.
		sort.Slice(failures, func(i, j int) bool { return failures[i].After(failures[j]) })
		limiting := failures[r.LoginFailureLimit-1]
		requeue = limiting.Add(r.LoginFailureWindow).Sub(now) + time.Second
	case user.Spec.Password == "" || IsPasswordHash(user.Spec.Password):
		setState(iamv1beta1.UserActive, "")
	}
	if !equalStatus(*status, user.Status) {
		user.Status = *status
		// KubeSphere's User has no status subresource: status is written
		// with the object.
		if err := r.Client.Update(ctx, user); err != nil {
			return reconcile.Result{}, fmt.Errorf("update user status: %w", err)
		}
	}
	if len(records) > 0 {
		// Come back when the oldest record expires.
		oldest := records[len(records)-1].CreationTimestamp.Add(r.LoginRecordTTL).Sub(now) + time.Second
		if requeue == 0 || oldest < requeue {
			requeue = max(oldest, time.Second)
		}
	}
	return reconcile.Result{RequeueAfter: requeue}, nil
}

func equalStatus(a, b iamv1beta1.UserStatus) bool {
	timeEq := func(x, y *metav1.Time) bool {
		if x == nil || y == nil {
			return x == y
		}
		return x.Unix() == y.Unix()
	}
	return a.State == b.State && a.Reason == b.Reason && timeEq(a.LastLoginTime, b.LastLoginTime) && timeEq(a.LastTransitionTime, b.LastTransitionTime)
}

// pruneRecords deletes the user's expired and surplus login records and
// returns the rest, newest first.
func (r *UserReconciler) pruneRecords(ctx context.Context, user string) ([]iamv1beta1.LoginRecord, error) {
	var list iamv1beta1.LoginRecordList
	if err := r.Client.List(ctx, &list, client.MatchingLabels{iamv1beta1.UserReferenceLabel: user}); err != nil {
		return nil, fmt.Errorf("list login records: %w", err)
	}
	recs := list.Items
	sort.SliceStable(recs, func(i, j int) bool {
		ti, tj := recs[i].CreationTimestamp.Time, recs[j].CreationTimestamp.Time
		if ti.Equal(tj) {
			return recs[i].Name > recs[j].Name
		}
		return ti.After(tj)
	})
	now := r.now()
	kept := recs[:0]
	for i := range recs {
		expired := now.Sub(recs[i].CreationTimestamp.Time) > r.LoginRecordTTL
		if expired || len(kept) >= r.LoginRecordsPerUser {
			if err := r.Client.Delete(ctx, &recs[i]); client.IgnoreNotFound(err) != nil {
				return nil, fmt.Errorf("delete login record %s: %w", recs[i].Name, err)
			}
			continue
		}
		kept = append(kept, recs[i])
	}
	return kept, nil
}

// groupsOf returns the sorted names of the groups whose bindings list user.
func (r *UserReconciler) groupsOf(ctx context.Context, user string) ([]string, error) {
	var list iamv1beta1.GroupBindingList
	if err := r.Client.List(ctx, &list, client.MatchingFields{indexGroupBindingUsers: user}); err != nil {
		return nil, fmt.Errorf("list group bindings of %q: %w", user, err)
	}
	var groups []string
	for _, gb := range list.Items {
		if gb.DeletionTimestamp.IsZero() && !slices.Contains(groups, gb.GroupRef.Name) {
			groups = append(groups, gb.GroupRef.Name)
		}
	}
	sort.Strings(groups)
	return groups, nil
}

// finalize removes the user's member bindings, group memberships and login
// records, then the finalizer.
func (r *UserReconciler) finalize(ctx context.Context, user *iamv1beta1.User) error {
	if !controllerutil.ContainsFinalizer(user, UserFinalizer) {
		return nil
	}
	sel := client.MatchingLabels{iamv1beta1.UserReferenceLabel: user.Name}
	for _, obj := range []client.Object{
		&iamv1beta1.GlobalRoleBinding{}, &iamv1beta1.ClusterRoleBinding{},
		&iamv1beta1.WorkspaceRoleBinding{}, &iamv1beta1.LoginRecord{},
	} {
		if err := r.Client.DeleteAllOf(ctx, obj, sel); err != nil {
			return fmt.Errorf("delete %T of user: %w", obj, err)
		}
	}
	var rbs iamv1beta1.RoleBindingList
	if err := r.Client.List(ctx, &rbs, sel); err != nil {
		return fmt.Errorf("list project bindings of user: %w", err)
	}
	for i := range rbs.Items {
		if err := r.Client.Delete(ctx, &rbs.Items[i]); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete project binding %s/%s: %w", rbs.Items[i].Namespace, rbs.Items[i].Name, err)
		}
	}
	var gbs iamv1beta1.GroupBindingList
	if err := r.Client.List(ctx, &gbs, client.MatchingFields{indexGroupBindingUsers: user.Name}); err != nil {
		return fmt.Errorf("list group bindings of user: %w", err)
	}
	for i := range gbs.Items {
		gb := &gbs.Items[i]
		gb.Users = slices.DeleteFunc(gb.Users, func(u string) bool { return u == user.Name })
		if len(gb.Users) == 0 {
			// KubeSphere keeps one binding per user: an empty one goes.
			if err := r.Client.Delete(ctx, gb); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("delete group binding %s: %w", gb.Name, err)
			}
			continue
		}
		if err := r.Client.Update(ctx, gb); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("remove user from group binding %s: %w", gb.Name, err)
		}
	}
	controllerutil.RemoveFinalizer(user, UserFinalizer)
	if err := r.Client.Update(ctx, user); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("remove finalizer: %w", err)
	}
	return nil
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return out
}
