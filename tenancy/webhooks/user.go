package webhooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/validate/content"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
)

// E-mail claims.
//
// The user webhook keeps user e-mail addresses unique with an index: one
// coordination.k8s.io/v1 Lease per address, in the namespace
// Options.EmailClaimNamespace (kube-system unless set), named
// EmailClaimName(address) and labelled EmailClaimLabel. Its holderIdentity
// is the name of the user that has the address, annotation
// EmailClaimAnnotation carries the address as that user spelled it, and
// two more annotations record the user's UID and the resourceVersion its
// write was based on. Addresses are compared ignoring case: both are
// lower-cased (strings.ToLower, so Unicode letters too) and must then be
// equal; nothing else is normalized (no trimming, no dot or +tag rules).
//
// Admission of a user, or of a change of its address, claims the address:
// creating the Lease claims a free address; a Lease that exists is already
// this user's, or is taken over with an update conditional on the Lease's
// resourceVersion when its holder (read live from the API server) no longer
// has the address, or is refused naming the holder. A lost race re-reads the
// Lease and decides again, so of two users admitted at the same instant with
// the same address, only one can be the holder.
//
// Admission runs before the API server stores the user, so a holder that is
// not stored yet, or whose stored object does not have the address yet, may
// have a write in flight. Such a claim still counts for
// leaseDurationSeconds (60) after its renewTime, longer than the API server
// lets a write run; only then is it taken over. An address whose user was
// refused by a later admission step is therefore free again a minute later.
// A user's deletion releases its claim at once (the users' delete webhook
// drops the Lease's duration, so the claim counts only while the holder
// still has the address), and removing the last finalizer of a deleted
// user deletes the claim. A user being deleted has no address.
//
// The claim a user leaves behind when it changes its address stays until
// another user claims that address. Users created before these claims
// existed (or while the webhook was not installed) are found by listing
// users before an address is claimed.
//
// The webhook's identity needs get, create, update and delete on
// leases.coordination.k8s.io in that namespace, and list and watch on
// users.iam.kubesphere.io. Dry-run requests read but never write.
const (
	// DefaultEmailClaimNamespace is where the e-mail claims are kept unless
	// Options.EmailClaimNamespace says otherwise.
	DefaultEmailClaimNamespace = "kube-system"
	// EmailClaimLabel, valued "true", marks every e-mail claim Lease.
	EmailClaimLabel = "iam.spherekit.io/email-claim"
	// EmailClaimAnnotation on an e-mail claim holds the address as its
	// holder spelled it.
	EmailClaimAnnotation = "iam.spherekit.io/email"

	claimUIDAnnotation             = "iam.spherekit.io/user-uid"
	claimResourceVersionAnnotation = "iam.spherekit.io/user-resource-version"

	// claimPendingSeconds is how long a claim counts for a holder whose
	// write may still be in flight. The API server gives a write at most 34
	// seconds.
	claimPendingSeconds = 60
	// claimAttempts bounds the re-evaluations after a lost race.
	claimAttempts = 10
	// maxEmailLength is the users CRD's limit.
	maxEmailLength = 254
)

// EmailClaimName returns the name of the Lease that claims an e-mail
// address: "user-email-" and the hex SHA-256 of the lower-cased address.
func EmailClaimName(email string) string {
	sum := sha256.Sum256([]byte(normalizeEmail(email)))
	return "user-email-" + hex.EncodeToString(sum[:])
}

// normalizeEmail is the form addresses are compared in.
func normalizeEmail(email string) string { return strings.ToLower(email) }

// userValidator refuses a user whose e-mail address another user has, and
// keeps the e-mail claims.
type userValidator struct {
	// client writes claims and finds users by address (from its cache,
	// through indexUserEmail, to find users that have no claim).
	client client.Client
	// reader reads claims and holders live.
	reader    client.Reader
	namespace string
	now       func() time.Time
}

func newUserValidator(c client.Client, live client.Reader, namespace string) *userValidator {
	return &userValidator{client: c, reader: live, namespace: namespace, now: time.Now}
}

// indexUserEmail indexes Users by their lower-cased e-mail address.
const indexUserEmail = "spherekit.webhooks.user.email"

