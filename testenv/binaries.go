package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// binaries holds the paths of the programs a cluster runs.
type binaries struct {
	etcd, apiserver, controllerManager, scheduler, kwok string
	kwokStages, kwokUsage                               string
	// pdeathsig runs etcd and kube-apiserver so that they die with this
	// process (Linux only; see wrapInPdeathsig).
	pdeathsig string
}

// resolveBinaries finds prebuilt binaries or builds the missing ones into the
// cache. API-only clusters need etcd and kube-apiserver; nodes mode needs all.
func resolveBinaries(ctx context.Context, o Options) (binaries, error) {
	var b binaries
	found := func(name string) string {
		for _, dir := range o.binarySearchPath() {
			p := filepath.Join(dir, name)
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				return p
			}
		}
		return ""
	}
	b.etcd, b.apiserver = found("etcd"), found("kube-apiserver")
	if o.Nodes > 0 {
		b.controllerManager, b.scheduler, b.kwok = found("kube-controller-manager"), found("kube-scheduler"), found("kwok")
		if b.kwok != "" {
			stages := filepath.Join(filepath.Dir(b.kwok), provision.KwokStagesFile)
			usage := filepath.Join(filepath.Dir(b.kwok), provision.KwokUsageFile)
			switch {
			case !fileExists(stages):
				b.kwok = "" // a prebuilt kwok without its stages cannot run nodes; build both
			case o.NodeMetrics && !fileExists(usage):
				b.kwok = "" // nor simulate usage without its usage object
			default:
				b.kwokStages = stages
				if fileExists(usage) {
					b.kwokUsage = usage
				}
			}
		}
	}

	root, err := provision.CacheRoot(o.CacheDir)
	if err != nil {
		return b, err
	}
	cache := &provision.Cache{Root: root, Progress: o.Progress}
	ensure := func(comp provision.Component) (string, error) {
		res, err := cache.Ensure(ctx, comp)
		if err != nil {
			return "", err
		}
		return res.Dir, nil
	}
	if b.etcd == "" {
		dir, err := ensure(provision.Etcd())
		if err != nil {
			return b, err
		}
		b.etcd = filepath.Join(dir, "etcd")
	}
	if b.apiserver == "" || (o.Nodes > 0 && (b.controllerManager == "" || b.scheduler == "")) {
		dir, err := ensure(provision.Kubernetes())
		if err != nil {
			return b, err
		}
		set := func(p *string, name string) {
			if *p == "" {
				*p = filepath.Join(dir, name)
			}
		}
		set(&b.apiserver, "kube-apiserver")
		if o.Nodes > 0 {
			set(&b.controllerManager, "kube-controller-manager")
			set(&b.scheduler, "kube-scheduler")
		}
	}
	if o.Nodes > 0 && b.kwok == "" {
		dir, err := ensure(provision.Kwok())
		if err != nil {
			return b, err
		}
		b.kwok, b.kwokStages = filepath.Join(dir, "kwok"), filepath.Join(dir, provision.KwokStagesFile)
		b.kwokUsage = filepath.Join(dir, provision.KwokUsageFile)
	}
	if runsThroughPdeathsig {
		dir, err := ensure(provision.Pdeathsig())
		if err != nil {
			return b, err
		}
		b.pdeathsig = filepath.Join(dir, provision.PdeathsigBinary)
	}
	if b.etcd == "" || b.apiserver == "" {
		return b, fmt.Errorf("testenv: no etcd or kube-apiserver binary")
	}
	return b, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
