// Command quickstart is a tour of spherekit. With --kubeconfig (or KUBECONFIG)
// it uses that cluster; without one it starts an embedded local cluster with
// three simulated nodes (building the control plane from source on first use)
// and tears it down at the end.
//
// It runs the tenancy controllers in its own process, as a program embedding
// spherekit does, then creates users, a workspace with a manager, a project
// with members and a workspace quota, asks whether workloads would fit, logs
// a user in (and, on the embedded cluster, uses the kubeconfig spherekit
// writes for him, which kube-apiserver itself accepts), describes what each
// storage class can do (and, on the embedded cluster, snapshots a volume on
// a real CSI stack, restores and expands it), reads the project's usage
// from a real Prometheus and, as a project member, its Kubernetes events and
// audit trail from a real VictoriaLogs (both on the embedded cluster), and
// removes what it created.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart --kubeconfig ~/.kube/config
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	snapshotv1 "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/spherekit/spherekit"
	"github.com/spherekit/spherekit/crds"
	netcontrollers "github.com/spherekit/spherekit/network/controllers"
	"github.com/spherekit/spherekit/resources"
	"github.com/spherekit/spherekit/tenancy"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/tenancy/authn"
	"github.com/spherekit/spherekit/tenancy/authz"
	"github.com/spherekit/spherekit/tenancy/controllers"
	"github.com/spherekit/spherekit/testenv"
	"github.com/spherekit/spherekit/testenv/csi"
)

// tourPassword is the password of the tour's users.
const tourPassword = "Quickst4rtPassword"

func main() {
	// A flag set of its own: controller-runtime registers its own --kubeconfig
	// on the global one.
	fs := flag.NewFlagSet("quickstart", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster to use; empty starts an embedded local cluster")
	nodes := fs.Int("nodes", 3, "simulated nodes of the embedded cluster")
	prom := fs.String("prometheus", "", "address of a Prometheus watching the cluster, with spherekit's recording rules (monitoring.RecordingRules); empty starts one for the embedded cluster and skips monitoring on a given one")
	_ = fs.Parse(os.Args[1:])
	ctrllog.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapLevelErrors)))

	// Ctrl-C or SIGTERM ends ctx: the tour stops and removes what it
	// created, the embedded cluster is stopped (its folder removed), and
	// quickstart exits with status 1. A second signal exits at once; the
	// embedded cluster's processes still die with quickstart (on Linux, see
	// package testenv), and the next embedded cluster removes its folder.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // the default action for the next signal
	}()
	if err := run(ctx, os.Stdout, options{kubeconfig: *kubeconfig, nodes: *nodes, prometheus: *prom}); err != nil {
		fmt.Fprintf(os.Stderr, "quickstart: %v\n", err)
		os.Exit(1)
	}
}

// options are quickstart's flags.
type options struct {
	kubeconfig string
	nodes      int
	prometheus string
}

