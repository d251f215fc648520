package logstore

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MessageField is the field name of a record's message in a Filter, such
// as ContainsFold(MessageField, "timeout").
const MessageField = "_msg"

// Filter selects records. The zero Filter selects every record. Build one
// with the functions of this package; they simplify as they combine, so
// And(Nothing(), f) is Nothing() and a query that can match nothing is
// answered without asking the database.
type Filter struct {
	op     op
	field  string
	values []string
	time   time.Time
	subs   []Filter
}

type op int

const (
	opAll op = iota
	opNone
	opEqual
	opPrefix
	opContainsFold
	opMatches
	opNotBefore
	opBefore
	opAnd
	opOr
	opNot
)

// Everything selects every record.
func Everything() Filter { return Filter{op: opAll} }

// Nothing selects no record.
func Nothing() Filter { return Filter{op: opNone} }

// IsNothing reports whether f can select no record at all.
func (f Filter) IsNothing() bool { return f.op == opNone }

// IsEverything reports whether f selects every record.
func (f Filter) IsEverything() bool { return f.op == opAll }

// Equal selects records whose field equals one of values (case-sensitive).
// With no values it selects nothing. An empty value selects records that
// lack the field: a log database keeps no empty fields.
func Equal(field string, values ...string) Filter {
	if len(values) == 0 {
		return Nothing()
	}
	return Filter{op: opEqual, field: field, values: dedup(values)}
}

// HasPrefix selects records whose field starts with one of prefixes. With
// no prefixes it selects nothing; an empty prefix selects everything.
func HasPrefix(field string, prefixes ...string) Filter {
	if len(prefixes) == 0 {
		return Nothing()
	}
	if slices.Contains(prefixes, "") {
		return Everything()
	}
	return Filter{op: opPrefix, field: field, values: dedup(prefixes)}
}

// ContainsFold selects records whose field contains one of substrings,
// ignoring case. With no substrings it selects nothing; an empty substring
// selects everything.
func ContainsFold(field string, substrings ...string) Filter {
	if len(substrings) == 0 {
		return Nothing()
	}
	if slices.Contains(substrings, "") {
		return Everything()
	}
	return Filter{op: opContainsFold, field: field, values: dedup(substrings)}
}

// Matches selects records whose whole field value matches re (RE2 syntax,
// anchored at both ends whatever re says).
func Matches(field string, re *regexp.Regexp) Filter {
	return Filter{op: opMatches, field: field, values: []string{re.String()}}
}

// NotBefore selects records whose time is t or later.
func NotBefore(t time.Time) Filter {
	if t.IsZero() {
		return Everything()
	}
	return Filter{op: opNotBefore, time: t.UTC()}
}

// Before selects records whose time is before t.
func Before(t time.Time) Filter {
	if t.IsZero() {
		return Everything()
	}
	return Filter{op: opBefore, time: t.UTC()}
}

// And selects records every filter selects.
func And(filters ...Filter) Filter {
	var subs []Filter
	for _, f := range filters {
		switch f.op {
		case opNone:
			return Nothing()
		case opAll:
		case opAnd:
			subs = append(subs, f.subs...)
		default:
			subs = append(subs, f)
		}
	}
	switch len(subs) {
	case 0:
		return Everything()
	case 1:
		return subs[0]
	}
	return Filter{op: opAnd, subs: subs}
}

// Or selects records any filter selects.
func Or(filters ...Filter) Filter {
	var subs []Filter
	for _, f := range filters {
		switch f.op {
		case opAll:
			return Everything()
		case opNone:
		case opOr:
			subs = append(subs, f.subs...)
		default:
			subs = append(subs, f)
		}
	}
	switch len(subs) {
	case 0:
		return Nothing()
	case 1:
		return subs[0]
	}
	return Filter{op: opOr, subs: subs}
}

// Not selects records f does not select.
func Not(f Filter) Filter {
	switch f.op {
	case opAll:
		return Nothing()
	case opNone:
		return Everything()
	case opNot:
		return f.subs[0]
	}
	return Filter{op: opNot, subs: []Filter{f}}
}

