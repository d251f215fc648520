package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// buildTimesName is the file, in the cache root beside the entries, that
// records how long each component's last successful build took.
const buildTimesName = ".buildtimes.json"

// buildTime is one record of buildTimesName.
type buildTime struct {
	Component string `json:"component"`
	Version   string `json:"version"`
	GOARCH    string `json:"goarch"`
	// Seconds is the build's wall time, from the temporary folder's creation
	// to the entry's rename into place (lock waits excluded).
	Seconds float64   `json:"seconds"`
	BuiltAt time.Time `json:"builtAt"`
}

func (b buildTime) duration() time.Duration {
	return time.Duration(b.Seconds * float64(time.Second))
}

// buildTimeKey is the key of a record: component, version and GOARCH.
func buildTimeKey(component, version, goarch string) string {
	return component + "@" + version + "/" + goarch
}

// readBuildTimes reads the records of the cache at root. A missing or
// unreadable file reads as no records: the times only shape progress lines.
func readBuildTimes(root string) map[string]buildTime {
	data, err := os.ReadFile(filepath.Join(root, buildTimesName))
	if err != nil {
		return map[string]buildTime{}
	}
	var m map[string]buildTime
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return map[string]buildTime{}
	}
	return m
}

// lastBuild returns the recorded duration of the last successful build of
// comp at this version for goarch.
func lastBuild(root string, comp Component, goarch string) (time.Duration, bool) {
	b, ok := readBuildTimes(root)[buildTimeKey(comp.Name, comp.Version, goarch)]
	if !ok || b.Seconds <= 0 {
		return 0, false
	}
	return b.duration(), true
}

// recordBuild stores d as the last build time of comp for goarch. Writers of
// different components share the file, so the read-modify-write holds a lock
// of its own, and the file is replaced by a rename so readers never see half
// of it.
func recordBuild(ctx context.Context, root string, comp Component, goarch string, d time.Duration, at time.Time) error {
	unlock, err := lockFile(ctx, filepath.Join(root, buildTimesName+".lock"), nil)
	if err != nil {
		return fmt.Errorf("lock build times: %w", err)
	}
	defer unlock()
	m := readBuildTimes(root)
	m[buildTimeKey(comp.Name, comp.Version, goarch)] = buildTime{
		Component: comp.Name,
		Version:   comp.Version,
		GOARCH:    goarch,
		Seconds:   d.Round(time.Millisecond).Seconds(),
		BuiltAt:   at.UTC().Round(time.Second),
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(root, buildTimesName+".tmp-")
	if err != nil {
		return fmt.Errorf("write build times: %w", err)
	}
	_, werr := tmp.Write(append(data, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write build times: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(root, buildTimesName)); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write build times: %w", err)
	}
	return nil
}

// estimate is what a build is expected to take: this machine's last build
// of the same component, version and GOARCH, or else the component's
// documented typical time.
type estimate struct {
	d    time.Duration
	last bool // d is this machine's last build, not the typical time
}

func newEstimate(root string, comp Component, goarch string) estimate {
	if d, ok := lastBuild(root, comp, goarch); ok {
		return estimate{d: d, last: true}
	}
	return estimate{d: comp.TypicalBuild}
}

// describe says where the estimate comes from, for the progress lines:
// "last build took 5m50s" or "typically ~6 min on 2 cores".
func (e estimate) describe() string {
	switch {
	case e.last:
		return "last build took " + e.d.Round(time.Second).String()
	case e.d > 0:
		return "typically " + roughly(e.d) + " on 2 cores"
	default:
		return ""
	}
}

// progressLine is the heartbeat line of a build elapsed into it, for example
// "building kube-apiserver, kube-controller-manager, kube-scheduler
// (k8s.io/kubernetes v1.37.2): 2m10s so far, about 3m40s left (last build
// took 5m50s)".
func progressLine(comp Component, elapsed time.Duration, e estimate) string {
	var b strings.Builder
	fmt.Fprintf(&b, "testenv: building %s (%s %s): %s so far",
		strings.Join(sortedKeys(comp.Binaries), ", "), comp.Module, comp.Version, elapsed.Round(time.Second))
	switch left := e.d - elapsed; {
	case e.d <= 0:
	case left >= 10*time.Second:
		fmt.Fprintf(&b, ", about %s left (%s)", left.Round(10*time.Second), e.describe())
	default:
		fmt.Fprintf(&b, ", past the estimate (%s)", e.describe())
	}
	return b.String()
}

// roughly rounds d for a typical time: "~40 s", "~6 min".
func roughly(d time.Duration) string {
	if d < 50*time.Second {
		return fmt.Sprintf("~%d s", int(d.Round(10*time.Second)/time.Second))
	}
	return fmt.Sprintf("~%d min", int(d.Round(time.Minute)/time.Minute))
}