func run(ctx context.Context, out io.Writer, o options) (err error) {
	kubeconfig, nodes := o.kubeconfig, o.nodes
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		return err
	}
	if err := spherekit.AddToScheme(scheme); err != nil {
		return err
	}
	if err := snapshotv1.AddToScheme(scheme); err != nil {
		return err
	}

	var cfg *rest.Config
	var c client.Client
	var iss *issuer
	var promAPI promv1.API
	var driver *csi.Driver
	var class string
	var logs *logStack
	if o.prometheus != "" {
		if promAPI, err = prometheusAPI(o.prometheus); err != nil {
			return err
		}
	}
	if kubeconfig == "" {
		fmt.Fprintf(out, "No kubeconfig given: starting an embedded cluster (etcd, kube-apiserver, controller-manager, scheduler, %d simulated nodes).\n", nodes)
		fmt.Fprintln(out, "The first run builds the control plane from source through the Go module proxy and caches it; that takes several minutes.")
		// The embedded cluster's kube-apiserver trusts the tour's token
		// issuer, so a user's kubeconfig from spherekit works there.
		if iss, err = startIssuer(); err != nil {
			return err
		}
		defer iss.close()
		authConfig, err := iss.authenticationConfig()
		if err != nil {
			return err
		}
		// With nodes, kube-apiserver sends its audit trail to the tour's
		// sink, and the events controllers produce are exported.
		var audit *testenv.AuditOptions
		if nodes > 0 {
			logs = newLogStack()
			audit = logs.audit
		}
		cluster, err := testenv.Start(ctx, testenv.Options{Nodes: nodes, NodeMetrics: nodes > 0, Scheme: scheme, Progress: os.Stderr, AuthenticationConfig: authConfig, Audit: audit})
		if err != nil {
			return fmt.Errorf("start embedded cluster: %w", err)
		}
		defer func() {
			fmt.Fprintln(out, "Tearing down the embedded cluster.")
			err = errors.Join(err, cluster.Stop())
		}()
		cfg, c = cluster.Config, cluster.Client
		if promAPI == nil && nodes > 0 {
			fmt.Fprintln(out, "Starting kube-state-metrics and Prometheus (built from source the first time) with spherekit's recording rules.")
			stack, err := startMonitoring(ctx, cluster, os.Stderr)
			if err != nil {
				return err
			}
			defer func() { err = errors.Join(err, stack.stop()) }()
			promAPI = stack.prom.API()
		}
		if nodes > 0 {
			fmt.Fprintln(out, "Starting a CSI driver with the real provisioner, snapshotter and resizer sidecars (built from source the first time).")
			if driver, class, err = startStorage(ctx, cluster, os.Stderr); err != nil {
				return err
			}
			defer func() { err = errors.Join(err, driver.Stop()) }()
			fmt.Fprintln(out, "Starting VictoriaLogs for the cluster's events, audit trail and notification history, and mailpit as the SMTP server (both built from source the first time).")
			if err := logs.start(ctx, cluster, os.Stderr); err != nil {
				return err
			}
			defer func() { err = errors.Join(err, logs.stop()) }()
		}
	} else {
		fmt.Fprintf(out, "Using the cluster of %s.\n", kubeconfig)
		cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return fmt.Errorf("load kubeconfig: %w", err)
		}
		c, err = client.New(cfg, client.Options{Scheme: scheme})
		if err != nil {
			return fmt.Errorf("create client: %w", err)
		}
		installed, err := ensureCRDs(ctx, c)
		if err != nil {
			return err
		}
		for _, name := range installed {
			fmt.Fprintf(out, "Installed CRD %s (it stays installed).\n", name)
		}
	}

	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("create discovery client: %w", err)
	}
	version, err := dc.ServerVersion()
	if err != nil {
		return fmt.Errorf("read server version: %w", err)
	}
	var nodeList corev1.NodeList
	if err := c.List(ctx, &nodeList); err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	fmt.Fprintf(out, "Server version %s, %d nodes.\n", version.GitVersion, len(nodeList.Items))

	return tour(ctx, out, cfg, c, iss, promAPI, driver, class, logs)
}

