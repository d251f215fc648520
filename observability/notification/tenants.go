package notification

import (
	"context"

	"github.com/spherekit/spherekit/tenancy/authz"
)

// TenantsWhoSee returns a RouteOptions.Tenants that answers, from az's
// index, the users who may list namespaces in the namespace: its
// project's members, the members of its workspace with a role there and
// the platform's administrators, as KubeSphere's tenant sidecar decides.
// Users who reach it only through a group are not listed (a group's
// members are the host's to know). The cluster is not consulted: pass
// the Authorizer of the cluster the alerts come from.
func TenantsWhoSee(ctx context.Context, az *authz.Authorizer) func(cluster, namespace string) ([]string, error) {
	return func(_, namespace string) ([]string, error) {
		who, err := az.WhoCan(ctx, authz.Attributes{Verb: "list", Resource: "namespaces", Namespace: namespace})
		if err != nil {
			return nil, err
		}
		return who.Users, nil
	}
}