// containsFoldRegexp is the unanchored, case-insensitive regexp that finds
// any of substrings.
func containsFoldRegexp(substrings []string) string {
	alts := make([]string, len(substrings))
	for i, v := range substrings {
		alts[i] = regexp.QuoteMeta(v)
	}
	return "(?i)(?:" + strings.Join(alts, "|") + ")"
}

// anchored makes re match whole values only.
func anchored(re string) string { return "^(?:" + re + ")$" }

func dedup(values []string) []string {
	out := slices.Clone(values)
	slices.Sort(out)
	return slices.Compact(out)
}

// LogsQL renders f as a LogsQL filter expression. Every field name and
// value is a Go-quoted string literal, which LogsQL reads back exactly and
// never as an operator; every composed part is parenthesized. Nothing
// renders as a filter that matches no record.
func (f Filter) LogsQL() string {
	var b strings.Builder
	f.logsQL(&b)
	return b.String()
}

func (f Filter) logsQL(b *strings.Builder) {
	q := strconv.Quote
	switch f.op {
	case opAll:
		b.WriteString("*")
	case opNone:
		// A multi-exact filter without values matches nothing.
		b.WriteString(`"_stream_id":in()`)
	case opEqual:
		if len(f.values) == 1 {
			b.WriteString(q(f.field) + ":=" + q(f.values[0]))
			return
		}
		b.WriteString(q(f.field) + ":in(")
		for i, v := range f.values {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(q(v))
		}
		b.WriteString(")")
	case opPrefix:
		b.WriteString("(")
		for i, v := range f.values {
			if i > 0 {
				b.WriteString(" or ")
			}
			// ="value"* is LogsQL's exact-prefix filter.
			b.WriteString(q(f.field) + ":=" + q(v) + "*")
		}
		b.WriteString(")")
	case opContainsFold:
		// A field regexp is unanchored in LogsQL: a substring match.
		b.WriteString(q(f.field) + ":~" + q(containsFoldRegexp(f.values)))
	case opMatches:
		b.WriteString(q(f.field) + ":~" + q(anchored(f.values[0])))
	case opNotBefore:
		b.WriteString("_time:>=" + f.time.Format(time.RFC3339Nano))
	case opBefore:
		b.WriteString("_time:<" + f.time.Format(time.RFC3339Nano))
	case opAnd, opOr:
		sep := " and "
		if f.op == opOr {
			sep = " or "
		}
		b.WriteString("(")
		for i, s := range f.subs {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString("(")
			s.logsQL(b)
			b.WriteString(")")
		}
		b.WriteString(")")
	case opNot:
		b.WriteString("!(")
		f.subs[0].logsQL(b)
		b.WriteString(")")
	}
}

// Match reports whether f selects r, evaluated in Go with the same meaning
// the database gives it. Tests use it to check the database's answers; a
// collector can use it to filter before it writes.
func (f Filter) Match(r Record) bool {
	switch f.op {
	case opAll:
		return true
	case opNone:
		return false
	case opEqual:
		return slices.Contains(f.values, r.field(f.field))
	case opPrefix:
		v := r.field(f.field)
		return slices.ContainsFunc(f.values, func(p string) bool { return strings.HasPrefix(v, p) })
	case opContainsFold:
		return regexp.MustCompile(containsFoldRegexp(f.values)).MatchString(r.field(f.field))
	case opMatches:
		return regexp.MustCompile(anchored(f.values[0])).MatchString(r.field(f.field))
	case opNotBefore:
		return !r.Time.Before(f.time)
	case opBefore:
		return r.Time.Before(f.time)
	case opAnd:
		for _, s := range f.subs {
			if !s.Match(r) {
				return false
			}
		}
		return true
	case opOr:
		return slices.ContainsFunc(f.subs, func(s Filter) bool { return s.Match(r) })
	case opNot:
		return !f.subs[0].Match(r)
	}
	return false
}
