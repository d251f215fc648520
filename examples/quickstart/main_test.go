package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/spherekit/spherekit/testenv"
)

var env *testenv.Cluster

// quickstartArgsEnv makes the test binary run quickstart's main with these
// arguments instead of the tests (see TestMain).
const quickstartArgsEnv = "SPHEREKIT_QUICKSTART_ARGS"

func TestMain(m *testing.M) {
	// TestInterruptedTourLeavesNothing runs this binary as quickstart
	// itself.
	if args, ok := os.LookupEnv(quickstartArgsEnv); ok {
		os.Args = append([]string{"quickstart"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	ctrllog.SetLogger(logr.Discard())
	testenv.Run(m, testenv.Options{}, func(c *testenv.Cluster) { env = c })
}

// TestTourAgainstRunningCluster runs the tour with a kubeconfig, on a cluster
// that lacks the spherekit CRDs: the tour installs them.
func TestTourAgainstRunningCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	crd := &apiextensionsv1.CustomResourceDefinition{}
	crd.Name = "workspaces.tenant.kubesphere.io"
	require.NoError(t, env.Client.Delete(ctx, crd))
	// The apiextensions finalizer removes the CRD once its (absent)
	// instances are cleaned up; on a loaded machine under -race that has
	// taken over a minute, so wait on the test's context and say where the
	// deletion stood if it never finished.
	for {
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(crd), crd)
		if apierrors.IsNotFound(err) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("CRD %s was not deleted: get: %v; finalizers %v; conditions %+v", crd.Name, err, crd.Finalizers, crd.Status.Conditions)
		case <-time.After(100 * time.Millisecond):
		}
	}

	var out bytes.Buffer
	require.NoError(t, run(ctx, &out, options{kubeconfig: env.KubeconfigPath()}))
	s := out.String()
	t.Log(s)
	assert.Contains(t, s, "Installed CRD workspaces.tenant.kubesphere.io")
	assert.Contains(t, s, "Server version v"+testenv.KubernetesVersion+", 0 nodes.")
	assert.Regexp(t, `Created workspace quickstart-\w+ \(manager alice-\w+\)`, s)
	assert.Regexp(t, `Project members:\n  alice-\w+ +admin\n  bob-\w+ +operator\n`, s)
	assert.Regexp(t, `May bob-\w+ update deployment web in web-\w+\?\n  allowed: bob-\w+ may update deployments.apps "web" in namespace "web-\w+": RoleBinding web-\w+/bob-\w+-operator grants Role web-\w+/operator`, s)
	assert.Regexp(t, `May bob-\w+ add members to web-\w+\?\n  denied: no binding of bob-\w+ allows create rolebindings.iam.kubesphere.io in namespace "web-\w+" \(workspace "quickstart-\w+"\); closest:\n .*differs in verb`, s)
	assert.Regexp(t, `Workspaces bob-\w+ sees \(1\): quickstart-\w+\n`, s)
	assert.Regexp(t, `Before isolating web-\w+: the change would close 1 and open 0 connections:\n  api-\w+/api -> web-\w+/web on 8080/TCP: closed\n`, s)
	assert.Regexp(t, `Isolated web-\w+: NetworkPolicy nsnp-network-isolate admits only its own pods.\n`, s)
	assert.Regexp(t, `Opened web-\w+ to api-\w+ again with the project network policy allow-api.\n`, s)
	assert.Contains(t, s, "Would 3 replicas of 1 CPU fit")
	assert.Regexp(t, `Would 5 replicas of 1 CPU fit in web-\w+\? no: workspace quota quickstart-\w+: requests.cpu`, s)
	assert.Regexp(t, `Logged bob-\w+ in with his password: an access token for 2h0m0s and a refresh token.\n`, s)
	assert.Regexp(t, `The access token authenticates bob-\w+, groups \[system:authenticated\].\n`, s)
	assert.NotContains(t, s, "With the kubeconfig", "a given cluster does not trust the tour's issuer")
	assert.Regexp(t, `Logged bob-\w+ out: his token is refused now \(invalid token: revoked\).\n`, s)
	assert.Contains(t, s, "Skipped volume snapshots: on a given cluster the tour creates no volumes.")
	assert.Contains(t, s, "Skipped monitoring: no Prometheus")
	assert.Contains(t, s, "Skipped events and audit trail: on a given cluster the tour starts no log store.")
	assert.Contains(t, s, "Skipped notifications: on a given cluster the tour starts no mail server.")
	assert.Contains(t, s, "Workspaces (1):")
	assert.Contains(t, s, "Deleted workspace")

	// A second run finds the CRDs in place.
	out.Reset()
	require.NoError(t, run(ctx, &out, options{kubeconfig: env.KubeconfigPath()}))
	assert.NotContains(t, out.String(), "Installed CRD")
}

func TestTourOnEmbeddedCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out, options{nodes: 2}))
	s := out.String()
	assert.Contains(t, s, "starting an embedded cluster")
	assert.Contains(t, s, ", 2 nodes.")
	assert.Regexp(t, `With the kubeconfig spherekit wrote for bob-\w+, kube-apiserver lets him list pods in web-\w+ \(0\) and refuses kube-system.\n`, s)
	assert.Regexp(t, `  hostpath +provisioner=hostpath.csi.spherekit.io snapshot=Supported clone=Supported expand=Supported\n`, s)
	assert.Regexp(t, `Claimed volume data \(1Gi of class hostpath\) in web-\w+ and wrote hello.txt into it.\n`, s)
	assert.Contains(t, s, "Snapshot data-snap is ready to use (restore size 1Gi).")
	assert.Contains(t, s, `Restored it into claim data-restored, which holds hello.txt: "hello from the quickstart".`)
	assert.Contains(t, s, "Expanded data-restored to 2Gi.")
	assert.Contains(t, s, "Shrinking it back is refused: invalid size: ")
	assert.Regexp(t, `Project web-\w+ uses 0.5 CPU cores and 129 MiB of memory in 3 pods`, s)
	assert.Regexp(t, `Workspace quickstart-\w+ uses 0.5 CPU cores and 130 MiB of memory`, s)
	assert.Regexp(t, `Events of web-\w+ that bob-\w+ reads \(\d+, the latest \d\):\n  (Normal|Warning) `, s)
	assert.Regexp(t, `The audit trail of web-\w+ holds \d+ requests; the latest of bob-\w+'s: list pods → 200.\n`, s)
	assert.Contains(t, s, "His refused request in kube-system is audited too, but not his to read: he sees 0 there.")
	assert.Regexp(t, `An alert of web-\w+ reached bob-\w+'s mailbox: "\[firing\] alertname=KubePodCrashLooping namespace=web-\w+"`, s)
	assert.Regexp(t, `bob-\w+'s notification history: KubePodCrashLooping by email, sent\.`, s)
	assert.Contains(t, s, "Tearing down the embedded cluster.")
}

func TestTourFailsOnBadKubeconfig(t *testing.T) {
	path := t.TempDir() + "/kubeconfig"
	require.NoError(t, os.WriteFile(path, []byte("not: [a kubeconfig"), 0o600))
	err := run(context.Background(), &bytes.Buffer{}, options{kubeconfig: path})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "load kubeconfig")
}
