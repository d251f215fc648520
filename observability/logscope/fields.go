package logscope

// The tenant fields of a stored record (logstore.Record fields) that a
// Scope selects on. Collectors stamp them from the cluster when they
// write a record: the namespace's workspace comes from its
// kubesphere.io/workspace label, never from what the record's source says.
const (
	FieldCluster   = "cluster"
	FieldWorkspace = "workspace"
	FieldNamespace = "namespace"
)

// StreamFields are the fields a log store should group records by
// (logstore.VictoriaLogsOptions.StreamFields): the tenant fields every
// scoped query selects on.
var StreamFields = []string{FieldCluster, FieldWorkspace, FieldNamespace}
