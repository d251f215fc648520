// Package controllers is the Calico backend of IP pools: reconcilers a host
// registers with its controller-runtime manager. SetupWithManager registers
// both:
//
//	err := controllers.SetupWithManager(ctx, mgr, controllers.Options{})
//
// Each is also an exported struct with exported dependencies (Common:
// client, scheme, REST mapper, field owner, watch filter) and its own
// SetupWithManager(ctx, mgr, controller.Options):
//
//   - CalicoReconciler: for each network.kubesphere.io IPPool of type
//     calico, a crd.projectcalico.org/v1 IPPool of the same name
//     (CalicoPool: cidr, blockSize, disabled, ipipMode, vxlanMode,
//     natOutgoing, nodeSelector all(), as KubeSphere 3.4's Calico provider
//     writes them), KubeSphere's finalizer and labels, and the pool's
//     status (synced; usage counted from Calico's IPAMBlocks, CalicoUsage).
//   - CalicoNamespaceReconciler: the annotation cni.projectcalico.org/ipv4pools
//     (and ipv6pools) of each namespace of a workspace, naming the pools its
//     pods take addresses from (NamespacePools): the workspace's own pools,
//     else the default pool; never another workspace's.
//
// Both do nothing while Calico's IPPool CRD is absent, which they find out
// from the manager's REST mapper; they never fail for lack of Calico. The
// Calico objects are written as unstructured objects, so no Calico Go
// module is needed; their schema is Calico's own, installed in the tests
// from the github.com/projectcalico/calico module (testenv/calico).
//
// The manager's identity needs get, list, watch, update and patch on
// ippools.network.kubesphere.io (and their status), namespaces (patch),
// and get, list, watch, create, update and delete on
// ippools.crd.projectcalico.org, plus list and watch on
// ipamblocks.crd.projectcalico.org.
package controllers
