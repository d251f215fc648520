package provision

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Pinned upstream versions. They are the versions verified to build together
// with Go 1.26 through the module proxy.
const (
	KubernetesVersion = "v1.37.2"
	EtcdVersion       = "v3.6.7"
	KwokVersion       = "v0.8.0"
	GiteaVersion      = "v1.26.1"
	// PrometheusVersion is the module version of Prometheus 3.16.0 (the
	// Prometheus module numbers release 3.x.y as v0.30x.y / v0.3xx.y).
	PrometheusVersion       = "v0.316.0"
	PrometheusRelease       = "3.16.0"
	KubeStateMetricsVersion = "v2.18.0"

	// Versions of the Kubernetes CSI sidecars and of the CSI conformance
	// suite (csi-sanity). The sidecars are the releases whose modules use
	// github.com/container-storage-interface/spec v1.11.0.
	CSIProvisionerVersion = "v5.3.0"
	CSISnapshotterVersion = "v8.3.0"
	CSIResizerVersion     = "v1.14.0"
	CSISanityVersion      = "v5.4.0"

	// VictoriaLogsVersion is the log database spherekit's logging,
	// events and auditing store records in.
	VictoriaLogsVersion = "v1.52.1"

	// MailpitVersion is the SMTP server (with an HTTP API to read what it
	// received) spherekit's notification tests deliver email to.
	MailpitVersion = "v1.33.1"

	// AlertmanagerVersion is the Alertmanager (release 0.35.0) spherekit's
	// alerting and notification tests send alerts through.
	AlertmanagerVersion = "v0.35.0"

	// KwokStagesFile is the file, in the kwok cache entry, holding the Stage
	// objects kwok needs to move simulated nodes and pods through their
	// lifecycle.
	KwokStagesFile = "kwok-stages.yaml"

	// KwokUsageFile is the file, in the kwok cache entry, holding the
	// ClusterResourceUsage object, as the kwok module ships it, that sets
	// each pod's simulated usage from its annotations.
	KwokUsageFile = "kwok-usage.yaml"
)

// Typical cold build times, measured by the reporter of issue #10 on a quiet
// 2-core machine with empty module and build caches (one run). They are the
// progress lines' estimate until this machine has recorded a build.
const (
	typicalEtcdBuild       = 38 * time.Second
	typicalKubernetesBuild = 5*time.Minute + 49*time.Second
	typicalKwokBuild       = 55 * time.Second
	// typicalGiteaBuild: with empty module and build caches, the Gitea
	// recipe took 12m01s on a 2-core machine busy with other builds (load
	// 3.5): 1m35s resolving and downloading modules, 10m26s compiling (cgo
	// SQLite included), 860 CPU seconds in all, which is 7-8 minutes of a
	// quiet machine's two cores.
	typicalGiteaBuild = 8 * time.Minute
	// typicalPrometheusBuild: with an empty build cache and most modules
	// to download, the Prometheus recipe took 40m15s on a 2-core machine
	// shared with other builds (load 15): 1,215 CPU seconds (16m25s user,
	// 3m38s system), which is about 10 minutes of a quiet machine's two
	// cores. TESTBED.md's 3.5 minutes had the shared dependencies compiled.
	typicalPrometheusBuild = 5 * time.Minute
	// typicalKubeStateMetricsBuild: the same machine and load, right after
	// Prometheus: 16m40s, 368 CPU seconds (4m30s user, 1m38s system), about
	// 3 minutes of a quiet machine.
	typicalKubeStateMetricsBuild = 3 * time.Minute
	// The CSI sidecars and csi-sanity, measured by the helper of issue #12
	// on a 2-core machine busy with other builds and tests (load 3 to 5),
	// modules downloaded as the build went: csi-sanity 4m08s into the
	// cache (BenchmarkColdBuild/csi-sanity, empty build cache: 4m44s, 114
	// CPU seconds), then csi-provisioner 9m47s, external-snapshotter 6m09s
	// and csi-resizer 34s (after the other two, whose dependencies it
	// shares). The test bed notes had 71 s, 64 s, 7 s and 10 s with the
	// module cache warm on a quiet machine.
	typicalCSIProvisionerBuild = 5 * time.Minute
	typicalCSISnapshotterBuild = 4 * time.Minute
	typicalCSIResizerBuild     = 1 * time.Minute
	typicalCSISanityBuild      = 2 * time.Minute
	// typicalVictoriaLogsBuild: VictoriaLogs needs little beyond the
	// VictoriaMetrics libraries (no cloud SDKs, no client-go): 96 s with
	// empty build caches on a 2-core machine busy with a cold CI run
	// (2026-12-01).
	typicalVictoriaLogsBuild = 90 * time.Second
	// typicalMailpitBuild: the test bed's 29 s had the module cache warm;
	// with its modules to download and compile, about two minutes.
	typicalMailpitBuild = 2 * time.Minute
	// typicalAlertmanagerBuild: BenchmarkColdBuild/alertmanager (empty
	// build cache, its own modules downloaded as it went) took 11m02s on a
	// 2-core machine busy with a cold CI run (load 15 to 30), 202 CPU
	// seconds (179 user, 23 system), which is under two minutes of a quiet
	// machine's two cores (2026-12-01). With the build cache warm, a
	// rebuild of the cache entry (copy, tidy, link) took 9 s; TESTBED.md's
	// 33 s had the dependencies compiled.
	typicalAlertmanagerBuild = 2 * time.Minute
)

