package testenv

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/spherekit/spherekit/testenv/internal/process"
	"github.com/spherekit/spherekit/testenv/internal/servercert"
)

// AuditOptions makes kube-apiserver send its audit events to a webhook the
// test serves, as a cluster's audit sink is configured in production
// (kube-apiserver's --audit-policy-file and --audit-webhook-config-file,
// in batch mode). The events arrive as audit.k8s.io/v1 EventLists, POSTed
// over HTTPS to Path on the audit webhook server (see
// Cluster.AuditServerOptions): serve them there with a controller-runtime
// webhook server, whose certificates the API server trusts. Until that server answers, the API server retries each batch
// with backoff and then drops it, as it does in production.
type AuditOptions struct {
	// Path is the path on the webhook server that receives the events,
	// such as /audit. Required.
	Path string
	// Token, when set, is the bearer token the API server sends with every
	// batch, for a sink that checks its caller.
	Token string
	// Policy is an audit.k8s.io/v1 Policy in YAML. Empty means
	// DefaultAuditPolicy.
	Policy []byte
	// BatchMaxWait is how long the API server buffers events before it
	// sends a batch (--audit-webhook-batch-max-wait). Zero means one
	// second; the API server's own default is thirty.
	BatchMaxWait time.Duration
}

// DefaultAuditPolicy records every request at the Metadata level (who did
// what to which object, and the answer's status, without bodies) once its
// response is complete, except the health and version probes.
const DefaultAuditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version", "/openapi*"]
- level: Metadata
`

func (o *AuditOptions) validate() error {
	if o == nil {
		return nil
	}
	switch {
	case !strings.HasPrefix(o.Path, "/"):
		return &OptionsError{Field: "Audit.Path", Reason: "must be a path starting with /"}
	case o.BatchMaxWait < 0:
		return &OptionsError{Field: "Audit.BatchMaxWait", Reason: "must not be negative"}
	}
	return nil
}

// configureAudit makes the audit webhook server's certificates (a CA of
// its own) and address, and passes the audit flags to the API server.
// envtest makes the admission webhook server's certificates only once the
// API server runs, too late for the API server's audit configuration, so
// the audit sink has a server of its own.
func (c *Cluster) configureAudit(api *envtest.APIServer) error {
	a := c.opts.Audit
	certs, err := servercert.New("spherekit testenv audit webhook CA")
	if err != nil {
		return fmt.Errorf("testenv: audit webhook certificates: %w", err)
	}
	certDir := filepath.Join(c.dir, "audit-webhook")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	for name, data := range map[string][]byte{"tls.crt": certs.Cert, "tls.key": certs.Key} {
		if err := os.WriteFile(filepath.Join(certDir, name), data, 0o600); err != nil {
			return fmt.Errorf("testenv: %w", err)
		}
	}
	port, err := process.FreePort()
	if err != nil {
		return fmt.Errorf("testenv: choose the audit webhook's port: %w", err)
	}
	c.auditServer = webhook.Options{Host: "127.0.0.1", Port: port, CertDir: certDir}

	policy := a.Policy
	if len(policy) == 0 {
		policy = []byte(DefaultAuditPolicy)
	}
	policyPath := filepath.Join(c.dir, "audit-policy.yaml")
	if err := os.WriteFile(policyPath, policy, 0o600); err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	kubeconfig := clientcmdapi.NewConfig()
	kubeconfig.Clusters["sink"] = &clientcmdapi.Cluster{
		Server:                   "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + a.Path,
		CertificateAuthorityData: certs.CA,
	}
	kubeconfig.AuthInfos["apiserver"] = &clientcmdapi.AuthInfo{Token: a.Token}
	kubeconfig.Contexts["sink"] = &clientcmdapi.Context{Cluster: "sink", AuthInfo: "apiserver"}
	kubeconfig.CurrentContext = "sink"
	webhookPath := filepath.Join(c.dir, "audit-webhook.kubeconfig")
	if err := clientcmd.WriteToFile(*kubeconfig, webhookPath); err != nil {
		return fmt.Errorf("testenv: write the audit webhook kubeconfig: %w", err)
	}
	wait := a.BatchMaxWait
	if wait == 0 {
		wait = time.Second
	}
	args := api.Configure()
	args.Append("audit-policy-file", policyPath)
	args.Append("audit-webhook-config-file", webhookPath)
	args.Append("audit-webhook-mode", "batch")
	args.Append("audit-webhook-batch-max-wait", wait.String())
	return nil
}

// AuditServerOptions returns the options of a controller-runtime webhook
// server that receives the API server's audit batches (Options.Audit) at
// AuditOptions.Path: its address, and certificates the API server trusts.
// It is not the admission webhook server (WebhookServerOptions). Empty
// without Options.Audit.
func (c *Cluster) AuditServerOptions() webhook.Options {
	return c.auditServer
}
