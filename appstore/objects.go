package appstore

import (
	"crypto/md5"  //nolint:gosec // KubeSphere's naming scheme, not a security use
	"crypto/sha1" //nolint:gosec // KubeSphere's naming scheme, not a security use
	"encoding/hex"
	"net/url"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/version"

	applicationv2 "github.com/spherekit/spherekit/appstore/api/application/v2"
	tenantv1beta1 "github.com/spherekit/spherekit/tenancy/api/tenant/v1beta1"
)

// RepoObjects turns a chart repository's index into the Application and
// ApplicationVersion objects KubeSphere's repo controller keeps for it,
// named and labelled as KubeSphere names and labels them:
//
//   - one Application per chart, named AppID(repo.Name, chart), labelled with
//     the repo's name, app type helm, category kubesphere-app-uncategorized,
//     an empty hascrd label and the Repo's kubesphere.io/workspace label
//     (empty when the Repo has none, as KubeSphere writes it); annotated with
//     the chart's name (alias name and original name), the description,
//     the first maintainer and the latest version. Its spec comes from the
//     most recently created version. It is owned by the Repo.
//   - one ApplicationVersion per distinct version of the chart, named
//     VersionID(appID, version), labelled with the repo's name, the app ID,
//     app type helm and the workspace, carrying the cleanup finalizer. When
//     a version appears more than once, the most recently created entry
//     wins. A relative chart URL is resolved against the repo's URL into
//     spec.pullUrl.
//
// Both are returned in state active (a repository's apps need no review)
// with no status time: the caller stamps status.updateTime and
// status.updated when it writes the status, and sets each version's
// controller reference to its Application once that has a UID. The app
// store label is not set: KubeSphere sets it only when an app is released
// to the store. Applications are sorted by name, versions by app and then
// newest created first; the result depends on nothing but the arguments.
// An entry without a chart URL (which ParseIndex refuses) is skipped.
func RepoObjects(repo *applicationv2.Repo, idx *Index) ([]applicationv2.Application, []applicationv2.ApplicationVersion) {
	if repo == nil || idx == nil {
		return nil, nil
	}
	charts := make([]string, 0, len(idx.Entries))
	for chart := range idx.Entries {
		charts = append(charts, chart)
	}
	sort.Strings(charts)

	workspace := repo.Labels[tenantv1beta1.WorkspaceLabel]
	owner := metav1.OwnerReference{
		APIVersion: applicationv2.SchemeGroupVersion.String(),
		Kind:       "Repo",
		Name:       repo.Name,
		UID:        repo.UID,
	}
	var apps []applicationv2.Application
	var versions []applicationv2.ApplicationVersion
	seenApps := map[string]bool{}
	for _, chart := range charts {
		entries := newestFirst(idx.Entries[chart])
		if len(entries) == 0 {
			continue
		}
		appID := AppID(repo.Name, chart)
		// Two chart names can share an ID ("Nginx" and "nginx"); the
		// first in name order keeps it.
		if seenApps[appID] {
			continue
		}
		seenApps[appID] = true

		newest := entries[0]
		app := applicationv2.Application{
			TypeMeta: metav1.TypeMeta{APIVersion: applicationv2.SchemeGroupVersion.String(), Kind: "Application"},
			ObjectMeta: metav1.ObjectMeta{
				Name: appID,
				Labels: map[string]string{
					applicationv2.RepoNameLabel:        repo.Name,
					applicationv2.AppTypeLabel:         applicationv2.AppTypeHelm,
					applicationv2.HasCRDLabel:          "",
					applicationv2.AppCategoryNameLabel: applicationv2.UncategorizedCategory,
					tenantv1beta1.WorkspaceLabel:       workspace,
				},
				Annotations: map[string]string{
					tenantv1beta1.AliasNameAnnotation:        chart,
					tenantv1beta1.DescriptionAnnotation:      newest.Description,
					applicationv2.AppOriginalNameAnnotation:  chart,
					applicationv2.LatestAppVersionAnnotation: latestVersion(entries),
				},
				OwnerReferences: []metav1.OwnerReference{owner},
			},
			Spec: applicationv2.ApplicationSpec{
				AppHome:     newest.Home,
				AppType:     applicationv2.AppTypeHelm,
				Icon:        newest.Icon,
				Abstraction: newest.Description,
			},
			Status: applicationv2.ApplicationStatus{State: applicationv2.ReviewStatusActive},
		}
		if len(newest.Maintainers) > 0 {
			app.Annotations[applicationv2.AppMaintainersAnnotation] = newest.Maintainers[0].Name
		}
		apps = append(apps, app)

		seenVersions := map[string]bool{}
		for _, cv := range entries {
			name := VersionID(appID, cv.Version)
			if seenVersions[name] {
				continue
			}
			seenVersions[name] = true
			versions = append(versions, appVersion(repo, appID, chart, name, workspace, cv))
		}
	}
	return apps, versions
}