// Etcd builds etcd.
func Etcd() Component {
	return Component{
		Name:         "etcd",
		Module:       "go.etcd.io/etcd/server/v3",
		Version:      EtcdVersion,
		Binaries:     map[string]string{"etcd": "go.etcd.io/etcd/server/v3"},
		TypicalBuild: typicalEtcdBuild,
	}
}

// Kubernetes builds kube-apiserver, kube-controller-manager and
// kube-scheduler from k8s.io/kubernetes, whose staging modules must be
// replaced by their published v0 versions.
func Kubernetes() Component {
	return Component{
		Name:    "kubernetes",
		Module:  "k8s.io/kubernetes",
		Version: KubernetesVersion,
		Binaries: map[string]string{
			"kube-apiserver":          "k8s.io/kubernetes/cmd/kube-apiserver",
			"kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
			"kube-scheduler":          "k8s.io/kubernetes/cmd/kube-scheduler",
		},
		StagingReplaces: true,
		StagingVersion:  "v0" + KubernetesVersion[2:],
		LDFlags:         versionLDFlags(KubernetesVersion),
		Revision:        1,
		TypicalBuild:    typicalKubernetesBuild,
	}
}

// Kwok builds kwok and collects the Stage objects it needs for nodes that
// become Ready and pods that start, complete and delete.
func Kwok() Component {
	return Component{
		Name:         "kwok",
		Module:       "sigs.k8s.io/kwok",
		Version:      KwokVersion,
		Binaries:     map[string]string{"kwok": "sigs.k8s.io/kwok/cmd/kwok"},
		Assets:       kwokAssets,
		Revision:     3,
		TypicalBuild: typicalKwokBuild,
	}
}

// Prometheus builds the Prometheus server (cmd/prometheus) without its web
// UI: the UI's assets are built by npm and are not in the module, and the
// HTTP API works without them. It is built without service discovery
// (Prometheus's remove_all_sd tag): the test servers' scrape configs are
// static, and the discovery plugins' cloud SDKs and client-go were most of a
// cold build's CPU. The binary reports its release version.
func Prometheus() Component {
	return Component{
		Name:         "prometheus",
		Module:       "github.com/prometheus/prometheus",
		Version:      PrometheusVersion,
		Binaries:     map[string]string{"prometheus": "github.com/prometheus/prometheus/cmd/prometheus"},
		Tags:         []string{"remove_all_sd"},
		LDFlags:      promVersionLDFlags(PrometheusRelease),
		Revision:     1,
		TypicalBuild: typicalPrometheusBuild,
	}
}

