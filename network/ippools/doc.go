// Package ippools manages KubeSphere's IP pools (network.kubesphere.io/v1alpha1
// IPPool): cluster-scoped ranges of pod addresses that can be assigned to a
// workspace, with at most one default pool serving every workspace.
//
// Start from Client (NewClient over a controller-runtime client):
// CreatePool, AssignPool and UnassignPool, DisablePool and EnablePool,
// SetDefaultPool, DeletePool, and ListPools and PoolsForNamespace, which
// report each pool's usage (UsageOf). Each operation checks its input before
// it writes and writes a single object (SetDefaultPool moves the label in two
// writes and undoes the first if the second fails), so a refusal leaves
// nothing half-written; refusals are the SDK's typed errors naming the input:
// *InvalidError (a malformed CIDR, rangeStart or rangeEnd outside the CIDR or
// reversed, a block size out of range), *ConflictError (a CIDR overlapping
// another pool of the same ID, a second default, deleting or disabling a pool
// in use) and *NotFoundError (an unknown pool, workspace or namespace).
//
// The rules are plain functions (ValidateSpec, CheckCreate, CheckUpdate,
// CheckDelete, Overlaps, MayUse), shared by the Client and by the
// validating webhook in package webhooks, which enforces them on writes that
// bypass the Client (kubectl, KubeSphere's console). Package controllers
// holds the Calico backend: it keeps a crd.projectcalico.org/v1 IPPool in
// step with each pool of type calico when Calico's CRDs are installed, and
// writes the namespace annotation cni.projectcalico.org/ipv4pools.
//
// # KubeSphere's semantics, and where spherekit differs
//
// From KubeSphere 3.4 (its IPPool types, ippool controller and webhook,
// Calico provider and resources API): a pool's ID is 4099 for calico, 4098
// for porter, the VLAN ID plus one for vlan and 0 for pod, and CIDRs may
// overlap only between pools of different IDs; cidr, type, blockSize,
// rangeStart and rangeEnd never change; a pool is in use while
// status.allocations is above zero, and then cannot be deleted; a pool
// belongs to a workspace by the label kubesphere.io/workspace; a namespace
// lists the default pools and its workspace's pools.
//
// Stricter, as the house style puts stricter checks in the Client and the
// webhook and never in the CRD (whose schema is KubeSphere's exactly): a
// CIDR must be canonical (no host bits) and hold more than one address in
// either family; a block size must be within Calico's range for calico
// pools; a pool in use cannot be disabled (except by a controller deleting
// it); the default label's value must be empty, as KubeSphere selects it;
// at most one pool is the default (KubeSphere allows several and instead
// keeps at least one, which together with at most one would make the
// default impossible to move or delete, so that rule is dropped); the
// default pool cannot also be a workspace's; a pool with addresses of one
// workspace cannot be moved to another; and a pool assigned to a workspace
// is never listed for, or given to, another workspace's namespaces, even
// with the default label (KubeSphere would).
//
// # Acting for a user
//
// A portal acting for its users makes the Client with
// ClientOptions.OnBehalfOf and an Authorizer (package tenancy/authz). Every
// operation, reads included, then passes one choke point that asks the
// Authorizer about each request it is about to make before it reads or
// writes anything; a refusal is a *ForbiddenError (errors.Is(err,
// tenancy.ErrForbidden)), and it comes before any *NotFoundError, so a
// user cannot learn whether a pool, workspace or namespace exists. Pools
// are cluster-scoped platform objects, as in KubeSphere, where managing
// them is the platform administrator's: CreatePool, AssignPool,
// UnassignPool, DisablePool, EnablePool, SetDefaultPool, DeletePool and
// ListPools need the verbs they use on ippools (network.kubesphere.io) at
// cluster scope (create, get, update, delete, list; SetDefaultPool updates
// any pool, the old default too), which only a platform or cluster role
// grants, even for a pool assigned to the user's own workspace.
// PoolsForNamespace(namespace) is a project member's read: it needs list
// on ippools in the namespace, at namespace scope, and answers with the
// pools that namespace may use and no others. Reads that only support a
// checked request (the workspace or namespace named, the other pools
// checked for overlaps) are made with the Client's own rights, after the
// check. TestOnBehalfOfCoversEveryOperation calls every exported method
// for users of one workspace and checks each way out is refused.
package ippools
