package monitoring

import (
	"math"
	"slices"
	"sort"
)

// Sort orders.
const (
	SortAscending  = "asc"
	SortDescending = "desc"
)

// Sort orders the series of every vector result the same way, by the values
// of one target metric, as KubeSphere does: the resources (told apart by the
// identifier label, such as namespace) in the target metric's order (by
// value, descending unless order is SortAscending; ties, NaN and missing
// values last, by name), then the resources the target metric lacks, by
// name. Every vector result then holds one entry per resource in that order,
// an empty Series where it has none for a resource, so the same index is
// the same resource in every metric. Matrix results and results with an
// error are left alone. Sort sets Page 1, TotalPage 1 and TotalItem to the
// number of resources; nothing happens when target or identifier is empty.
func (m *Metrics) Sort(target, order, identifier string) {
	if target == "" || identifier == "" || len(m.Results) == 0 {
		return
	}
	ordinal := map[string]int{}
	seen := map[string]bool{}
	for i := range m.Results {
		r := &m.Results[i]
		if r.Data.ResultType != ResultTypeVector || r.Error != "" {
			continue
		}
		if r.MetricName == target {
			sortSeries(r.Data.Result, identifier, order)
			for _, s := range r.Data.Result {
				if id := s.Labels[identifier]; id != "" {
					if _, ok := ordinal[id]; !ok {
						ordinal[id] = len(ordinal)
					}
				}
			}
		}
		for _, s := range r.Data.Result {
			if id := s.Labels[identifier]; id != "" {
				seen[id] = true
			}
		}
	}
	rest := make([]string, 0, len(seen))
	for id := range seen {
		if _, ok := ordinal[id]; !ok {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	for _, id := range rest {
		ordinal[id] = len(ordinal)
	}
	for i := range m.Results {
		r := &m.Results[i]
		if r.Data.ResultType != ResultTypeVector || r.Error != "" {
			continue
		}
		sorted := make([]Series, len(ordinal))
		for _, s := range r.Data.Result {
			if id := s.Labels[identifier]; id != "" {
				sorted[ordinal[id]] = s
			}
		}
		r.Data.Result = sorted
	}
	m.Page, m.TotalPage, m.TotalItem = 1, 1, len(ordinal)
}

// sortSeries orders a target metric's series: by value (descending unless
// order is asc), series without a value and NaN last, ties by name.
func sortSeries(ss []Series, identifier, order string) {
	sort.SliceStable(ss, func(i, j int) bool {
		p, q := ss[i].Value, ss[j].Value
		switch {
		case p == nil && q == nil:
			return ss[i].Labels[identifier] < ss[j].Labels[identifier]
		case p == nil:
			return false
		case q == nil:
			return true
		}
		pn, qn := math.IsNaN(p.Value), math.IsNaN(q.Value)
		switch {
		case pn && qn, p.Value == q.Value:
			return ss[i].Labels[identifier] < ss[j].Labels[identifier]
		case pn != qn:
			return qn
		case order == SortAscending:
			return p.Value < q.Value
		default:
			return p.Value > q.Value
		}
	})
}

// Paginate keeps page (from 1) of limit entries of every vector result and sets
// Page and TotalPage from TotalItem (Sort sets it). A page past the end
// leaves the results empty. Nothing happens unless page and limit are
// positive.
func (m *Metrics) Paginate(page, limit int) {
	if page < 1 || limit < 1 || len(m.Results) == 0 {
		return
	}
	start := (page - 1) * limit
	for i := range m.Results {
		r := &m.Results[i]
		if r.Data.ResultType != ResultTypeVector || r.Error != "" {
			continue
		}
		total := len(r.Data.Result)
		if start >= total {
			r.Data.Result = nil
			continue
		}
		r.Data.Result = r.Data.Result[start:min(start+limit, total)]
	}
	m.Page = page
	m.TotalPage = int(math.Ceil(float64(m.TotalItem) / float64(limit)))
}