func userEmailIndex(o client.Object) []string {
	if email := o.(*iamv1beta1.User).Spec.Email; email != "" {
		return []string{normalizeEmail(email)}
	}
	return nil
}

// setupUsers registers the user webhook, and the index of users by
// address on mgr's cache.
func setupUsers(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	namespace := opts.EmailClaimNamespace
	if namespace == "" {
		namespace = DefaultEmailClaimNamespace
	}
	if msgs := validation.IsDNS1123Label(namespace); len(msgs) > 0 {
		return fmt.Errorf("tenancy webhooks: invalid Options.EmailClaimNamespace: %s", strings.Join(msgs, "; "))
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &iamv1beta1.User{}, indexUserEmail, userEmailIndex); err != nil {
		return fmt.Errorf("tenancy webhooks: index users by e-mail address: %w", err)
	}
	mgr.GetWebhookServer().Register(UserPath, &webhook.Admission{Handler: newUserValidator(mgr.GetClient(), mgr.GetAPIReader(), namespace)})
	return nil
}

func (v *userValidator) Handle(ctx context.Context, req admission.Request) admission.Response {
	dryRun := req.DryRun != nil && *req.DryRun
	switch req.Operation {
	case admissionv1.Create, admissionv1.Update:
	case admissionv1.Delete:
		old, err := decodeUser(req.OldObject.Raw, "oldObject")
		if err != nil {
			return admission.Errored(http.StatusBadRequest, err)
		}
		if !dryRun {
			v.release(ctx, old)
		}
		return admission.Allowed("")
	default:
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("unsupported operation %q", req.Operation))
	}
	user, err := decodeUser(req.Object.Raw, "object")
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	// w describes the write: its user, the stored version it is based on
	// (none for a create) and whether that version has the address already.
	w := claimant{user: user}
	if req.Operation == admissionv1.Update {
		old, err := decodeUser(req.OldObject.Raw, "oldObject")
		if err != nil {
			return admission.Errored(http.StatusBadRequest, err)
		}
		if old.Name != user.Name {
			return admission.Errored(http.StatusBadRequest, fmt.Errorf("object %q and oldObject %q are different users", user.Name, old.Name))
		}
		w.basedOn = old.ResourceVersion
		w.had = old.DeletionTimestamp.IsZero() && normalizeEmail(old.Spec.Email) == normalizeEmail(user.Spec.Email)
	}
	if !user.DeletionTimestamp.IsZero() {
		// A user being deleted has no address, so its finalizers can always
		// be removed; its claim goes with it.
		if !dryRun {
			v.drop(ctx, user)
		}
		return admission.Allowed("")
	}
	if user.Spec.Email == "" {
		return admission.Allowed("")
	}
	if len(user.Spec.Email) > maxEmailLength {
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("spec.email: longer than %d characters", maxEmailLength))
	}
	denied, err := v.claim(ctx, w, dryRun)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	if denied != "" {
		return admission.Denied(denied)
	}
	return admission.Allowed("")
}

// claimant is a user write that needs its address claimed.
type claimant struct {
	user *iamv1beta1.User
	// basedOn is the resourceVersion of the stored user an update applies
	// to; empty for a create.
	basedOn string
	// had: the stored user has the address already.
	had bool
}

