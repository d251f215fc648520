package provision

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAllIsEveryComponentLongestFirst(t *testing.T) {
	all := All()
	names := map[string]bool{}
	for i, c := range all {
		assert.False(t, names[c.Name], "%s listed twice", c.Name)
		names[c.Name] = true
		if i > 0 {
			assert.GreaterOrEqual(t, all[i-1].TypicalBuild, c.TypicalBuild, "%s after %s", c.Name, all[i-1].Name)
		}
	}
	for _, c := range []Component{Etcd(), Kubernetes(), Kwok(), Pdeathsig(), Gitea(), Prometheus(), KubeStateMetrics(),
		CSIProvisioner(), CSISnapshotter(), CSIResizer(), CSISanity(), VictoriaLogs(), Mailpit(), Alertmanager()} {
		assert.True(t, names[c.Name], "%s missing", c.Name)
	}
}
