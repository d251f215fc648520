package spherekit

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"

	applicationv2 "github.com/spherekit/spherekit/appstore/api/application/v2"
	gatewayv1alpha2 "github.com/spherekit/spherekit/network/api/gateway/v1alpha2"
	networkv1alpha1 "github.com/spherekit/spherekit/network/api/v1alpha1"
	alertingv2beta1 "github.com/spherekit/spherekit/observability/api/alerting/v2beta1"
	eventsv1alpha1 "github.com/spherekit/spherekit/observability/api/events/v1alpha1"
	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	storagev1alpha1 "github.com/spherekit/spherekit/storage/api/v1alpha1"
	iamv1alpha2 "github.com/spherekit/spherekit/tenancy/api/iam/v1alpha2"
	iamv1beta1 "github.com/spherekit/spherekit/tenancy/api/iam/v1beta1"
	quotav1alpha2 "github.com/spherekit/spherekit/tenancy/api/quota/v1alpha2"
	tenantv1alpha1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1alpha1"
	tenantv1alpha2 "github.com/spherekit/spherekit/tenancy/api/tenant/v1alpha2"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// AddToScheme registers every API group of the SDK in s, with the older
// versions KubeSphere still serves (iam v1alpha2, tenant v1alpha1 and
// v1alpha2) beside the current ones, network v1alpha1, gateway v1alpha2 and
// alerting v2beta1, storage v1alpha1, events v1alpha1, notification v2beta2
// and application v2 (the app store).
// It does not register the built-in Kubernetes kinds; use client-go's
// clientgoscheme.AddToScheme for those.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{
		tenantv1beta1.AddToScheme,
		iamv1beta1.AddToScheme,
		quotav1alpha2.AddToScheme,
		iamv1alpha2.AddToScheme,
		tenantv1alpha1.AddToScheme,
		tenantv1alpha2.AddToScheme,
		networkv1alpha1.AddToScheme,
		gatewayv1alpha2.AddToScheme,
		alertingv2beta1.AddToScheme,
		storagev1alpha1.AddToScheme,
		eventsv1alpha1.AddToScheme,
		notificationv2beta2.AddToScheme,
		applicationv2.AddToScheme,
	} {
		if err := add(s); err != nil {
			return fmt.Errorf("register spherekit api groups: %w", err)
		}
	}
	return nil
}
