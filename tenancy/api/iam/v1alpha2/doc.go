// Package v1alpha2 holds the iam.kubesphere.io/v1alpha2 API types: the
// version KubeSphere 3.x stored and KubeSphere 4.x still serves, for
// clusters upgraded from 3.x and for clients that still ask for it.
//
// The API server converts between v1alpha2 and v1beta1 (the storage
// version) by changing apiVersion only, as KubeSphere's CRDs do, so every
// object can be read and written at either version. Only the kinds
// KubeSphere serves at v1alpha2 are here: users, login records, global and
// workspace roles with their bindings, groups and group bindings. Roles at
// this version have no aggregationRoleTemplates; a v1alpha2 client that
// writes a role leaves that v1beta1 field out. New code uses package
// v1beta1.
//
// +kubebuilder:object:generate=true
// +groupName=iam.kubesphere.io
package v1alpha2
