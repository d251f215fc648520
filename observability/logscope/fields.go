package logscope

// The tenant fields of a stored record (logstore.Record fields) that a
// Scope selects on. Collectors stamp them from the cluster when they
// write a record: the namespace's workspace comes from its
// kubesphere.io/workspace label, never from what the record's source says.
const (
	FieldCluster   = "cluster"
	FieldWorkspace = "workspace"
	FieldNamespace = "namespace"
	// FieldKind says what a record is, KindLog, KindEvent or KindAudit, so
	// that logs, events and the audit trail can share one store: every
	// query of a record API selects its own kind.
	FieldKind = "kind"
)

// The kinds of record (FieldKind).
const (
	KindLog   = "log"
	KindEvent = "event"
	KindAudit = "audit"
)

// StreamFields are the fields a log store should group records by
// (logstore.VictoriaLogsOptions.StreamFields): the tenant fields every
// scoped query selects on, and the kind of record.
var StreamFields = []string{FieldCluster, FieldWorkspace, FieldNamespace, FieldKind}
