package controllers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/spherekit/spherekit/observability/alerting"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
)

// Output is where the reconcilers put the rendered rules: PrometheusRule
// objects for prometheus-operator (the default), or, with RulesFiles set,
// rules files a Prometheus without the operator loads.
type Output struct {
	// Namespace holds the PrometheusRules; empty means
	// alertingv2beta1.DefaultPrometheusRuleNamespace
	// (kubesphere-monitoring-system).
	Namespace string
	// FieldOwner is the field manager of the PrometheusRules; empty means
	// DefaultFieldOwner.
	FieldOwner string
	// RulesFiles, when set, replaces the PrometheusRules.
	RulesFiles *RulesFiles
}

// RulesFiles writes each scope's rules into a file of Dir and asks
// Prometheus to reload them. Point Prometheus's rule_files at Dir/*.yaml
// and start it with --web.enable-lifecycle. Use one RulesFiles value (by
// pointer) for every reconciler: it remembers a reload that failed.
type RulesFiles struct {
	// Dir holds the files: alertrules-ns-<namespace>.yaml,
	// alertrules-cl.yaml and alertrules-gl.yaml. It must exist.
	Dir string
	// PrometheusURL is Prometheus's base URL (http://host:9090): after a
	// file changes the reconciler POSTs PrometheusURL/-/reload. Empty
	// means no reload (Prometheus rereads its rules on its own schedule,
	// or a sidecar watches Dir).
	PrometheusURL string
	// HTTPClient sends the reload; nil means http.DefaultClient.
	HTTPClient *http.Client

	mu      sync.Mutex
	pending bool // a file changed since the last successful reload
}

func (o *Output) namespace() string {
	if o.Namespace == "" {
		return alertingv2beta1.DefaultPrometheusRuleNamespace
	}
	return o.Namespace
}

func (o *Output) fieldOwner() string {
	if o.FieldOwner == "" {
		return DefaultFieldOwner
	}
	return o.FieldOwner
}

// write makes what is stored for r's scope equal to r: PrometheusRules
// (owned by owner when it is set) or the scope's rules file.
func (o *Output) write(ctx context.Context, c client.Client, r alerting.Rendered, owner *metav1.OwnerReference) error {
	if o.RulesFiles != nil {
		return o.RulesFiles.write(ctx, r)
	}
	desired, err := r.PrometheusRules(o.namespace())
	if err != nil {
		return err
	}
	var current monitoringv1.PrometheusRuleList
	if err := c.List(ctx, &current, client.InNamespace(o.namespace()), client.MatchingLabels(r.Scope.PrometheusRuleLabels())); err != nil {
		return fmt.Errorf("list prometheus rules of %s: %w", r.Scope, err)
	}
	byName := make(map[string]*monitoringv1.PrometheusRule, len(current.Items))
	for i := range current.Items {
		byName[current.Items[i].Name] = &current.Items[i]
	}
	for _, want := range desired {
		if owner != nil {
			want.OwnerReferences = []metav1.OwnerReference{*owner}
		}
		have, ok := byName[want.Name]
		delete(byName, want.Name)
		if !ok {
			if err := c.Create(ctx, want, client.FieldOwner(o.fieldOwner())); err != nil {
				return fmt.Errorf("create prometheus rule %s/%s: %w", want.Namespace, want.Name, err)
			}
			continue
		}
		if equality.Semantic.DeepEqual(have.Spec, want.Spec) && equality.Semantic.DeepEqual(have.Labels, want.Labels) &&
			equality.Semantic.DeepEqual(have.OwnerReferences, want.OwnerReferences) {
			continue
		}
		want.ResourceVersion = have.ResourceVersion
		if err := c.Update(ctx, want, client.FieldOwner(o.fieldOwner())); err != nil {
			return fmt.Errorf("update prometheus rule %s/%s: %w", want.Namespace, want.Name, err)
		}
	}
	for _, stale := range byName {
		if err := c.Delete(ctx, stale, client.Preconditions{UID: &stale.UID}); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete prometheus rule %s/%s: %w", stale.Namespace, stale.Name, err)
		}
	}
	return nil
}

// FileName is the name of scope's rules file in RulesFiles.Dir.
func FileName(s alerting.Scope) string {
	switch s.Level() {
	case alertingv2beta1.LevelCluster:
		return alertingv2beta1.PrometheusRulePrefix + "cl.yaml"
	case alertingv2beta1.LevelGlobal:
		return alertingv2beta1.PrometheusRulePrefix + "gl.yaml"
	}
	return alertingv2beta1.PrometheusRulePrefixNamespaceLevel + s.Namespace() + ".yaml"
}

func (f *RulesFiles) write(ctx context.Context, r alerting.Rendered) error {
	path := filepath.Join(f.Dir, FileName(r.Scope))
	changed, err := f.replace(path, r)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = f.pending || changed
	if !f.pending || f.PrometheusURL == "" {
		return nil
	}
	if err := f.reload(ctx); err != nil {
		return err
	}
	f.pending = false
	ctrl.LoggerFrom(ctx).V(1).Info("prometheus reloaded its rules", "file", path)
	return nil
}

// replace makes path hold r's rules (no file when there are none) and
// says whether that changed anything. A new content is written to a
// temporary file and renamed, so Prometheus never reads half a file.
func (f *RulesFiles) replace(path string, r alerting.Rendered) (bool, error) {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return false, fmt.Errorf("read rules file: %w", err)
	}
	exists := err == nil
	if len(r.Groups) == 0 {
		if !exists {
			return false, nil
		}
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return false, fmt.Errorf("remove rules file: %w", err)
		}
		return true, nil
	}
	data, err := r.RulesFile()
	if err != nil {
		return false, err
	}
	if exists && bytes.Equal(old, data) {
		return false, nil
	}
	tmp, err := os.CreateTemp(f.Dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return false, fmt.Errorf("write rules file: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return false, fmt.Errorf("write rules file: %w", werr)
	}
	return true, nil
}

// enqueueFiles enqueues the namespace of every namespace rules file in
// Dir, so that after a restart a file whose groups are gone is removed.
func (f *RulesFiles) enqueueFiles(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
	entries, err := os.ReadDir(f.Dir)
	if err != nil {
		return fmt.Errorf("list rules files: %w", err)
	}
	for _, e := range entries {
		rest, prefixed := strings.CutPrefix(e.Name(), alertingv2beta1.PrometheusRulePrefixNamespaceLevel)
		ns, suffixed := strings.CutSuffix(rest, ".yaml")
		if prefixed && suffixed && ns != "" && !e.IsDir() {
			q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Name: ns}})
		}
	}
	return nil
}

func (f *RulesFiles) reload(ctx context.Context) error {
	hc := f.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(f.PrometheusURL, "/")+"/-/reload", nil)
	if err != nil {
		return fmt.Errorf("reload prometheus rules: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("reload prometheus rules: %w", err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reload prometheus rules: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// raceRecheck is how soon a reconcile that lost a race runs again.
const raceRecheck = 200 * time.Millisecond

// ignoreRace turns the errors of a lost race with another writer (or a
// cache behind the API server) into a requeue.
func ignoreRace(err error) (ctrl.Result, error) {
	if apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) {
		return ctrl.Result{RequeueAfter: raceRecheck}, nil
	}
	return ctrl.Result{}, err
}
