package kapi

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spherekit/spherekit/internal/fielderr"
)

// intervalRE is the interval syntax accepted: KubeSphere's units but the
// calendar ones (M, q, y), whose buckets are not of one width.
var intervalRE = regexp.MustCompile(`^([1-9][0-9]{0,5})([smhdw])$`)

// List splits a comma-separated parameter, trimming spaces and dropping
// empty items; more than limit items are refused.
func List(name, s string, limit int) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	if len(out) > limit {
		return nil, &fielderr.Invalid{Field: name, Reason: fmt.Sprintf("has %d items; at most %d are allowed", len(out), limit)}
	}
	return out, nil
}

// Seconds reads a time in whole seconds since the epoch; empty is the
// zero time.
func Seconds(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return time.Time{}, &fielderr.Invalid{Field: name, Reason: fmt.Sprintf("%q is not a time in whole seconds since the epoch", s), Err: err}
	}
	return time.Unix(n, 0).UTC(), nil
}

// Interval reads a histogram interval such as 15m (parameter interval);
// empty is def.
func Interval(s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	m := intervalRE.FindStringSubmatch(s)
	if m == nil {
		return 0, &fielderr.Invalid{Field: "interval", Reason: fmt.Sprintf("%q is not a count and one of the units s, m, h, d, w (such as 15m)", s)}
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, nil
}

// Count reads a whole number from 0 to limit; empty is def.
func Count(name, s string, def, limit int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return 0, &fielderr.Invalid{Field: name, Reason: fmt.Sprintf("%q is not a whole number", s), Err: err}
	case n < 0:
		return 0, &fielderr.Invalid{Field: name, Reason: "is negative"}
	case n > limit:
		return 0, &fielderr.Invalid{Field: name, Reason: fmt.Sprintf("%d is above the maximum of %d", n, limit)}
	}
	return n, nil
}

// Sort reads sort: asc is true, desc or empty false.
func Sort(s string) (ascending bool, err error) {
	switch s {
	case "", "desc":
		return false, nil
	case "asc":
		return true, nil
	}
	return false, &fielderr.Invalid{Field: "sort", Reason: fmt.Sprintf("%q is not asc or desc", s)}
}
