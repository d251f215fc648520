package crds_test

import (
	"fmt"
	"log"

	"github.com/spherekit/spherekit/crds"
)

func ExampleAll() {
	defs, err := crds.All()
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range defs {
		fmt.Println(d.Name, d.Spec.Scope)
	}
	// Output:
	// accessors.storage.kubesphere.io Cluster
	// applicationreleases.application.kubesphere.io Cluster
	// applications.application.kubesphere.io Cluster
	// applicationversions.application.kubesphere.io Cluster
	// builtinroles.iam.kubesphere.io Cluster
	// categories.application.kubesphere.io Cluster
	// categories.iam.kubesphere.io Cluster
	// clusterrolebindings.iam.kubesphere.io Cluster
	// clusterroles.iam.kubesphere.io Cluster
	// clusterrulegroups.alerting.kubesphere.io Cluster
	// configs.notification.kubesphere.io Cluster
	// globalrolebindings.iam.kubesphere.io Cluster
	// globalroles.iam.kubesphere.io Cluster
	// globalrulegroups.alerting.kubesphere.io Cluster
	// groupbindings.iam.kubesphere.io Cluster
	// groups.iam.kubesphere.io Cluster
	// ingressclassscopes.gateway.kubesphere.io Cluster
	// ipamblocks.network.kubesphere.io Cluster
	// ipamhandles.network.kubesphere.io Cluster
	// ippools.network.kubesphere.io Cluster
	// loginrecords.iam.kubesphere.io Cluster
	// namespacenetworkpolicies.network.kubesphere.io Namespaced
	// notificationmanagers.notification.kubesphere.io Cluster
	// provisionercapabilities.storage.kubesphere.io Cluster
	// receivers.notification.kubesphere.io Cluster
	// repos.application.kubesphere.io Cluster
	// resourcequotas.quota.kubesphere.io Cluster
	// rolebindings.iam.kubesphere.io Namespaced
	// roles.iam.kubesphere.io Namespaced
	// roletemplates.iam.kubesphere.io Cluster
	// routers.notification.kubesphere.io Cluster
	// rulegroups.alerting.kubesphere.io Namespaced
	// rules.events.kubesphere.io Namespaced
	// silences.notification.kubesphere.io Cluster
	// storageclasscapabilities.storage.kubesphere.io Cluster
	// users.iam.kubesphere.io Cluster
	// workspacerolebindings.iam.kubesphere.io Cluster
	// workspaceroles.iam.kubesphere.io Cluster
	// workspaces.tenant.kubesphere.io Cluster
	// workspacetemplates.tenant.kubesphere.io Cluster
}
