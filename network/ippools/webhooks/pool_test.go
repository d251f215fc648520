package webhooks_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	"github.com/spherekit/spherekit/network/ippools"
)

// denied checks that err is the webhook's refusal mentioning want.
func denied(t *testing.T, err error, want string) {
	t.Helper()
	require.Error(t, err)
	assert.True(t, apierrors.IsForbidden(err), "want a denial, got %v", err)
	assert.Contains(t, err.Error(), want)
}

// TestPoolCreate writes pools past the Client: what the CRD's schema
// (KubeSphere's) accepts but the rules refuse is denied, and nothing is
// stored.
func TestPoolCreate(t *testing.T) {
	ctx := context.Background()
	ws := newWorkspace(t)
	taken := nextCIDR()
	create(t, newPool(name("taken"), "calico", taken, nil))
	create(t, newPool(name("default"), "calico", nextCIDR(), map[string]string{networkv1alpha1.IPPoolDefaultLabel: ""}))
	fresh := nextCIDR()
	net16 := strings.TrimSuffix(fresh, ".0.0/16")
	withRange := func(p *networkv1alpha1.IPPool, s, e string) *networkv1alpha1.IPPool {
		p.Spec.RangeStart, p.Spec.RangeEnd = s, e
		return p
	}
	withBlock := func(p *networkv1alpha1.IPPool, b int) *networkv1alpha1.IPPool {
		p.Spec.BlockSize = b
		return p
	}
	tests := []struct {
		name string
		pool *networkv1alpha1.IPPool
		want string // "" admits
	}{
		{"fine", newPool(name("p"), "calico", fresh, map[string]string{ippools.WorkspaceLabel: ws}), ""},
		{"malformed cidr", newPool(name("p"), "calico", "testxxx", nil), "spec.cidr"},
		{"host bits", newPool(name("p"), "calico", net16+".0.1/16", nil), "spec.cidr"},
		{"ipv4 /32", newPool(name("p"), "calico", net16+".0.1/32", nil), "spec.cidr"},
		{"range reversed", withRange(newPool(name("p"), "vlan", fresh, nil), net16+".0.9", net16+".0.1"), "spec.rangeEnd"},
		{"range outside", withRange(newPool(name("p"), "vlan", fresh, nil), "192.168.3.100", "192.168.3.111"), "spec.rangeStart"},
		{"block size under the prefix", withBlock(newPool(name("p"), "vlan", fresh, nil), 8), "spec.blockSize"},
		{"calico block size", withBlock(newPool(name("p"), "calico", "fd00:9::/64", nil), 100), "spec.blockSize"},
		{"overlap", newPool(name("p"), "calico", strings.TrimSuffix(taken, "/16")+"/24", nil), "spec.cidr"},
		{"overlap of another ID passes", newPool(name("p"), "porter", strings.TrimSuffix(taken, "/16")+"/24", nil), ""},
		{"second default", newPool(name("p"), "calico", "10.255.0.0/16", map[string]string{networkv1alpha1.IPPoolDefaultLabel: ""}), "at most one"},
		{"unknown workspace", newPool(name("p"), "calico", "10.254.0.0/16", map[string]string{ippools.WorkspaceLabel: "ghost"}), "ghost"},
		{"unknown type", newPool(name("p"), "weave", "10.253.0.0/16", nil), "spec.type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := env.Client.Create(ctx, tt.pool)
			if tt.want == "" {
				require.NoError(t, err)
				t.Cleanup(func() { _ = env.Client.Delete(ctx, tt.pool) })
				return
			}
			denied(t, err, tt.want)
			err = env.Client.Get(ctx, client.ObjectKeyFromObject(tt.pool), &networkv1alpha1.IPPool{})
			assert.True(t, apierrors.IsNotFound(err), "a refused pool was stored")
		})
	}
}

