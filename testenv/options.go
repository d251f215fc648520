package testenv

import (
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// Environment variables testenv reads.
const (
	// EnvBinaries names a folder of prebuilt binaries (etcd, kube-apiserver,
	// kube-controller-manager, kube-scheduler, kwok). Binaries found there are
	// used as they are; the others are built. KUBEBUILDER_ASSETS is honoured
	// the same way, after this variable.
	EnvBinaries = "SPHEREKIT_TESTENV_BINARIES"
	// EnvCacheDir overrides the folder where built binaries are cached.
	EnvCacheDir = provision.EnvCacheDir
)

// KubernetesVersion is the Kubernetes version testenv runs by default, and
// the only one it can build.
const KubernetesVersion = "1.37.2"

// Options configures Start. The zero value starts an API-only control plane
// (etcd and kube-apiserver) with every spherekit CRD installed.
type Options struct {
	// Nodes, when above zero, also runs kube-controller-manager,
	// kube-scheduler and kwok with that many simulated nodes, so Deployments
	// roll out and pods reach Running. Each node offers 32 CPUs, 256Gi of
	// memory and 110 pods.
	Nodes int

	// NodeMetrics, with Nodes, makes kwok serve kubelet-style metrics of
	// simulated usage for every node over HTTP on a free loopback port
	// (Cluster.NodeMetricsAddress): per container CPU seconds and memory
	// working set, set per pod through UsageCPUAnnotation and
	// UsageMemoryAnnotation. A real Prometheus can scrape them (see
	// testenv/prometheus).
	NodeMetrics bool

	// KubernetesVersion selects the control-plane version; empty means
	// KubernetesVersion. A leading "v" is accepted.
	KubernetesVersion string

	// Scheme is the scheme of the Cluster's client. Nil means client-go's
	// kinds, CustomResourceDefinitions and every spherekit API group.
	Scheme *runtime.Scheme

	// CRDs are installed in addition to the SDK's own (crds.All()).
	CRDs []*apiextensionsv1.CustomResourceDefinition

	// ValidatingWebhooks and MutatingWebhooks are installed pointing at a
	// webhook server the test runs; see Cluster.WebhookServerOptions. The
	// path of each webhook is taken from its clientConfig.service.path.
	ValidatingWebhooks []*admissionregistrationv1.ValidatingWebhookConfiguration
	MutatingWebhooks   []*admissionregistrationv1.MutatingWebhookConfiguration

	// AuthenticationConfig, when set, is kube-apiserver's structured
	// authentication configuration (an apiserver.config.k8s.io/v1
	// AuthenticationConfiguration in YAML), passed with
	// --authentication-config: for example JWT issuers whose tokens it
	// accepts (see tenancy/authn's KubernetesAuthenticationConfig). An
	// issuer must answer its discovery document when the API server starts,
	// or the API server retries every ten seconds.
	AuthenticationConfig []byte

	// Audit, when set, makes kube-apiserver send audit events to a webhook
	// the test serves on the audit webhook server.
	Audit *AuditOptions

	// Progress receives one line per provisioning and start-up step. Nil
	// discards them; Run uses standard error.
	Progress io.Writer

	// BinaryDir is a folder of prebuilt binaries, tried before the
	// environment variables EnvBinaries and KUBEBUILDER_ASSETS.
	BinaryDir string

	// CacheDir is where built binaries are kept. Empty means EnvCacheDir, or
	// else spherekit/testenv under the user cache folder.
	CacheDir string

	// StartTimeout bounds the start of each control-plane process. Zero means
	// one minute.
	StartTimeout time.Duration
}

func (o Options) validate() error {
	if o.Nodes < 0 {
		return &OptionsError{Field: "Nodes", Reason: "must not be negative"}
	}
	if o.NodeMetrics && o.Nodes == 0 {
		return &OptionsError{Field: "NodeMetrics", Reason: "needs simulated nodes (Nodes above zero)"}
	}
	if o.Nodes > 1000 {
		return &OptionsError{Field: "Nodes", Reason: "at most 1000 simulated nodes are supported"}
	}
	if v := strings.TrimPrefix(o.KubernetesVersion, "v"); v != "" && v != KubernetesVersion {
		return &OptionsError{Field: "KubernetesVersion", Reason: "unsupported version " + o.KubernetesVersion + "; testenv builds " + KubernetesVersion}
	}
	if err := o.Audit.validate(); err != nil {
		return err
	}
	if o.StartTimeout < 0 {
		return &OptionsError{Field: "StartTimeout", Reason: "must not be negative"}
	}
	for i, w := range o.ValidatingWebhooks {
		if w == nil || w.Name == "" {
			return &OptionsError{Field: "ValidatingWebhooks", Reason: "entry " + strconv.Itoa(i) + " has no name"}
		}
	}
	for i, w := range o.MutatingWebhooks {
		if w == nil || w.Name == "" {
			return &OptionsError{Field: "MutatingWebhooks", Reason: "entry " + strconv.Itoa(i) + " has no name"}
		}
	}
	for i, c := range o.CRDs {
		if c == nil || c.Name == "" {
			return &OptionsError{Field: "CRDs", Reason: "entry " + strconv.Itoa(i) + " has no name"}
		}
	}
	if o.BinaryDir != "" {
		if fi, err := os.Stat(o.BinaryDir); err != nil || !fi.IsDir() {
			return &OptionsError{Field: "BinaryDir", Reason: o.BinaryDir + " is not a folder"}
		}
	}
	return nil
}

func (o Options) startTimeout() time.Duration {
	if o.StartTimeout == 0 {
		return time.Minute
	}
	return o.StartTimeout
}

// binarySearchPath lists the folders of prebuilt binaries in the order they
// are tried.
func (o Options) binarySearchPath() []string {
	var dirs []string
	for _, d := range []string{o.BinaryDir, os.Getenv(EnvBinaries), os.Getenv("KUBEBUILDER_ASSETS")} {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	return dirs
}
