package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// poolValidator enforces the ippools rules on IPPool writes.
type poolValidator struct {
	// reader reads pools and workspaces live.
	reader client.Reader
}

func decodePool(raw []byte, what string) (*networkv1alpha1.IPPool, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("admission request carries no %s", what)
	}
	p := &networkv1alpha1.IPPool{}
	if err := json.Unmarshal(raw, p); err != nil {
		return nil, fmt.Errorf("decode %s: %w", what, err)
	}
	return p, nil
}

func (v *poolValidator) Handle(ctx context.Context, req admission.Request) admission.Response {
	var err error
	switch req.Operation {
	case admissionv1.Create:
		err = v.create(ctx, req)
	case admissionv1.Update:
		err = v.update(ctx, req)
	case admissionv1.Delete:
		var old *networkv1alpha1.IPPool
		if old, err = decodePool(req.OldObject.Raw, "oldObject"); err == nil {
			err = ippools.CheckDelete(old)
		}
	default:
		err = badRequest{fmt.Errorf("unsupported operation %q", req.Operation)}
	}
	return respond(err)
}

func (v *poolValidator) create(ctx context.Context, req admission.Request) error {
	pool, err := decodePool(req.Object.Raw, "object")
	if err != nil {
		return badRequest{err}
	}
	// The checks that need no reads first.
	if err := ippools.CheckCreate(pool, nil); err != nil {
		return err
	}
	if err := v.workspaceExists(ctx, ippools.WorkspaceOf(pool)); err != nil {
		return err
	}
	existing, err := v.pools(ctx)
	if err != nil {
		return err
	}
	return ippools.CheckCreate(pool, existing)
}

func (v *poolValidator) update(ctx context.Context, req admission.Request) error {
	pool, err := decodePool(req.Object.Raw, "object")
	if err != nil {
		return badRequest{err}
	}
	old, err := decodePool(req.OldObject.Raw, "oldObject")
	if err != nil {
		return badRequest{err}
	}
	if err := ippools.CheckUpdate(old, pool, nil); err != nil {
		return err
	}
	if !pool.DeletionTimestamp.IsZero() {
		return nil
	}
	if ws := ippools.WorkspaceOf(pool); ws != ippools.WorkspaceOf(old) {
		if err := v.workspaceExists(ctx, ws); err != nil {
			return err
		}
	}
	if ippools.IsDefault(pool) && !ippools.IsDefault(old) {
		existing, err := v.pools(ctx)
		if err != nil {
			return err
		}
		return ippools.CheckUpdate(old, pool, existing)
	}
	return nil
}

func (v *poolValidator) pools(ctx context.Context) ([]networkv1alpha1.IPPool, error) {
	var l networkv1alpha1.IPPoolList
	if err := v.reader.List(ctx, &l); err != nil {
		return nil, fmt.Errorf("list ip pools: %w", err)
	}
	return l.Items, nil
}

// workspaceExists refuses a pool assigned to a workspace that does not
// exist; "" is no workspace.
func (v *poolValidator) workspaceExists(ctx context.Context, ws string) error {
	if ws == "" {
		return nil
	}
	err := v.reader.Get(ctx, client.ObjectKey{Name: ws}, &tenantv1beta1.Workspace{})
	if apierrors.IsNotFound(err) {
		return &ippools.NotFoundError{Field: "metadata.labels[" + ippools.WorkspaceLabel + "]", Kind: "Workspace", Name: ws, Err: err}
	}
	if err != nil {
		return fmt.Errorf("get workspace %q: %w", ws, err)
	}
	return nil
}

// badRequest marks a malformed admission request.
type badRequest struct{ error }

func (b badRequest) Unwrap() error { return b.error }

// respond turns a check's result into a response: typed refusals are
// denials carrying their message, a malformed request is a 400, anything
// else (a failed read) a 500, which the failure policy then decides.
func respond(err error) admission.Response {
	if err == nil {
		return admission.Allowed("")
	}
	var br badRequest
	if errors.As(err, &br) {
		return admission.Errored(http.StatusBadRequest, br.error)
	}
	var ie *ippools.InvalidError
	var ce *ippools.ConflictError
	var nf *ippools.NotFoundError
	if errors.As(err, &ie) || errors.As(err, &ce) || errors.As(err, &nf) {
		return admission.Denied(err.Error())
	}
	return admission.Errored(http.StatusInternalServerError, err)
}