// tour runs the tenancy controllers in this process, as a host program
// embedding spherekit would, and walks through workspaces, projects, members
// and quotas.
func tour(ctx context.Context, out io.Writer, cfg *rest.Config, c client.Client, iss *issuer, promAPI promv1.API, driver *csi.Driver, class string, logs *logStack) (err error) {
	mgrOpts := ctrl.Options{Scheme: c.Scheme(), Metrics: metricsserver.Options{BindAddress: "0"}}
	if logs != nil {
		mgrOpts.WebhookServer = webhook.NewServer(logs.webhook)
	}
	mgr, err := ctrl.NewManager(cfg, mgrOpts)
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	if logs != nil {
		if err := logs.setup(ctx, mgr); err != nil {
			return err
		}
	}
	// SkipNameValidation: the tour's tests run it several times in one process.
	if err := controllers.SetupWithManager(ctx, mgr, controllers.Options{Controller: controller.Options{SkipNameValidation: ptr.To(true)}}); err != nil {
		return fmt.Errorf("set up tenancy controllers: %w", err)
	}
	if err := netcontrollers.SetupWithManager(ctx, mgr, netcontrollers.Options{Controller: controller.Options{SkipNameValidation: ptr.To(true)}}); err != nil {
		return fmt.Errorf("set up network controllers: %w", err)
	}
	if err := authn.IndexFields(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	// The controllers outlive ctx: after Ctrl-C the tour still removes
	// what it created, which needs them to finish the deletions.
	mgrCtx, stopMgr := context.WithCancel(context.WithoutCancel(ctx))
	mgrDone := make(chan error, 1)
	go func() { mgrDone <- mgr.Start(mgrCtx) }()
	defer func() {
		stopMgr()
		err = errors.Join(err, <-mgrDone)
	}()
	fmt.Fprintln(out, "Started the tenancy and network controllers in this process.")

	tc, err := tenancy.NewClient(c, tenancy.ClientOptions{FieldOwner: "spherekit-quickstart"})
	if err != nil {
		return err
	}
	defaults, err := tc.EnsureDefaults(ctx, tenancy.EnsureDefaultsOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Ensured the built-in roles and role templates (%d created, %d already there).\n",
		len(defaults.Created), len(defaults.Unchanged)+len(defaults.Drifted)+len(defaults.Skipped))

	suffix := rand.String(5)
	alice, bob := "alice-"+suffix, "bob-"+suffix
	for _, u := range []string{alice, bob} {
		if _, err := tc.CreateUser(ctx, u, u+"@example.com", tenancy.CreateUserOptions{Password: tourPassword}); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "Created users %s and %s.\n", alice, bob)
	ws, project := "quickstart-"+suffix, "web-"+suffix
	defer func() { err = errors.Join(err, cleanUp(context.WithoutCancel(ctx), out, c, tc, ws, alice, bob)) }()

	if _, err := tc.CreateWorkspace(ctx, ws, tenancy.CreateWorkspaceOptions{Manager: alice, AliasName: "Quickstart"}); err != nil {
		return err
	}
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := tc.WaitForWorkspace(waitCtx, ws); err != nil {
		return err
	}
	fmt.Fprintf(out, "Created workspace %s (manager %s); its roles are in place.\n", ws, alice)
	if _, err := tc.CreateProject(ctx, ws, project, tenancy.CreateProjectOptions{Creator: alice}); err != nil {
		return err
	}
	if _, err := tc.WaitForProject(waitCtx, project); err != nil {
		return err
	}
	if err := tc.AddMember(ctx, tenancy.Project(project), bob, iamv1beta1.ProjectOperator); err != nil {
		return err
	}
	fmt.Fprintf(out, "Created project %s; %s is its admin, %s an operator.\n", project, alice, bob)
	members, err := tc.ListMembers(ctx, tenancy.Workspace(ws))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Workspace members:\n")
	for _, m := range members {
		fmt.Fprintf(out, "  %-14s %s\n", m.User, m.Role)
	}
	if members, err = tc.ListMembers(ctx, tenancy.Project(project)); err != nil {
		return err
	}
	fmt.Fprintf(out, "Project members:\n")
	for _, m := range members {
		fmt.Fprintf(out, "  %-14s %s\n", m.User, m.Role)
	}

	if err := explainAccess(ctx, out, mgr.GetCache(), bob, project); err != nil {
		return err
	}
	if err := loginTour(ctx, out, c, mgr.GetCache(), iss, cfg, bob, tourPassword, project); err != nil {
		return err
	}

	if err := networkTour(ctx, out, c, tc, ws, project, alice); err != nil {
		return err
	}

	if _, err := tc.SetWorkspaceQuota(ctx, ws, corev1.ResourceList{
		corev1.ResourceRequestsCPU: resource.MustParse("4"),
		"count/pods":               resource.MustParse("10"),
	}); err != nil {
		return err
	}
	fmt.Fprintln(out, "Set the workspace quota: requests.cpu=4, count/pods=10.")
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx", Resources: corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
	}}}}
	for _, replicas := range []int32{3, 5} {
		fit, err := tc.QuotaFit(ctx, project, spec, replicas)
		if err != nil {
			return err
		}
		if fit.Fits {
			fmt.Fprintf(out, "Would %d replicas of 1 CPU fit in %s? yes\n", replicas, project)
			continue
		}
		fmt.Fprintf(out, "Would %d replicas of 1 CPU fit in %s? no: %s\n", replicas, project, fit.Shortfalls[0])
	}

	if err := storageTour(ctx, out, c, driver, class, project); err != nil {
		return err
	}

	if promAPI == nil {
		fmt.Fprintln(out, "Skipped monitoring: no Prometheus (pass --prometheus with the address of one that has spherekit's recording rules).")
	} else if err := monitoringTour(ctx, out, c, promAPI, ws, project); err != nil {
		return err
	}

	if err := logsTour(ctx, out, mgr.GetCache(), logs, bob, project); err != nil {
		return err
	}
	if err := notifyTour(ctx, out, c, mgr.GetCache(), logs, bob, project); err != nil {
		return err
	}

	var list tenantv1beta1.WorkspaceList
	if err := c.List(ctx, &list); err != nil {
		return fmt.Errorf("list workspaces: %w", err)
	}
	fmt.Fprintf(out, "Workspaces (%d):\n", len(list.Items))
	for _, w := range list.Items {
		fmt.Fprintf(out, "  %-30s manager=%-12s age=%s\n", w.Name, w.Spec.Manager, time.Since(w.CreationTimestamp.Time).Round(time.Second))
	}
	return nil
}