// KubeStateMetrics builds kube-state-metrics in a module of its own: it
// does not build against the client-go the SDK uses.
func KubeStateMetrics() Component {
	return Component{
		Name:         "kube-state-metrics",
		Module:       "k8s.io/kube-state-metrics/v2",
		Version:      KubeStateMetricsVersion,
		Binaries:     map[string]string{"kube-state-metrics": "k8s.io/kube-state-metrics/v2"},
		LDFlags:      promVersionLDFlags(KubeStateMetricsVersion),
		TypicalBuild: typicalKubeStateMetricsBuild,
	}
}

// CSIProvisioner builds external-provisioner (csi-provisioner), the
// sidecar that creates and deletes volumes for PersistentVolumeClaims
// through a CSI driver's controller service.
func CSIProvisioner() Component {
	return Component{
		Name:         "csi-provisioner",
		Module:       "github.com/kubernetes-csi/external-provisioner/v5",
		Version:      CSIProvisionerVersion,
		Binaries:     map[string]string{"csi-provisioner": "github.com/kubernetes-csi/external-provisioner/v5/cmd/csi-provisioner"},
		LDFlags:      []string{"-X main.version=" + CSIProvisionerVersion},
		TypicalBuild: typicalCSIProvisionerBuild,
	}
}

// CSISnapshotter builds the two programs of external-snapshotter: the
// cluster-wide snapshot-controller, which binds VolumeSnapshots to
// VolumeSnapshotContents, and the csi-snapshotter sidecar, which cuts
// snapshots through a CSI driver. The module's go.mod replaces its client
// module by a folder, which a dependent module cannot follow; the published
// client module it requires builds it.
func CSISnapshotter() Component {
	return Component{
		Name:    "external-snapshotter",
		Module:  "github.com/kubernetes-csi/external-snapshotter/v8",
		Version: CSISnapshotterVersion,
		Binaries: map[string]string{
			"snapshot-controller": "github.com/kubernetes-csi/external-snapshotter/v8/cmd/snapshot-controller",
			"csi-snapshotter":     "github.com/kubernetes-csi/external-snapshotter/v8/cmd/csi-snapshotter",
		},
		LDFlags:      []string{"-X main.version=" + CSISnapshotterVersion},
		TypicalBuild: typicalCSISnapshotterBuild,
	}
}

// CSIResizer builds external-resizer (csi-resizer), the sidecar that
// expands volumes through a CSI driver when a claim asks for more.
func CSIResizer() Component {
	return Component{
		Name:         "csi-resizer",
		Module:       "github.com/kubernetes-csi/external-resizer",
		Version:      CSIResizerVersion,
		Binaries:     map[string]string{"csi-resizer": "github.com/kubernetes-csi/external-resizer/cmd/csi-resizer"},
		LDFlags:      []string{"-X main.version=" + CSIResizerVersion},
		TypicalBuild: typicalCSIResizerBuild,
	}
}

// CSISanity builds csi-sanity, the CSI project's conformance suite for
// drivers (github.com/kubernetes-csi/csi-test/v5), pinned: resolving the
// module without a version picks a newer release.
func CSISanity() Component {
	return Component{
		Name:         "csi-sanity",
		Module:       "github.com/kubernetes-csi/csi-test/v5",
		Version:      CSISanityVersion,
		Binaries:     map[string]string{"csi-sanity": "github.com/kubernetes-csi/csi-test/v5/cmd/csi-sanity"},
		LDFlags:      []string{"-X main.VERSION=" + CSISanityVersion},
		TypicalBuild: typicalCSISanityBuild,
	}
}