// claim makes w's user the holder of its address's claim, or returns why
// it may not have the address. A dry run writes nothing.
func (v *userValidator) claim(ctx context.Context, w claimant, dryRun bool) (string, error) {
	email := normalizeEmail(w.user.Spec.Email)
	key := client.ObjectKey{Namespace: v.namespace, Name: EmailClaimName(email)}
	for range claimAttempts {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("claim e-mail address: %w", err)
		}
		lease := &coordinationv1.Lease{}
		err := v.reader.Get(ctx, key, lease)
		if apierrors.IsNotFound(err) {
			if denied, err := v.unclaimedHolder(ctx, w.user, email, ""); denied != "" || err != nil {
				return denied, err
			}
			if dryRun {
				return "", nil
			}
			lease = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
			v.stamp(lease, w)
			err := v.client.Create(ctx, lease)
			if apierrors.IsAlreadyExists(err) {
				continue // claimed meanwhile: decide again
			}
			if err != nil {
				return "", fmt.Errorf("claim e-mail address: create lease %s: %w", key, err)
			}
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("claim e-mail address: get lease %s: %w", key, err)
		}

		holder := ptr.Deref(lease.Spec.HolderIdentity, "")
		if holder == w.user.Name {
			if lease.Annotations[claimUIDAnnotation] == string(w.user.UID) &&
				(w.had || lease.Annotations[claimResourceVersionAnnotation] == w.basedOn) {
				return "", nil // this write's claim already
			}
		} else {
			if denied, err := v.holds(ctx, lease, email, w.user.Spec.Email); denied != "" || err != nil {
				return denied, err
			}
			if denied, err := v.unclaimedHolder(ctx, w.user, email, holder); denied != "" || err != nil {
				return denied, err
			}
		}
		if dryRun {
			return "", nil
		}
		v.stamp(lease, w)
		err = v.client.Update(ctx, lease)
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			continue // changed meanwhile: decide again
		}
		if err != nil {
			return "", fmt.Errorf("claim e-mail address: update lease %s: %w", key, err)
		}
		return "", nil
	}
	return "", fmt.Errorf("claim e-mail address: lease %s changed %d times while deciding", key, claimAttempts)
}

// stamp makes lease w's claim, held from now.
func (v *userValidator) stamp(lease *coordinationv1.Lease, w claimant) {
	now := metav1.NewMicroTime(v.now())
	if lease.Labels == nil {
		lease.Labels = map[string]string{}
	}
	if lease.Annotations == nil {
		lease.Annotations = map[string]string{}
	}
	lease.Labels[EmailClaimLabel] = "true"
	lease.Annotations[EmailClaimAnnotation] = w.user.Spec.Email
	lease.Annotations[claimUIDAnnotation] = string(w.user.UID)
	lease.Annotations[claimResourceVersionAnnotation] = w.basedOn
	if ptr.Deref(lease.Spec.HolderIdentity, "") != w.user.Name {
		if lease.Spec.HolderIdentity != nil {
			lease.Spec.LeaseTransitions = ptr.To(ptr.Deref(lease.Spec.LeaseTransitions, 0) + 1)
		}
		lease.Spec.HolderIdentity = ptr.To(w.user.Name)
		lease.Spec.AcquireTime = &now
	}
	lease.Spec.RenewTime = &now
	lease.Spec.LeaseDurationSeconds = ptr.To[int32](claimPendingSeconds)
}

// holds returns why the holder of lease keeps address email (as spelled
// by the claimant), or "" when the claim is stale.
func (v *userValidator) holds(ctx context.Context, lease *coordinationv1.Lease, email, spelled string) (string, error) {
	holder := ptr.Deref(lease.Spec.HolderIdentity, "")
	if holder == "" {
		return "", nil
	}
	u := &iamv1beta1.User{}
	switch err := v.reader.Get(ctx, client.ObjectKey{Name: holder}, u); {
	case apierrors.IsNotFound(err):
		u = nil
	case err != nil:
		return "", fmt.Errorf("claim e-mail address: get user %q: %w", holder, err)
	}
	if u != nil && u.DeletionTimestamp.IsZero() && normalizeEmail(u.Spec.Email) == email {
		return fmt.Sprintf("spec.email: %s is the e-mail address of user %q", spelled, holder), nil
	}
	// The holder does not have the address as stored. The write that
	// claimed it may still be in flight: the user is not stored yet (or
	// is another user of the same name), or is still the version the
	// write was based on.
	inFlight := u == nil || string(u.UID) != lease.Annotations[claimUIDAnnotation] ||
		u.ResourceVersion == lease.Annotations[claimResourceVersionAnnotation]
	if inFlight && v.pending(lease) {
		return fmt.Sprintf("spec.email: %s is being claimed by user %q, whose write is in flight or was refused less than %ds ago", spelled, holder, claimPendingSeconds), nil
	}
	return "", nil
}

// pending reports whether lease is within its duration.
func (v *userValidator) pending(lease *coordinationv1.Lease) bool {
	if lease.Spec.RenewTime == nil || lease.Spec.LeaseDurationSeconds == nil {
		return false
	}
	end := lease.Spec.RenewTime.Add(time.Duration(*lease.Spec.LeaseDurationSeconds) * time.Second)
	return v.now().Before(end)
}

