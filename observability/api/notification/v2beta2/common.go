package v2beta2

// The labels that make an object global or a tenant's, as KubeSphere's
// notification API stamps them.
const (
	// TypeLabel is TypeGlobal, TypeTenant or TypeDefault.
	TypeLabel   = "type"
	TypeGlobal  = "global"
	TypeTenant  = "tenant"
	TypeDefault = "default"
	// UserLabel names the tenant (a user) of a tenant object.
	UserLabel = "user"
)

// LabelSelector selects alerts by their labels: matchLabels and
// matchExpressions, ANDed, as a Kubernetes label selector, plus the
// operator Match.
type LabelSelector struct {
	// MatchLabels are labels an alert must have, with these values.
	MatchLabels map[string]string `json:"matchLabels,omitempty"`
	// MatchExpressions are requirements, ANDed.
	MatchExpressions []LabelSelectorRequirement `json:"matchExpressions,omitempty"`
}

// LabelSelectorRequirement is one requirement on a label: the operators
// of Kubernetes label selectors (In, NotIn, Exists, DoesNotExist) on
// Values, or Match with the regular expression RegexValue.
type LabelSelectorRequirement struct {
	Key        string                `json:"key"`
	Operator   LabelSelectorOperator `json:"operator"`
	Values     []string              `json:"values,omitempty"`
	RegexValue string                `json:"regexValue,omitempty"`
}

// LabelSelectorOperator is a requirement's operator.
type LabelSelectorOperator string

// LabelSelectorOpMatch matches a label's value against RegexValue.
const LabelSelectorOpMatch LabelSelectorOperator = "Match"

// Credential is a secret value: written inline (Value) or read from a
// Secret (ValueFrom).
type Credential struct {
	Value     string       `json:"value,omitempty"`
	ValueFrom *ValueSource `json:"valueFrom,omitempty"`
}

// ValueSource says where a Credential's value is.
type ValueSource struct {
	SecretKeyRef *SecretKeySelector `json:"secretKeyRef,omitempty"`
}

// SecretKeySelector is a key of a Secret. An empty namespace means the
// NotificationManager's default secret namespace.
type SecretKeySelector struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Key       string `json:"key"`
}

// ConfigmapKeySelector is a key of a ConfigMap (a template file). An
// empty namespace means the NotificationManager's default.
type ConfigmapKeySelector struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Key       string `json:"key,omitempty"`
}
