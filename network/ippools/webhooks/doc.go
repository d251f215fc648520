// Package webhooks holds the IP pool admission webhooks a host serves from
// its controller-runtime manager, so the API server itself refuses what the
// rules of package ippools forbid, whoever writes (kubectl, KubeSphere's
// console, a controller):
//
//   - pools: every create, update and delete of a network.kubesphere.io
//     IPPool is checked with ippools.CheckCreate, CheckUpdate and
//     CheckDelete against the pools the API server has (read live, not from
//     a cache), and a pool assigned to a workspace that does not exist is
//     refused. The CRD's schema is KubeSphere's exactly, so these checks
//     (malformed CIDRs, ranges, block sizes, overlaps, one default, pools in
//     use) live here and in the Client, never in the schema.
//   - pool annotations: a namespace whose cni.projectcalico.org/ipv4pools
//     (or ipv6pools) annotation is set or changed, and a pod created with
//     one of those or with cni.projectcalico.org/ipAddrs, is refused when it
//     names a pool assigned to another workspace, or an address inside one:
//     Calico honours those annotations, so without this check a project
//     could take addresses from another workspace's pool. Match conditions
//     send only such objects to the webhook, so other pods and namespaces
//     never wait for it.
//
// Register the handlers with SetupWithManager and install the configuration
// ValidatingWebhookConfiguration returns (its clientConfig must then point
// at the manager's webhook server: a Service, or a URL as testenv sets).
//
// Like any admission check spanning several objects, two writes admitted at
// the same instant are each checked against the pools as they were: two
// overlapping pools or two defaults created concurrently can both pass.
// The checks hold for every write made one after another.
//
// The webhook's identity needs get and list on ippools.network.kubesphere.io,
// get on workspaces.tenant.kubesphere.io and on namespaces.
package webhooks
