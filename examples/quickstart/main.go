// Command quickstart is a tour of spherekit. With --kubeconfig (or KUBECONFIG)
// it uses that cluster; without one it starts an embedded local cluster with
// three simulated nodes (building the control plane from source on first use)
// and tears it down at the end.
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
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/spherekit/spherekit"
	"github.com/spherekit/spherekit/crds"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
	"github.com/spherekit/spherekit/testenv"
)

func main() {
	// A flag set of its own: controller-runtime registers its own --kubeconfig
	// on the global one.
	fs := flag.NewFlagSet("quickstart", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster to use; empty starts an embedded local cluster")
	nodes := fs.Int("nodes", 3, "simulated nodes of the embedded cluster")
	_ = fs.Parse(os.Args[1:])
	ctrllog.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapLevelErrors)))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, *kubeconfig, *nodes); err != nil {
		fmt.Fprintf(os.Stderr, "quickstart: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, kubeconfig string, nodes int) (err error) {
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

	var cfg *rest.Config
	var c client.Client
	if kubeconfig == "" {
		fmt.Fprintf(out, "No kubeconfig given: starting an embedded cluster (etcd, kube-apiserver, controller-manager, scheduler, %d simulated nodes).\n", nodes)
		fmt.Fprintln(out, "The first run builds the control plane from source through the Go module proxy and caches it; that takes several minutes.")
		cluster, err := testenv.Start(ctx, testenv.Options{Nodes: nodes, Scheme: scheme, Progress: os.Stderr})
		if err != nil {
			return fmt.Errorf("start embedded cluster: %w", err)
		}
		defer func() {
			fmt.Fprintln(out, "Tearing down the embedded cluster.")
			err = errors.Join(err, cluster.Stop())
		}()
		cfg, c = cluster.Config, cluster.Client
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

	ws := &tenantv1beta1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Name: "quickstart-" + rand.String(5)},
		Spec:       tenantv1beta1.WorkspaceSpec{Manager: "admin"},
	}
	if err := c.Create(ctx, ws); err != nil {
		return fmt.Errorf("create workspace: %w", err)
	}
	fmt.Fprintf(out, "Created workspace %s (manager %s).\n", ws.Name, ws.Spec.Manager)
	defer func() {
		delErr := c.Delete(context.WithoutCancel(ctx), ws)
		if delErr != nil && !apierrors.IsNotFound(delErr) {
			err = errors.Join(err, fmt.Errorf("delete workspace: %w", delErr))
			return
		}
		fmt.Fprintf(out, "Deleted workspace %s.\n", ws.Name)
	}()

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