// unclaimedHolder returns why user may not have address email when another
// stored user has it without a claim (one written before the claims, or
// while the webhook was not installed). Users come from the client's cache;
// a match is confirmed live. skip names a user already read live.
func (v *userValidator) unclaimedHolder(ctx context.Context, user *iamv1beta1.User, email, skip string) (string, error) {
	var users iamv1beta1.UserList
	if err := v.client.List(ctx, &users, client.MatchingFields{indexUserEmail: email}); err != nil {
		return "", fmt.Errorf("claim e-mail address: list users: %w", err)
	}
	for i := range users.Items {
		u := &users.Items[i]
		if u.Name == user.Name || u.Name == skip || !u.DeletionTimestamp.IsZero() || normalizeEmail(u.Spec.Email) != email {
			continue
		}
		live := &iamv1beta1.User{}
		err := v.reader.Get(ctx, client.ObjectKey{Name: u.Name}, live)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("claim e-mail address: get user %q: %w", u.Name, err)
		}
		if live.DeletionTimestamp.IsZero() && normalizeEmail(live.Spec.Email) == email {
			return fmt.Sprintf("spec.email: %s is the e-mail address of user %q", user.Spec.Email, u.Name), nil
		}
	}
	return "", nil
}

// release ends the pending time of the claim user holds, as user is being
// deleted: the claim then counts only while the holder has the address.
// Release is best effort (the claim lapses on its own), so failures are
// logged, not returned.
func (v *userValidator) release(ctx context.Context, user *iamv1beta1.User) {
	v.ownClaim(ctx, user, "release", func(lease *coordinationv1.Lease) error {
		if lease.Spec.LeaseDurationSeconds == nil {
			return nil
		}
		lease.Spec.LeaseDurationSeconds = nil
		return v.client.Update(ctx, lease)
	})
}

// drop deletes the claim user, which is being deleted, holds.
func (v *userValidator) drop(ctx context.Context, user *iamv1beta1.User) {
	v.ownClaim(ctx, user, "delete", func(lease *coordinationv1.Lease) error {
		return v.client.Delete(ctx, lease, client.Preconditions{UID: &lease.UID, ResourceVersion: &lease.ResourceVersion})
	})
}

// ownClaim applies change to the claim of user's address if user (this
// very object, by UID) holds it.
func (v *userValidator) ownClaim(ctx context.Context, user *iamv1beta1.User, what string, change func(*coordinationv1.Lease) error) {
	if user.Spec.Email == "" {
		return
	}
	key := client.ObjectKey{Namespace: v.namespace, Name: EmailClaimName(user.Spec.Email)}
	lease := &coordinationv1.Lease{}
	err := v.reader.Get(ctx, key, lease)
	if err == nil {
		if ptr.Deref(lease.Spec.HolderIdentity, "") != user.Name || lease.Annotations[claimUIDAnnotation] != string(user.UID) {
			return
		}
		err = change(lease)
	}
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		logr.FromContextOrDiscard(ctx).Error(err, "e-mail claim of a deleted user left in place", "action", what, "lease", key, "user", user.Name)
	}
}

// decodeUser decodes the admission request's object or oldObject (field)
// and checks it is a named User.
func decodeUser(raw []byte, field string) (*iamv1beta1.User, error) {
	u := &iamv1beta1.User{}
	if err := decodeRaw(raw, u); err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	if gvk := u.GroupVersionKind(); gvk != iamv1beta1.SchemeGroupVersion.WithKind("User") {
		return nil, fmt.Errorf("%s: is %s, not a User of %s", field, describeGVK(u.APIVersion, u.Kind), iamv1beta1.SchemeGroupVersion)
	}
	if u.Name == "" {
		return nil, errors.New(field + ": metadata.name is empty")
	}
	if msgs := content.IsPathSegmentName(u.Name); len(msgs) > 0 {
		return nil, fmt.Errorf("%s: metadata.name %q: %s", field, u.Name, strings.Join(msgs, "; "))
	}
	return u, nil
}

func describeGVK(apiVersion, kind string) string {
	if apiVersion == "" && kind == "" {
		return "an object without apiVersion and kind"
	}
	return fmt.Sprintf("apiVersion %q kind %q", apiVersion, kind)
}
