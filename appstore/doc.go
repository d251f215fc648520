// Package appstore is the app store: Helm chart repositories and the
// Application and ApplicationVersion objects KubeSphere 4.x keeps for them
// (types in appstore/api/application/v2).
//
// What exists so far is the pure core of a repository sync. FetchIndex
// downloads a chart repository's index.yaml (basic auth, a CA bundle or no
// verification, a timeout); ParseIndex reads one, refusing a malformed
// index with an *InvalidError naming the field; RepoObjects turns it into
// the objects KubeSphere's repo controller writes, named by AppID and
// VersionID, labelled and annotated as KubeSphere labels them, versions
// de-duplicated keeping the newest created. None of it needs a cluster.
//
// Where spherekit departs from KubeSphere, on purpose:
//
//   - ApplicationVersion spec.created is the chart's created time from the
//     index (absent when the index has none), not the time of the sync,
//     so a sync that changes nothing writes nothing.
//   - A relative chart URL is resolved as Helm resolves it; KubeSphere
//     appends it to the repository URL, which gives the same URL for the
//     usual "name-1.0.0.tgz" and "charts/name-1.0.0.tgz" but not for
//     "/path" or "../path".
//   - The latest-app-version annotation holds the highest semantic version;
//     KubeSphere starts from the first version object by name and never
//     moves past it when that one is not semantic.
//   - FetchIndex verifies the server's certificate unless told not to;
//     KubeSphere skips verification unless insecureSkipTLSVerify is false.
//   - An index entry without a version or chart URL refuses the index;
//     KubeSphere fails on it mid-sync. Versions that are not semantic are
//     kept, as KubeSphere keeps them (Helm's own loader drops them).
package appstore