func TestPoolUpdate(t *testing.T) {
	ctx := context.Background()
	a, b := newWorkspace(t), newWorkspace(t)
	create(t, newPool(name("default"), "calico", nextCIDR(), map[string]string{networkv1alpha1.IPPoolDefaultLabel: ""}))
	p := newPool(name("p"), "calico", nextCIDR(), nil)
	create(t, p)
	update := func(change func(*networkv1alpha1.IPPool)) error {
		cur := &networkv1alpha1.IPPool{}
		require.NoError(t, env.Client.Get(ctx, client.ObjectKeyFromObject(p), cur))
		change(cur)
		return env.Client.Update(ctx, cur)
	}
	denied(t, update(func(p *networkv1alpha1.IPPool) { p.Spec.CIDR = "10.250.0.0/16" }), "spec.cidr")
	denied(t, update(func(p *networkv1alpha1.IPPool) { p.Spec.BlockSize = 28 }), "spec.blockSize")
	denied(t, update(func(p *networkv1alpha1.IPPool) { p.Labels = map[string]string{networkv1alpha1.IPPoolDefaultLabel: ""} }), "at most one")
	denied(t, update(func(p *networkv1alpha1.IPPool) { p.Labels = map[string]string{ippools.WorkspaceLabel: "ghost"} }), "ghost")
	require.NoError(t, update(func(p *networkv1alpha1.IPPool) { p.Labels = map[string]string{ippools.WorkspaceLabel: a} }))

	// In use by a's projects: neither disabled nor moved to b.
	setAllocations(t, p, 4, map[string]int{a: 4})
	denied(t, update(func(p *networkv1alpha1.IPPool) { p.Spec.Disabled = true }), "in use")
	denied(t, update(func(p *networkv1alpha1.IPPool) { p.Labels[ippools.WorkspaceLabel] = b }), "allocated to workspaces")
	// Other changes pass: KubeSphere's controller adds its finalizer and labels.
	require.NoError(t, update(func(p *networkv1alpha1.IPPool) {
		p.Finalizers = append(p.Finalizers, networkv1alpha1.IPPoolFinalizer)
		p.Labels[networkv1alpha1.IPPoolIDLabel] = "4099"
		p.Labels[networkv1alpha1.IPPoolTypeLabel] = "calico"
		p.Labels[networkv1alpha1.IPPoolNameLabel] = p.Name
	}))

	// Deleting it is refused while in use; once free, a delete marks it,
	// and the controller's disabling and finalizer removal pass.
	denied(t, env.Client.Delete(ctx, p), "in use")
	setAllocations(t, p, 0, nil)
	require.NoError(t, env.Client.Delete(ctx, p))
	require.NoError(t, update(func(p *networkv1alpha1.IPPool) { p.Spec.Disabled = true }))
	require.NoError(t, update(func(p *networkv1alpha1.IPPool) { p.Finalizers = nil }))
	err := env.Client.Get(ctx, client.ObjectKeyFromObject(p), &networkv1alpha1.IPPool{})
	assert.True(t, apierrors.IsNotFound(err))
}

// TestClientAndWebhookAgree: what the Client refuses the webhook refuses
// too, so a write cannot get around a rule by skipping the Client.
func TestClientAndWebhookAgree(t *testing.T) {
	ctx := context.Background()
	pc, err := ippools.NewClient(env.Client, ippools.ClientOptions{})
	require.NoError(t, err)
	taken := nextCIDR()
	create(t, newPool(name("taken"), "calico", taken, nil))
	for _, cidr := range []string{"x", "10.0.0.1/8", strings.TrimSuffix(taken, "/16") + "/17", "::ffff:10.0.0.0/104", "10.9.9.9/32"} {
		n := name("p")
		_, clientErr := pc.CreatePool(ctx, n, networkv1alpha1.IPPoolSpec{Type: "calico", CIDR: cidr}, ippools.CreatePoolOptions{})
		require.Error(t, clientErr, cidr)
		denied(t, env.Client.Create(ctx, newPool(n, "calico", cidr, nil)), "spec.cidr")
	}
}
