package csi_test

import (
	"encoding/xml"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/testenv/csi/internal/hostpath"
	"github.com/spherekit/spherekit/testenv/internal/process"
)

// Why csi-sanity skips some of its specs for this driver. csi-sanity skips
// a spec by itself when the driver does not offer what it checks; the test
// asks for no skips of its own (no -ginkgo.skip), and fails on a skip that
// is not listed here, so a capability that appears or disappears shows.
var (
	// Skipped for every configuration of the driver.
	alwaysSkipped = map[string]string{
		// attachRequired is false: no ControllerPublish/Unpublish.
		"ControllerPublishVolume not supported":             "no attach",
		"Controller Publish, UnpublishVolume not supported": "no attach",
		"ControllerUnpublishVolume not supported":           "no attach",
		// Volumes are folders: no staging, and nothing to grow on a node.
		"NodeStageVolume not supported":   "no staging",
		"NodeUnstageVolume not supported": "no staging",
		"NodeExpandVolume not supported":  "no node expansion (node_expansion_required is false)",
		// VolumeAttributesClass (ControllerModifyVolume) is not offered.
		"Modify volume not supported":          "no modify",
		"Modify Volume not supported":          "no modify",
		"ControllerModifyVolume not supported": "no modify",
		// GetCapacity is optional and not offered: capacities are recorded,
		// not allocated, so there is no free space to report.
		"GetCapacity not supported": "no capacity tracking",
		// Group snapshots (the GroupController service) are not offered.
		"GroupControllerService not supported": "no group snapshots",
		// A spec csi-sanity marks pending itself (XIt: its volume
		// pagination spec, which it calls fragile).
		"pending": "pending upstream",
	}
	// Skipped for the driver without snapshots, clones and expansion.
	limitedSkipped = map[string]string{
		"Snapshot not supported":               "no snapshots",
		"CreateSnapshot not supported":         "no snapshots",
		"DeleteSnapshot not supported":         "no snapshots",
		"ListSnapshots not supported":          "no snapshots",
		"Volume Cloning not supported":         "no clones",
		"ControllerExpandVolume not supported": "no expansion",
	}
)

// TestSanity runs the CSI project's conformance suite, csi-sanity
// (csi-test v5.4.0, built by provisioning in TestMain), against the
// driver on a unix socket, with every capability and without snapshots,
// clones and expansion. It fails on any failed spec and on a skip not
// listed above, and it checks that the suite ran the specs of the
// capabilities the driver offers.
func TestSanity(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    hostpath.Options
		skipped []map[string]string
		// ran are specs that must have passed.
		ran []string
	}{
		{
			name:    "every capability",
			skipped: []map[string]string{alwaysSkipped},
			ran: []string{
				"should create volume from an existing source snapshot",
				"should create volume from an existing source volume",
				"should return next token when a limited number of entries are requested",
				"ExpandVolume [Controller Server] should work",
				"Node Service should work",
			},
		},
		{
			name:    "no snapshots, clones or expansion",
			opts:    hostpath.Options{DisableSnapshots: true, DisableClones: true, DisableExpansion: true},
			skipped: []map[string]string{alwaysSkipped, limitedSkipped},
			ran:     []string{"Node Service should work", "should fail when an invalid starting_token is passed"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxT(t)
			dir := t.TempDir()
			opts := tc.opts
			opts.Name, opts.Root = "sanity.csi.spherekit.io", filepath.Join(dir, "root")
			d, err := hostpath.New(opts)
			require.NoError(t, err)
			sock := filepath.Join(dir, "csi.sock")
			l, err := net.Listen("unix", sock)
			require.NoError(t, err)
			go func() { _ = d.Serve(l) }()
			t.Cleanup(d.Stop)

			report := filepath.Join(dir, "junit.xml")
			logFile, err := os.Create(filepath.Join(dir, "csi-sanity.log"))
			require.NoError(t, err)
			defer func() { _ = logFile.Close() }()
			tail, runErr := process.Run(ctx, sanityBinary, []string{
				"--csi.endpoint=unix://" + sock,
				// csi-sanity makes these folders itself and removes them.
				"--csi.mountdir=" + filepath.Join(dir, "mount"),
				"--csi.stagingdir=" + filepath.Join(dir, "staging"),
				"--ginkgo.junit-report=" + report,
				"--ginkgo.no-color",
			}, process.Options{Log: logFile, Dir: dir})

			specs, err := readJUnit(report)
			require.NoError(t, err, "csi-sanity wrote no report (%v):\n%s", runErr, tail)
			var failed []string
			passed := map[string]bool{}
			skips := map[string]int{}
			for _, s := range specs {
				switch s.Status {
				case "passed":
					passed[s.Name] = true
				case "skipped", "pending":
					skips[strings.TrimPrefix(s.Skipped.Message, "skipped - ")]++
				default: // failed, panicked, interrupted, aborted, timedout
					failed = append(failed, s.Name+": "+s.Status+": "+s.Failure.Message+s.Error.Message)
				}
			}
			assert.Empty(t, failed, "failed csi-sanity specs")
			assert.NoError(t, runErr, "csi-sanity:\n%s", tail)

			allowed := map[string]bool{}
			for _, m := range tc.skipped {
				for msg := range m {
					allowed[msg] = true
				}
			}
			var unexpected []string
			for msg := range skips {
				if !allowed[msg] {
					unexpected = append(unexpected, msg)
				}
			}
			sort.Strings(unexpected)
			assert.Empty(t, unexpected, "skips not explained in this test")
			for _, want := range tc.ran {
				var found bool
				for name := range passed {
					found = found || strings.Contains(name, want)
				}
				assert.True(t, found, "no passed spec named %q", want)
			}
			t.Logf("csi-sanity: %d specs passed, %d skipped, %d failed", len(passed), len(specs)-len(passed)-len(failed), len(failed))
		})
	}
}

// junitCase is one spec of Ginkgo's JUnit report.
type junitCase struct {
	Name    string       `xml:"name,attr"`
	Status  string       `xml:"status,attr"`
	Skipped junitMessage `xml:"skipped"`
	Failure junitMessage `xml:"failure"`
	Error   junitMessage `xml:"error"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
}

func readJUnit(path string) ([]junitCase, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r struct {
		Suites []struct {
			Cases []junitCase `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	var out []junitCase
	for _, s := range r.Suites {
		out = append(out, s.Cases...)
	}
	return out, nil
}
