package csi

import (
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

// DefaultName is the driver name Start uses when Options.Name is empty.
const DefaultName = "hostpath.csi.spherekit.io"

// Options configures Start. The zero value starts a driver named
// DefaultName that provisions, snapshots, clones and expands.
type Options struct {
	// Name is the CSI driver's name: the CSIDriver object's name and the
	// provisioner of the StorageClasses that use it. Empty means
	// DefaultName. Drivers running side by side in one cluster need names
	// of their own.
	Name string

	// DisableSnapshots, DisableClones and DisableExpansion take the
	// capability away from the driver: it then refuses CreateSnapshot,
	// restores and ListSnapshots (no csi-snapshotter runs for it), clones,
	// or ControllerExpandVolume (no csi-resizer runs for it), as a driver
	// that lacks them does.
	DisableSnapshots bool
	DisableClones    bool
	DisableExpansion bool

	// Progress receives one line per build and start-up step; nil discards
	// them.
	Progress io.Writer
	// CacheDir is where the built sidecars are kept. Empty means the
	// environment variable SPHEREKIT_TESTENV_CACHE, or else
	// spherekit/testenv under the user cache folder.
	CacheDir string
	// StartTimeout bounds the start once the sidecars are built, until
	// every one of them answers. Zero means two minutes.
	StartTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 2 * time.Minute
	}
	return o
}

func (o Options) validate() error {
	if o.StartTimeout < 0 {
		return &OptionsError{Field: "StartTimeout", Reason: "must not be negative"}
	}
	// A CSIDriver's name is a DNS subdomain of at most 63 characters.
	if errs := validation.IsDNS1123Subdomain(o.Name); len(errs) > 0 {
		return &OptionsError{Field: "Name", Reason: strings.Join(errs, "; ")}
	}
	if len(o.Name) > 63 {
		return &OptionsError{Field: "Name", Reason: "must be no more than 63 characters"}
	}
	return nil
}