// explainAccess asks the scoped authorizer, fed by the manager's cache,
// what bob may do in the project, and what he sees.
func explainAccess(ctx context.Context, out io.Writer, c cache.Cache, bob, project string) error {
	az, err := authz.NewFromCache(ctx, c, authz.Options{})
	if err != nil {
		return err
	}
	if err := az.WaitForSync(ctx); err != nil {
		return err
	}
	user := authz.User{Name: bob}
	update := authz.Attributes{User: user, Verb: "update", APIGroup: "apps", Resource: "deployments", Name: "web", Namespace: project}
	// The authorizer follows the cluster through the cache: wait for the
	// role the controllers aggregate for bob's binding.
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var d authz.Decision
	for {
		if d, err = az.Explain(ctx, update); err != nil || d.Allowed {
			break
		}
		select {
		case <-waitCtx.Done():
			return fmt.Errorf("%s never got the operator's rules: %w", bob, waitCtx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "May %s update deployment web in %s?\n  %s\n", bob, project, d.String())
	d, err = az.Explain(ctx, authz.Attributes{User: user, Verb: "create", APIGroup: "iam.kubesphere.io", Resource: "rolebindings", Namespace: project})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "May %s add members to %s?\n  %s\n", bob, project, strings.ReplaceAll(d.String(), "\n", "\n  "))
	var visible tenantv1beta1.WorkspaceTemplateList
	total, err := az.ListWorkspaces(ctx, c, user, resources.Query{SortBy: resources.SortByName, Ascending: true}, &visible)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Workspaces %s sees (%d):", bob, total)
	for _, w := range visible.Items {
		fmt.Fprintf(out, " %s", w.Name)
	}
	fmt.Fprintln(out)
	return nil
}

// cleanUp deletes the tour's workspace (and its projects) and users, and
// waits until the controllers have finished with them.
func cleanUp(ctx context.Context, out io.Writer, c client.Client, tc *tenancy.Client, ws string, users ...string) error {
	err := tc.DeleteWorkspace(ctx, ws, tenancy.DeleteWorkspaceOptions{Propagation: tenantv1beta1.DeletionPropagationBackground})
	if err != nil && !errors.Is(err, tenancy.ErrNotFound) {
		return fmt.Errorf("delete workspace: %w", err)
	}
	for _, u := range users {
		if err := c.Delete(ctx, &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: u}}); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete user %s: %w", u, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	gone := []client.Object{&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: ws}}}
	for _, u := range users {
		gone = append(gone, &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: u}})
	}
	for _, obj := range gone {
		for {
			err := c.Get(ctx, client.ObjectKeyFromObject(obj), obj)
			if apierrors.IsNotFound(err) {
				break
			}
			if err != nil {
				return fmt.Errorf("wait for %s to go: %w", obj.GetName(), err)
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("wait for %s to go: %w", obj.GetName(), ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	fmt.Fprintf(out, "Deleted workspace %s, its projects and the tour's users.\n", ws)
	return nil
}

// ensureCRDs creates the spherekit CRDs a cluster lacks and waits until they
// are served, returning the names it created.
func ensureCRDs(ctx context.Context, c client.Client) ([]string, error) {
	defs, err := crds.All()
	if err != nil {
		return nil, err
	}
	var created []string
	for _, d := range defs {
		err := c.Get(ctx, client.ObjectKeyFromObject(d), &apiextensionsv1.CustomResourceDefinition{})
		if err == nil {
			continue
		}
		if !apierrors.IsNotFound(err) {
			return created, fmt.Errorf("look up crd %s: %w", d.Name, err)
		}
		if err := c.Create(ctx, d); err != nil {
			return created, fmt.Errorf("install crd %s: %w", d.Name, err)
		}
		created = append(created, d.Name)
	}
	for _, name := range created {
		if err := waitEstablished(ctx, c, name); err != nil {
			return created, err
		}
	}
	return created, nil
}

func waitEstablished(ctx context.Context, c client.Client, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
			return fmt.Errorf("wait for crd %s: %w", name, err)
		}
		for _, cond := range crd.Status.Conditions {
			if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for crd %s: %w", name, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