// VictoriaLogs builds the single-node VictoriaLogs server, without cgo (its
// zstd codec then is the pure-Go one, as in upstream's own tests). The
// binary reports its version at /select/buildinfo.
func VictoriaLogs() Component {
	return Component{
		Name:         "victoria-logs",
		Module:       "github.com/VictoriaMetrics/VictoriaLogs",
		Version:      VictoriaLogsVersion,
		Binaries:     map[string]string{"victoria-logs": "github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs"},
		LDFlags:      []string{"-X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-logs-" + VictoriaLogsVersion},
		TypicalBuild: typicalVictoriaLogsBuild,
	}
}

// Mailpit builds mailpit (MIT), an SMTP server that keeps what it
// receives and serves it over an HTTP API. Its web UI is embedded in the
// module, so the plain build serves it too.
func Mailpit() Component {
	return Component{
		Name:         "mailpit",
		Module:       "github.com/axllent/mailpit",
		Version:      MailpitVersion,
		Binaries:     map[string]string{"mailpit": "github.com/axllent/mailpit"},
		LDFlags:      []string{"-X github.com/axllent/mailpit/config.Version=" + MailpitVersion},
		TypicalBuild: typicalMailpitBuild,
	}
}

// Alertmanager builds the Alertmanager server (cmd/alertmanager, Apache-2.0)
// from a copy of its module: ui/web.go embeds ui/app/dist, the web UI's
// build output, which the module zip lacks, so the copy gets a placeholder
// page there (alertmanagerUIPlaceholder). The HTTP API and the notifiers
// work without the UI. The binary reports its release version.
func Alertmanager() Component {
	return Component{
		Name:         "alertmanager",
		Module:       "github.com/prometheus/alertmanager",
		Version:      AlertmanagerVersion,
		Binaries:     map[string]string{"alertmanager": "github.com/prometheus/alertmanager/cmd/alertmanager"},
		PatchModule:  alertmanagerUIPlaceholder,
		LDFlags:      promVersionLDFlags(strings.TrimPrefix(AlertmanagerVersion, "v")),
		TypicalBuild: typicalAlertmanagerBuild,
	}
}

// alertmanagerUIPlaceholder writes ui/app/dist/index.html into a copy of
// the Alertmanager module, unless the module has one, so that ui/web.go's
// `//go:embed app/dist` finds a file: the web UI then serves this page.
func alertmanagerUIPlaceholder(moduleDir string) error {
	dist := filepath.Join(moduleDir, "ui", "app", "dist")
	page := filepath.Join(dist, "index.html")
	if _, err := os.Stat(page); err == nil {
		return nil
	}
	if err := os.MkdirAll(dist, 0o755); err != nil {
		return err
	}
	const html = "<!DOCTYPE html>\n<title>Alertmanager</title>\n" +
		"<p>This Alertmanager was built by spherekit's testenv without its web UI; its API is at /api/v2/.</p>\n"
	return os.WriteFile(page, []byte(html), 0o644)
}

// promVersionLDFlags stamps the version that programs built on
// github.com/prometheus/common report (--version, build_info metrics).
func promVersionLDFlags(v string) []string {
	return []string{
		"-X github.com/prometheus/common/version.Version=" + v,
		"-X github.com/prometheus/common/version.Branch=release",
		"-X github.com/prometheus/common/version.BuildUser=spherekit-testenv",
	}
}

// GiteaAssets are the folders of the Gitea module that the Gitea cache
// entry carries beside the binary: a Gitea built without the bindata tag
// reads its locales and licence texts (options), page templates (templates)
// and images (public) from its STATIC_ROOT_PATH, which is the cache entry.
var GiteaAssets = []string{"options", "templates", "public"}

