package logstore

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFilterLogsQL(t *testing.T) {
	at := time.Date(2024, 3, 1, 12, 0, 0, 500, time.FixedZone("CET", 3600))
	tests := []struct {
		name   string
		filter Filter
		want   string
	}{
		{"zero filter selects everything", Filter{}, `*`},
		{"one value", Equal("namespace", "demo"), `"namespace":="demo"`},
		{"values are sorted and deduplicated", Equal("pod", "b", "a", "b"), `"pod":in("a","b")`},
		{"quotes and operators stay inside the literal", Equal("namespace", `x") or ("`), `"namespace":="x\") or (\""`},
		{"prefixes", HasPrefix("pod", "web-", "api-"), `("pod":="api-"* or "pod":="web-"*)`},
		{"substrings ignore case and are literal", ContainsFold(MessageField, "a.b", "(x"), `"_msg":~"(?i)(?:\\(x|a\\.b)"`},
		{"a regexp matches whole values", Matches("pod", regexp.MustCompile(`web-[0-9]+`)), `"pod":~"^(?:web-[0-9]+)$"`},
		{"time bound in UTC", NotBefore(at), `_time:>=2024-03-01T11:00:00.0000005Z`},
		{"upper time bound", Before(at), `_time:<2024-03-01T11:00:00.0000005Z`},
		{"and", And(Equal("a", "1"), Equal("b", "2")), `(("a":="1") and ("b":="2"))`},
		{"or", Or(Equal("a", "1"), Equal("b", "2")), `(("a":="1") or ("b":="2"))`},
		{"not", Not(Equal("a", "1")), `!("a":="1")`},
		{"nothing renders as a filter matching nothing", Nothing(), `"_stream_id":in()`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.filter.LogsQL())
		})
	}
}

func TestFilterSimplifies(t *testing.T) {
	a, b := Equal("a", "1"), Equal("b", "2")
	tests := []struct {
		name      string
		got, want Filter
	}{
		{"no values selects nothing", Equal("a"), Nothing()},
		{"an empty prefix selects everything", HasPrefix("a", "x", ""), Everything()},
		{"an empty substring selects everything", ContainsFold("a", ""), Everything()},
		{"a zero time bounds nothing", NotBefore(time.Time{}), Everything()},
		{"a zero upper bound bounds nothing", Before(time.Time{}), Everything()},
		{"and with nothing", And(a, Nothing()), Nothing()},
		{"and drops everything", And(a, Everything()), a},
		{"empty and", And(), Everything()},
		{"and flattens", And(And(a, b), a), Filter{op: opAnd, subs: []Filter{a, b, a}}},
		{"or with everything", Or(a, Everything()), Everything()},
		{"or drops nothing", Or(Nothing(), b), b},
		{"empty or", Or(), Nothing()},
		{"not not", Not(Not(a)), a},
		{"not everything", Not(Everything()), Nothing()},
		{"not nothing", Not(Nothing()), Everything()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got)
		})
	}
}

func TestFilterMatch(t *testing.T) {
	r := Record{Time: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), Message: "Connection TIMEOUT after 3s",
		Fields: map[string]string{"namespace": "demo", "pod": "web-7c9f-abcde"}}
	tests := []struct {
		filter Filter
		want   bool
	}{
		{Equal("namespace", "demo", "other"), true},
		{Equal("namespace", "Demo"), false},
		{Equal("container", ""), true}, // a missing field is the empty value
		{HasPrefix("pod", "web-"), true},
		{HasPrefix("pod", "api-"), false},
		{ContainsFold(MessageField, "timeout"), true},
		{ContainsFold(MessageField, "3S"), true},
		{ContainsFold(MessageField, "refused"), false},
		{Matches("pod", regexp.MustCompile(`web-[0-9a-f]+-[a-z]{5}`)), true},
		{Matches("pod", regexp.MustCompile(`web`)), false}, // anchored
		{NotBefore(r.Time), true},
		{NotBefore(r.Time.Add(time.Nanosecond)), false},
		{Before(r.Time), false},
		{Before(r.Time.Add(time.Nanosecond)), true},
		{And(Equal("namespace", "demo"), Not(HasPrefix("pod", "web-"))), false},
		{Or(Equal("namespace", "x"), HasPrefix("pod", "web-")), true},
	}
	for _, tt := range tests {
		t.Run(tt.filter.LogsQL(), func(t *testing.T) {
			assert.Equal(t, tt.want, tt.filter.Match(r))
		})
	}
}

// FuzzEqualIsOneLiteral checks that any field name and value render as
// exactly two string literals around the operator, which read back as the
// field name and value: no input can end a literal early and add LogsQL of
// its own.
func FuzzEqualIsOneLiteral(f *testing.F) {
	for _, seed := range [][2]string{{"namespace", "demo"}, {"ns", `") or *`}, {"a", "x\" | delete _msg"}, {"b", "\x00\xff\n`"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, field, value string) {
		q := Equal(field, value).LogsQL()
		name, err := strconv.QuotedPrefix(q)
		require.NoError(t, err)
		rest, ok := strings.CutPrefix(q[len(name):], ":=")
		require.True(t, ok, "operator after the field name in %q", q)
		lit, err := strconv.QuotedPrefix(rest)
		require.NoError(t, err)
		require.Equal(t, len(rest), len(lit), "nothing after the value literal in %q", q)
		gotField, err := strconv.Unquote(name)
		require.NoError(t, err)
		gotValue, err := strconv.Unquote(lit)
		require.NoError(t, err)
		// strconv.Quote replaces invalid UTF-8 by escapes that read back
		// as the same bytes.
		assert.Equal(t, field, gotField)
		assert.Equal(t, value, gotValue)
	})
}

// FuzzContainsFoldIsLiteral checks that a substring filter reads its
// substring literally, whatever regexp syntax it holds: the regexp always
// compiles, finds the substring anywhere, and finds nothing in a text
// without its first rune in either case.
func FuzzContainsFoldIsLiteral(f *testing.F) {
	for _, seed := range []string{"timeout", ".*", "a|b", `\`, "(?i)x", "ß", "\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, sub string) {
		if sub == "" || !utf8.ValidString(sub) {
			return
		}
		re, err := regexp.Compile(containsFoldRegexp([]string{sub}))
		require.NoError(t, err)
		assert.True(t, re.MatchString("before "+sub+" after"))
		assert.False(t, re.MatchString(strings.Repeat("\x00", 3)) && !strings.Contains(sub, "\x00"))
	})
}
