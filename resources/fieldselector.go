package resources

import (
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Bounds of a field selector, so parsing and evaluating it is cheap whatever
// a request sends.
const (
	maxFieldTerms     = 16
	maxFieldPathLen   = 256
	maxFieldSegments  = 32
	maxSegmentIndexes = 4
	maxFieldIndex     = 1 << 20
	// maxFieldSteps bounds the nodes one term visits in one object.
	maxFieldSteps = 100_000
)

// FieldSelector selects objects by fields of their JSON form. It is a
// comma-separated list of terms, all of which must match:
//
//	path=value    some value at path equals value
//	path!=value   no value at path equals value
//
// A path is a dotted list of field names (letters, digits, '_', '-', '/'),
// each optionally followed by up to four indexes: [N] for the Nth element of
// a list, [*] for every element, as in spec.containers[*].image or
// status.conditions[0].type. A map key that itself contains dots, such as
// the annotation example.com/key, is written with escaped dots,
// metadata.annotations.example\.com/key, and is then read only that way.
// Without escapes such a key is found by joining segments,
// metadata.labels.app.kubernetes.io/name, and every reading of the path is
// tried. A value starting with '~' is compared ignoring case. A path that
// is missing compares as the empty string, as in Kubernetes field
// selectors.
//
// Terms and values are split and escaped as in Kubernetes field selectors
// (the form KubeSphere parses them with): terms are separated by commas not
// preceded by a backslash, empty terms are skipped, and a value may escape
// a comma, an equals sign or a backslash with a backslash (\, for a comma);
// any other escape is refused. In a path, a backslash may only escape a dot.
//
// KubeSphere v4.1.3 accepts the escaped form too, but its JSONPath lookup
// splits the path at every dot, so there a term on a dotted key matches no
// object; here it matches the key it names.
type FieldSelector struct {
	raw   string
	terms []fieldTerm
}

type fieldTerm struct {
	// pathText is the path with escaped dots unescaped; joined keys are
	// slices of it.
	pathText string
	path     []pathSegment
	// exact is set when the path escapes a dot: it then has one reading
	// and segments are never joined.
	exact bool
	value string
	not   bool
	// fold compares ignoring case.
	fold bool
	// meta is metaName or metaNamespace when path is metadata.name or
	// metadata.namespace, which are read without converting the object.
	meta int
}

const (
	metaNone = iota
	metaName
	metaNamespace
)

type pathSegment struct {
	name string
	// start and end delimit name in the path text.
	start, end int
	// idx holds list indexes; -1 is [*].
	idx []int
}

// ParseFieldSelector parses s (see FieldSelector). Errors are
// *InvalidError naming "fieldSelector".
func ParseFieldSelector(s string) (*FieldSelector, error) {
	if len(s) > maxParamLen {
		return nil, fieldErr("longer than " + strconv.Itoa(maxParamLen) + " bytes")
	}
	fs := &FieldSelector{raw: s}
	if strings.TrimSpace(s) == "" {
		return fs, nil
	}
	for _, term := range splitTerms(s) {
		if term == "" {
			continue // as Kubernetes skips empty terms
		}
		if len(fs.terms) == maxFieldTerms {
			return nil, fieldErr("more than " + strconv.Itoa(maxFieldTerms) + " terms")
		}
		t, err := parseFieldTerm(term)
		if err != nil {
			return nil, err
		}
		fs.terms = append(fs.terms, t)
	}
	return fs, nil
}

// splitTerms splits s at the commas that no backslash escapes.
func splitTerms(s string) []string {
	var terms []string
	start, escaped := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case escaped:
			escaped = false
		case s[i] == '\\':
			escaped = true
		case s[i] == ',':
			terms = append(terms, s[start:i])
			start = i + 1
		}
	}
	return append(terms, s[start:])
}

