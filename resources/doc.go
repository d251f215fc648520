// Package resources lists Kubernetes objects the way KubeSphere's resources
// API (resources.kubesphere.io/v1alpha3) does: filtered by name, labels,
// annotations, owners, fields and per-kind status rules, sorted, and cut
// into pages, read from a controller-runtime cache rather than the API
// server.
//
// Start with List, which fills a typed list with one page of a Query and
// returns the number of matching objects. Build the Query in Go or from URL
// parameters with ParseQuery. To serve the API over HTTP, as the KubeSphere
// console expects it, mount NewHandler with an Authorizer of your own.
//
// NewHandler serves an explicit list of resources (HandlerOptions.Resources,
// by default DefaultResources: KubeSphere's set). Anything else answers 404
// without being read, so a request cannot make a cache start an informer
// for a kind the host never meant to serve. The Authorizer is asked about
// every read, including those of the serviceName and ownerKind filters
// (get services, get replicasets.apps); a refused one answers 403.
// List itself authorizes nothing: called for an end user outside the
// handler, check those lookups as well.
//
//	q, err := resources.ParseQuery(r.URL.Query()) // page=2&limit=10&status=running
//	var deploys appsv1.DeploymentList
//	total, err := resources.List(ctx, mgr.GetCache(), &deploys, q)
//
// List is built for large caches: it reads the cache's objects without
// copying them (client.UnsafeDisableDeepCopy), keeps only the requested
// page's worth of candidates in a bounded heap, and deep-copies only the
// page. Give the cache StripForCache as its DefaultTransform to drop managed
// fields and kubectl's last-applied annotation, which are often most of what
// a cache holds.
//
// Where KubeSphere's semantics and Kubernetes' differ, this package follows
// KubeSphere for its own parameters (label=key!=value needs the key present)
// and Kubernetes for selectors (labelSelector, fieldSelector).
package resources