// Gitea builds the Gitea server from code.gitea.io/gitea with SQLite (which
// needs cgo: its driver is mattn/go-sqlite3) and the replace lines of
// Gitea's own go.mod, and copies GiteaAssets into the cache entry. The
// binary reports GiteaVersion without its "v", as a release build does.
func Gitea() Component {
	tags := []string{"sqlite", "sqlite_unlock_notify"}
	return Component{
		Name:             "gitea",
		Module:           "code.gitea.io/gitea",
		Version:          GiteaVersion,
		Binaries:         map[string]string{"gitea": "code.gitea.io/gitea"},
		UpstreamReplaces: true,
		Tags:             tags,
		CGO:              true,
		LDFlags:          []string{"-X main.Version=" + strings.TrimPrefix(GiteaVersion, "v"), "-X 'main.Tags=" + strings.Join(tags, " ") + "'"},
		Assets:           giteaAssets,
		TypicalBuild:     typicalGiteaBuild,
	}
}

// giteaAssets copies GiteaAssets from the Gitea module into dest.
func giteaAssets(moduleDir, dest string) error {
	for _, name := range GiteaAssets {
		if err := copyTree(filepath.Join(moduleDir, name), filepath.Join(dest, name)); err != nil {
			return err
		}
	}
	return nil
}

// copyTree copies the regular files under src into dst, made writable by
// their owner (the module cache holds them read-only).
func copyTree(src, dst string) error {
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a folder", src)
	}
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// kwokAssets writes KwokStagesFile and KwokUsageFile. (kwok's Metric object
// for kubelet's /metrics/resource is not used: kwok keeps one registry per
// node for all its Metric objects, so its container series would clash with
// the cAdvisor-style ones testenv serves.)
func kwokAssets(moduleDir, dest string) error {
	if err := kwokStages(moduleDir, dest); err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(moduleDir, "kustomize", "metrics", "usage", "usage-from-annotation.yaml"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dest, KwokUsageFile), data, 0o644)
}

// kwokStages concatenates the upstream stage files into KwokStagesFile.
func kwokStages(moduleDir, dest string) error {
	var out bytes.Buffer
	for _, pattern := range []string{
		"kustomize/stage/node/fast/node-initialize.yaml",
		"kustomize/stage/node/heartbeat-with-lease/*.yaml",
		"kustomize/stage/pod/fast/*.yaml",
	} {
		matches, err := filepath.Glob(filepath.Join(moduleDir, filepath.FromSlash(pattern)))
		if err != nil {
			return err
		}
		var kept int
		for _, m := range matches {
			if filepath.Base(m) == "kustomization.yaml" {
				continue
			}
			data, err := os.ReadFile(m)
			if err != nil {
				return err
			}
			out.WriteString("---\n")
			out.Write(bytes.TrimSpace(data))
			out.WriteString("\n")
			kept++
		}
		if kept == 0 {
			return fmt.Errorf("no kwok stage files match %s in %s", pattern, moduleDir)
		}
	}
	return os.WriteFile(filepath.Join(dest, KwokStagesFile), out.Bytes(), 0o644)
}

// versionLDFlags stamps the version the binaries report (kubectl version,
// /version) the way Kubernetes' own release build does.
func versionLDFlags(v string) []string {
	major, rest, _ := strings.Cut(strings.TrimPrefix(v, "v"), ".")
	minor, _, _ := strings.Cut(rest, ".")
	var flags []string
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		flags = append(flags,
			"-X "+pkg+".gitVersion="+v,
			"-X "+pkg+".gitMajor="+major,
			"-X "+pkg+".gitMinor="+minor,
			"-X "+pkg+".gitTreeState=clean",
			"-X "+pkg+".buildDate=1970-01-01T00:00:00Z",
		)
	}
	return flags
}

// All is every component testenv and its server packages build, longest
// typical build first: the order a warm-up with a few workers should take
// them in, so that the longest builds start first and the short ones fill
// the gaps.
func All() []Component {
	all := []Component{Etcd(), Kubernetes(), Kwok(), Pdeathsig(), Gitea(), Prometheus(), KubeStateMetrics(),
		CSIProvisioner(), CSISnapshotter(), CSIResizer(), CSISanity(), VictoriaLogs(), Mailpit(), Alertmanager()}
	slices.SortStableFunc(all, func(a, b Component) int { return cmp.Compare(b.TypicalBuild, a.TypicalBuild) })
	return all
}
