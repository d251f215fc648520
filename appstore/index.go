package appstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"sigs.k8s.io/yaml"
)

// Index is a Helm chart repository's index.yaml, reduced to what the app
// store uses.
type Index struct {
	// APIVersion is the index's apiVersion ("v1").
	APIVersion string
	// Entries maps a chart's name to its versions, in the index's order.
	Entries map[string][]ChartVersion
}

// ChartVersion is one entry of an Index: one version of a chart.
type ChartVersion struct {
	Name        string
	Version     string
	AppVersion  string
	Description string
	Home        string
	Icon        string
	// Created is when the chart archive was added to the index; zero when
	// the index does not say.
	Created     time.Time
	Digest      string
	URLs        []string
	Maintainers []Maintainer
	Deprecated  bool
}

// Maintainer is one of a chart's maintainers.
type Maintainer struct {
	Name  string
	Email string
	URL   string
}

// The wire shape of index.yaml. created is read as a string so a bad
// timestamp can be reported with its field.
type rawIndex struct {
	APIVersion string                        `json:"apiVersion"`
	Entries    map[string][]*rawChartVersion `json:"entries"`
}

type rawChartVersion struct {
	Name        string           `json:"name"`
	Version     string           `json:"version"`
	AppVersion  string           `json:"appVersion"`
	Description string           `json:"description"`
	Home        string           `json:"home"`
	Icon        string           `json:"icon"`
	Created     string           `json:"created"`
	Digest      string           `json:"digest"`
	URLs        []string         `json:"urls"`
	Maintainers []*rawMaintainer `json:"maintainers"`
	Deprecated  bool             `json:"deprecated"`
}

type rawMaintainer struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	URL   string `json:"url"`
}

// ParseIndex reads a Helm chart repository's index.yaml. It refuses, with
// an *InvalidError naming the field, a document that is not YAML or has
// fields of the wrong type ("index.yaml" or the field's path), no
// apiVersion ("apiVersion", as Helm does), or an entry that is empty or
// lacks a name, a version or a chart URL ("entries.<chart>[<i>].<field>";
// KubeSphere would fail later on such an entry). A version that is not
// semantic is kept, as KubeSphere keeps it (RepoObjects names its object by
// a hash); so is a deprecated one.
func ParseIndex(data []byte) (*Index, error) {
	// Convert first and decode the JSON as KubeSphere does: decoding YAML
	// into the types directly would turn an unquoted version 1.10 into
	// "1.1" instead of refusing it.
	var raw rawIndex
	jsonData, err := yaml.YAMLToJSON(data)
	if err == nil {
		err = json.Unmarshal(jsonData, &raw)
	}
	if err != nil {
		field := "index.yaml"
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			field = typeErr.Field
		}
		return nil, &InvalidError{Field: field, Reason: "not a chart repository index: " + err.Error(), Err: err}
	}
	if raw.APIVersion == "" {
		return nil, &InvalidError{Field: "apiVersion", Reason: "no API version specified"}
	}
	idx := &Index{APIVersion: raw.APIVersion, Entries: make(map[string][]ChartVersion, len(raw.Entries))}
	for chart, versions := range raw.Entries {
		if chart == "" {
			return nil, &InvalidError{Field: "entries", Reason: "an entry has an empty chart name"}
		}
		out := make([]ChartVersion, 0, len(versions))
		for i, v := range versions {
			path := fmt.Sprintf("entries.%s[%d]", chart, i)
			cv, err := convertChartVersion(path, v)
			if err != nil {
				return nil, err
			}
			out = append(out, cv)
		}
		idx.Entries[chart] = out
	}
	return idx, nil
}

func convertChartVersion(path string, v *rawChartVersion) (ChartVersion, error) {
	if v == nil {
		return ChartVersion{}, &InvalidError{Field: path, Reason: "empty entry"}
	}
	switch {
	case v.Name == "":
		return ChartVersion{}, &InvalidError{Field: path + ".name", Reason: "a chart name is required"}
	case v.Version == "":
		return ChartVersion{}, &InvalidError{Field: path + ".version", Reason: "a version is required"}
	case len(v.URLs) == 0 || v.URLs[0] == "":
		return ChartVersion{}, &InvalidError{Field: path + ".urls", Reason: "a chart URL is required"}
	}
	cv := ChartVersion{
		Name:        v.Name,
		Version:     v.Version,
		AppVersion:  v.AppVersion,
		Description: v.Description,
		Home:        v.Home,
		Icon:        v.Icon,
		Digest:      v.Digest,
		URLs:        v.URLs,
		Deprecated:  v.Deprecated,
	}
	if v.Created != "" {
		t, err := time.Parse(time.RFC3339Nano, v.Created)
		if err != nil {
			return ChartVersion{}, &InvalidError{Field: path + ".created", Reason: fmt.Sprintf("%q is not an RFC 3339 time", v.Created), Err: err}
		}
		cv.Created = t
	}
	for _, m := range v.Maintainers {
		if m == nil {
			continue
		}
		cv.Maintainers = append(cv.Maintainers, Maintainer{Name: m.Name, Email: m.Email, URL: m.URL})
	}
	return cv, nil
}
