package bench

import (
	// The upstream RBAC authorizer is the anchor of the authorization benchmarks.
	_ "k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac"
)