func appVersion(repo *applicationv2.Repo, appID, chart, name, workspace string, cv ChartVersion) applicationv2.ApplicationVersion {
	v := applicationv2.ApplicationVersion{
		TypeMeta: metav1.TypeMeta{APIVersion: applicationv2.SchemeGroupVersion.String(), Kind: "ApplicationVersion"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				applicationv2.RepoNameLabel:  repo.Name,
				applicationv2.AppIDLabel:     appID,
				applicationv2.AppTypeLabel:   applicationv2.AppTypeHelm,
				tenantv1beta1.WorkspaceLabel: workspace,
			},
			Annotations: map[string]string{
				tenantv1beta1.AliasNameAnnotation:   chart,
				tenantv1beta1.DescriptionAnnotation: cv.Description,
			},
			Finalizers: []string{applicationv2.CleanupFinalizer},
		},
		Spec: applicationv2.ApplicationVersionSpec{
			VersionName: cv.Version,
			AppHome:     cv.Home,
			Icon:        cv.Icon,
			Digest:      cv.Digest,
			AppType:     applicationv2.AppTypeHelm,
			PullURL:     ResolveChartURL(repo.Spec.URL, cv.URLs[0]),
		},
		Status: applicationv2.ApplicationVersionStatus{State: applicationv2.ReviewStatusActive},
	}
	if !cv.Created.IsZero() {
		v.Spec.Created = &metav1.Time{Time: cv.Created}
	}
	for _, m := range cv.Maintainers {
		v.Spec.Maintainer = append(v.Spec.Maintainer, applicationv2.Maintainer{Name: m.Name, Email: m.Email, URL: m.URL})
	}
	if len(cv.Maintainers) > 0 {
		v.Annotations[applicationv2.AppMaintainersAnnotation] = cv.Maintainers[0].Name
	}
	return v
}

// newestFirst de-duplicates a chart's versions as KubeSphere does — of two
// entries with the same version the later created wins, the first on a
// tie — and sorts them newest created first (by version on a tie, so the
// order is stable). Entries without a chart URL are dropped.
func newestFirst(entries []ChartVersion) []ChartVersion {
	byVersion := make(map[string]int, len(entries))
	out := make([]ChartVersion, 0, len(entries))
	for _, cv := range entries {
		if len(cv.URLs) == 0 {
			continue
		}
		if i, ok := byVersion[cv.Version]; ok {
			if cv.Created.After(out[i].Created) {
				out[i] = cv
			}
			continue
		}
		byVersion[cv.Version] = len(out)
		out = append(out, cv)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].Version < out[j].Version
	})
	return out
}

// latestVersion is the highest semantic version among a chart's versions (a
// leading "v" allowed), as KubeSphere's latest-app-version annotation
// holds; when none is semantic, the most recently created one.
func latestVersion(newestFirst []ChartVersion) string {
	latest := newestFirst[0].Version
	var best *version.Version
	for _, cv := range newestFirst {
		v, err := version.ParseSemantic(strings.TrimPrefix(cv.Version, "v"))
		if err != nil {
			continue
		}
		if best == nil || v.GreaterThan(best) {
			best, latest = v, cv.Version
		}
	}
	return latest
}

// AppID is the name KubeSphere gives the Application of chart in the repo
// named repoName: "<repoName>-<short name>", the short name being the
// lower-cased chart name when that is a DNS subdomain of at most 14
// characters, and otherwise the first 10 hex digits of its MD5 sum.
func AppID(repoName, chart string) string {
	return repoName + "-" + shortName(chart)
}

func shortName(chart string) string {
	s := strings.ToLower(chart)
	if len(s) <= 14 && len(validation.IsDNS1123Subdomain(s)) == 0 {
		return s
	}
	sum := md5.Sum([]byte(s)) //nolint:gosec // KubeSphere's naming scheme
	return hex.EncodeToString(sum[:])[:10]
}

// VersionID is the name KubeSphere gives the ApplicationVersion of
// version of the Application appID: "<appID>-<version>", the version
// replaced by the first 12 hex digits of its SHA-1 sum when it is not a
// DNS subdomain (such as "1.0.0+build" or "V1").
func VersionID(appID, ver string) string {
	if len(validation.IsDNS1123Subdomain(ver)) == 0 {
		return appID + "-" + ver
	}
	sum := sha1.Sum([]byte(ver)) //nolint:gosec // KubeSphere's naming scheme
	return appID + "-" + hex.EncodeToString(sum[:])[:12]
}

// ResolveChartURL resolves a chart URL from an index against the
// repository's URL, as Helm does: an absolute URL (one with a scheme, such
// as https:// or oci://) is kept; a relative one is resolved against the
// repository URL taken as a directory. For the usual relative URL
// ("nginx-1.0.0.tgz" or "charts/nginx-1.0.0.tgz") the result equals
// KubeSphere's, which appends it to the repository URL. The repository
// URL's query is kept, as Helm keeps it.
func ResolveChartURL(repoURL, chartURL string) string {
	ref, err := url.Parse(chartURL)
	if err == nil && ref.IsAbs() {
		return chartURL
	}
	base, berr := url.Parse(repoURL)
	if err != nil || berr != nil {
		return strings.TrimSuffix(repoURL, "/") + "/" + chartURL
	}
	base.Path = strings.TrimSuffix(base.Path, "/") + "/"
	base.RawPath = ""
	resolved := base.ResolveReference(ref)
	resolved.RawQuery = base.RawQuery
	return resolved.String()
}
