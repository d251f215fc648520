package controllers_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/spherekit/spherekit/observability/alerting"
	"github.com/spherekit/spherekit/observability/alerting/controllers"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
)

// TestRulesFileMode: a reconciler in rules-file mode (no reload URL; the
// reload against a real Prometheus is tested in observability/alerting)
// writes exactly Rendered.RulesFile into the namespace's file, leaves an
// unchanged file alone, and removes it when the namespace has no enabled
// group left.
func TestRulesFileMode(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	dir := t.TempDir()
	r := &controllers.RuleGroupReconciler{Client: env.Client, Output: &controllers.Output{RulesFiles: &controllers.RulesFiles{Dir: dir}}}
	g := &alertingv2beta1.RuleGroup{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "web", Labels: map[string]string{alertingv2beta1.EnableLabel: "true"}},
		Spec: alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.NamespaceRule{{Rule: alertingv2beta1.Rule{Alert: "Down", Expr: intstr.FromString("up == 0"),
			Labels: map[string]string{alertingv2beta1.LabelRuleID: "r1"}}}}}}
	require.NoError(t, env.Client.Create(ctx, g))
	req := ctrl.Request{NamespacedName: client.ObjectKey{Name: ns.Name}}
	_, err := r.Reconcile(ctx, req)
	require.NoError(t, err)

	path := filepath.Join(dir, controllers.FileName(alerting.Namespace(ns.Name)))
	assert.Equal(t, "alertrules-ns-"+ns.Name+".yaml", filepath.Base(path))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	want, err := alerting.RenderNamespace(ns.Name, []alertingv2beta1.RuleGroup{*g}).RulesFile()
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
	before, err := os.Stat(path)
	require.NoError(t, err)

	_, err = r.Reconcile(ctx, req)
	require.NoError(t, err)
	after, err := os.Stat(path)
	require.NoError(t, err)
	assert.True(t, os.SameFile(before, after), "an unchanged file was replaced")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "a temporary file was left")

	require.NoError(t, env.Client.Delete(ctx, g))
	require.NoError(t, env.Client.Get(ctx, client.ObjectKey{Name: ns.Name}, ns)) // the API server has the delete
	_, err = r.Reconcile(ctx, req)
	require.NoError(t, err)
	_, err = os.Stat(path)
	assert.True(t, os.IsNotExist(err), "the file of a namespace without groups stayed")

	for _, f := range []string{controllers.FileName(alerting.Cluster()), controllers.FileName(alerting.Global())} {
		assert.Contains(t, []string{"alertrules-cl.yaml", "alertrules-gl.yaml"}, f)
	}
}
