package monitoring

// Level is what a named metric describes: the whole cluster, one node, one
// workspace and so on. The values are KubeSphere's level names.
type Level string

// The levels of KubeSphere's metric catalog.
const (
	LevelCluster   Level = "cluster"
	LevelNode      Level = "node"
	LevelWorkspace Level = "workspace"
	LevelNamespace Level = "namespace"
	LevelWorkload  Level = "workload"
	LevelPod       Level = "pod"
	LevelContainer Level = "container"
	LevelPVC       Level = "pvc"
	LevelIngress   Level = "ingress"
	LevelComponent Level = "component"
)

// Levels lists every level, widest first.
func Levels() []Level {
	return []Level{LevelCluster, LevelNode, LevelWorkspace, LevelNamespace, LevelWorkload, LevelPod, LevelContainer, LevelPVC, LevelIngress, LevelComponent}
}

// Component names a control-plane component of LevelComponent.
type Component string

// The components KubeSphere monitors.
const (
	ComponentEtcd      Component = "etcd"
	ComponentAPIServer Component = "apiserver"
	ComponentScheduler Component = "scheduler"
)

// identifier is the label that names the resource a level's series are
// about, the one sort and page order by ("" where a level has none).
func (l Level) identifier() string {
	switch l {
	case LevelNode:
		return "node"
	case LevelWorkspace:
		return "workspace"
	case LevelNamespace:
		return "namespace"
	case LevelWorkload:
		return "workload"
	case LevelPod:
		return "pod"
	case LevelContainer:
		return "container"
	case LevelPVC:
		return "persistentvolumeclaim"
	case LevelIngress:
		return "ingress"
	}
	return ""
}

// Unit is what a metric's values count.
type Unit string

// Units of the catalog's metrics.
const (
	UnitCores          Unit = "cores"     // CPU cores (CPU seconds per second)
	UnitBytes          Unit = "bytes"     // bytes
	UnitBytesPerSecond Unit = "bytes/s"   // bytes per second
	UnitRatio          Unit = "ratio"     // a fraction from 0 to 1
	UnitPercent        Unit = "percent"   // a percentage from 0 to 100
	UnitCount          Unit = "count"     // a number of objects or events
	UnitPerSecond      Unit = "1/s"       // events per second
	UnitSeconds        Unit = "seconds"   // a duration
	UnitBoolean        Unit = "boolean"   // 1 or 0
	UnitLoad           Unit = "load/core" // load average per CPU core
)