// unescapeValue undoes a value's escapes of a comma, = and backslash.
func unescapeValue(v string) (string, error) {
	if !strings.Contains(v, `\`) {
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' {
			b.WriteByte(v[i])
			continue
		}
		i++
		if i == len(v) || v[i] != ',' && v[i] != '=' && v[i] != '\\' {
			return "", fieldErr("value " + strconv.Quote(v) + ": a backslash may only escape a comma, = or another backslash")
		}
		b.WriteByte(v[i])
	}
	return b.String(), nil
}

func fieldErr(reason string) error {
	return &InvalidError{Field: ParamFieldSelector, Reason: reason}
}

func parseFieldTerm(s string) (fieldTerm, error) {
	var t fieldTerm
	i := strings.IndexByte(s, '=')
	if i < 0 {
		return t, fieldErr("term " + strconv.Quote(s) + " has no = or !=")
	}
	path, value := s[:i], s[i+1:]
	if p, ok := strings.CutSuffix(path, "!"); ok {
		path, t.not = p, true
	} else if v, ok := strings.CutPrefix(value, "="); ok {
		value = v // "=="
	}
	value, err := unescapeValue(value)
	if err != nil {
		return t, err
	}
	if v, ok := strings.CutPrefix(value, "~"); ok {
		value, t.fold = v, true
	}
	t.value = value
	path = strings.TrimSpace(path)
	if t.path, t.pathText, err = parseFieldPath(path); err != nil {
		return t, err
	}
	t.exact = strings.Contains(path, `\`)
	switch path {
	case "metadata.name":
		t.meta = metaName
	case "metadata.namespace":
		t.meta = metaNamespace
	}
	return t, nil
}

// parseFieldPath parses path into segments and returns them with the path
// text they index: path with its escaped dots unescaped.
func parseFieldPath(path string) ([]pathSegment, string, error) {
	if path == "" {
		return nil, "", fieldErr("empty path")
	}
	if len(path) > maxFieldPathLen {
		return nil, "", fieldErr("path longer than " + strconv.Itoa(maxFieldPathLen) + " bytes")
	}
	bad := func(why string) error { return fieldErr("path " + strconv.Quote(path) + ": " + why) }
	text := strings.ReplaceAll(path, `\.`, ".")
	var segs []pathSegment
	// i walks path, j the same place in text.
	i, j := 0, 0
	for {
		if len(segs) == maxFieldSegments {
			return nil, "", bad("more than " + strconv.Itoa(maxFieldSegments) + " segments")
		}
		seg := pathSegment{start: j}
		for i < len(path) {
			if path[i] == '\\' {
				if i+1 == len(path) || path[i+1] != '.' {
					return nil, "", bad(`a backslash may only escape a dot`)
				}
				i, j = i+2, j+1
				continue
			}
			if !isFieldNameByte(path[i]) {
				break
			}
			i, j = i+1, j+1
		}
		if j == seg.start {
			return nil, "", bad("empty or malformed segment")
		}
		seg.end = j
		seg.name = text[seg.start:seg.end]
		for i < len(path) && path[i] != '.' {
			if len(seg.idx) == maxSegmentIndexes {
				return nil, "", bad("more than " + strconv.Itoa(maxSegmentIndexes) + " indexes in a segment")
			}
			rest := path[i:]
			end := strings.IndexByte(rest, ']')
			if rest[0] != '[' || end < 0 {
				return nil, "", bad("want [N] or [*] after a field name")
			}
			inner := rest[1:end]
			i, j = i+end+1, j+end+1
			if inner == "*" {
				seg.idx = append(seg.idx, -1)
				continue
			}
			if inner == "" || len(inner) > 7 || strings.TrimLeft(inner, "0123456789") != "" {
				return nil, "", bad("index must be * or a whole number")
			}
			k, _ := strconv.Atoi(inner)
			if k > maxFieldIndex {
				return nil, "", bad("index above " + strconv.Itoa(maxFieldIndex))
			}
			seg.idx = append(seg.idx, k)
		}
		segs = append(segs, seg)
		if i == len(path) {
			return segs, text, nil
		}
		i, j = i+1, j+1 // the separating dot
	}
}

func isFieldNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '/'
}

// String returns the selector as parsed.
func (s *FieldSelector) String() string {
	if s == nil {
		return ""
	}
	return s.raw
}

// Empty reports whether s selects everything.
func (s *FieldSelector) Empty() bool { return s == nil || len(s.terms) == 0 }

// needsContent reports whether some term reads more than name and
// namespace.
func (s *FieldSelector) needsContent() bool {
	for _, t := range s.terms {
		if t.meta == metaNone {
			return true
		}
	}
	return false
}

// Matches reports whether obj matches every term. Objects other than
// *unstructured.Unstructured are converted to their JSON map first (only
// when a term reads more than metadata.name or metadata.namespace).
func (s *FieldSelector) Matches(obj runtime.Object) (bool, error) {
	if s.Empty() {
		return true, nil
	}
	var content map[string]any
	if s.needsContent() {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			content = u.Object
		} else {
			var err error
			if content, err = runtime.DefaultUnstructuredConverter.ToUnstructured(obj); err != nil {
				return false, err
			}
		}
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return false, err
	}
	return s.matches(m.GetName(), m.GetNamespace(), content), nil
}

// MatchesMap reports whether the JSON map of an object matches every term.
func (s *FieldSelector) MatchesMap(content map[string]any) bool {
	if s.Empty() {
		return true
	}
	return s.matches("", "", content)
}

// matches evaluates the terms; name and namespace serve metadata.name and
// metadata.namespace terms when content is nil.
func (s *FieldSelector) matches(name, namespace string, content map[string]any) bool {
	for i := range s.terms {
		t := &s.terms[i]
		var eq bool
		switch {
		case t.meta == metaName && content == nil:
			eq = t.equal(name)
		case t.meta == metaNamespace && content == nil:
			eq = t.equal(namespace)
		default:
			eq = t.anyEqual(content)
		}
		if eq == t.not {
			return false
		}
	}
	return true
}

func (t *fieldTerm) equal(v string) bool {
	if t.fold {
		return strings.EqualFold(v, t.value)
	}
	return v == t.value
}

// anyEqual reports whether some value at the path equals the term's value;
// a path with no value compares as "".
func (t *fieldTerm) anyEqual(content map[string]any) bool {
	w := walker{term: t, steps: maxFieldSteps}
	w.walk(content, 0)
	if !w.found {
		return t.equal("")
	}
	return w.eq
}

type walker struct {
	term  *fieldTerm
	steps int
	// found is set once any value is reached, eq once one equals.
	found, eq bool
}

// walk looks segment i up in node.
func (w *walker) walk(node any, i int) {
	if w.eq || w.steps <= 0 {
		return
	}
	w.steps--
	segs := w.term.path
	if i == len(segs) {
		w.leaf(node)
		return
	}
	m, ok := node.(map[string]any)
	if !ok {
		return
	}
	if v, ok := m[segs[i].name]; ok {
		w.index(v, i, 0)
	}
	// A key with dots: join the following segments while none has indexes.
	// Every reading is tried; the step budget bounds them. A path with
	// escaped dots has only the reading it spells.
	if w.term.exact {
		return
	}
	for j := i + 1; j < len(segs) && len(segs[j-1].idx) == 0 && !w.eq && w.steps > 0; j++ {
		w.steps--
		if v, ok := m[w.term.pathText[segs[i].start:segs[j].end]]; ok {
			w.index(v, j, 0)
		}
	}
}

// index applies index k of segment i to node, then walks on.
func (w *walker) index(node any, i, k int) {
	if w.eq || w.steps <= 0 {
		return
	}
	w.steps--
	idx := w.term.path[i].idx
	if k == len(idx) {
		w.walk(node, i+1)
		return
	}
	list, ok := node.([]any)
	if !ok {
		return
	}
	if idx[k] >= 0 {
		if idx[k] < len(list) {
			w.index(list[idx[k]], i, k+1)
		}
		return
	}
	for _, el := range list {
		w.index(el, i, k+1)
	}
}

func (w *walker) leaf(v any) {
	var s string
	switch v := v.(type) {
	case nil:
	case string:
		s = v
	case bool:
		s = strconv.FormatBool(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case int:
		s = strconv.Itoa(v)
	case int32:
		s = strconv.FormatInt(int64(v), 10)
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	default:
		// Maps and lists have no scalar value; they count as present.
		w.found = true
		return
	}
	w.found = true
	if w.term.equal(s) {
		w.eq = true
	}
}
