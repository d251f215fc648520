package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Operator compares a label's or a field's value with a list of values.
//
// +kubebuilder:validation:Enum=In;NotIn
type Operator string

// The operators of accessor expressions.
const (
	// In: the value is one of the values (or the values hold "*"). For a
	// label, the label must be present.
	In Operator = "In"
	// NotIn: the value is none of the values and the values do not hold
	// "*". For a label, a missing label passes.
	NotIn Operator = "NotIn"
)

// Field is the field of a namespace or workspace a field expression reads.
//
// +kubebuilder:validation:Enum=Name;Status
type Field string

// The fields of accessor field expressions.
const (
	// FieldName is the object's name.
	FieldName Field = "Name"
	// FieldStatus is a namespace's phase (Active, Terminating). Workspaces
	// have no phase: storageclass-accessor ignores expressions on it, and so
	// does spherekit.
	FieldStatus Field = "Status"
)

// AccessorSpec limits the projects that may claim volumes of one class.
type AccessorSpec struct {
	// StorageClassName is the class the accessor limits.
	StorageClassName string `json:"storageClassName"`
	// NamespaceSelector is what the claim's namespace must match.
	NamespaceSelector AccessorSelector `json:"namespaceSelector,omitempty"`
	// WorkspaceSelector is what the workspace of the claim's namespace
	// (its kubesphere.io/workspace label) must match; a namespace in no
	// workspace passes it.
	WorkspaceSelector AccessorSelector `json:"workspaceSelector,omitempty"`
}

// AccessorSelector matches a namespace or a workspace. Both lists must
// pass; an empty list passes. A list passes when one of its rules does
// (rules are ORed), and a rule passes when all its expressions do.
type AccessorSelector struct {
	LabelSelector []LabelRule `json:"labelSelector,omitempty"`
	FieldSelector []FieldRule `json:"fieldSelector,omitempty"`
}

// LabelRule passes when every expression does.
type LabelRule struct {
	MatchExpressions []LabelExpression `json:"matchExpressions"`
}

// FieldRule passes when every expression does.
type FieldRule struct {
	FieldExpressions []FieldExpression `json:"fieldExpressions"`
}

// LabelExpression compares the value of label Key with Values. An
// expression with no values passes.
type LabelExpression struct {
	Key      string   `json:"key"`
	Operator Operator `json:"operator"`
	Values   []string `json:"values"`
}

// FieldExpression compares Field with Values. An expression with no values
// passes.
type FieldExpression struct {
	Field    Field    `json:"field"`
	Operator Operator `json:"operator"`
	Values   []string `json:"values"`
}

// Accessor limits which namespaces and workspaces may claim volumes of a
// StorageClass: a claim is admitted only when its namespace and workspace
// pass every Accessor of its class.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster
// +kubebuilder:printcolumn:name="StorageClass",type=string,JSONPath=`.spec.storageClassName`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Accessor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec AccessorSpec `json:"spec,omitempty"`
}

// AccessorList is a list of Accessors.
//
// +kubebuilder:object:root=true
type AccessorList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Accessor `json:"items"`
}
