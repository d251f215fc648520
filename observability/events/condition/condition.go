package condition

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// MaxLength bounds a condition's text; MaxDepth bounds its nesting of
// parentheses and nots.
const (
	MaxLength = 64 << 10
	MaxDepth  = 100
)

// SyntaxError reports a condition Parse refuses: the byte offset where the
// problem is and what it is.
type SyntaxError struct {
	Offset int
	Reason string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("condition: at offset %d: %s", e.Offset, e.Reason)
}

// EvalError reports a condition that could not be evaluated against a
// document: a value of the wrong type for its comparison.
type EvalError struct {
	Field  string
	Reason string
}

func (e *EvalError) Error() string {
	return fmt.Sprintf("condition: field %s: %s", e.Field, e.Reason)
}

// Condition is a parsed condition. It is immutable and safe for concurrent
// use.
type Condition struct {
	src  string
	root node
}

// String returns the condition's text.
func (c *Condition) String() string { return c.src }

// Match reports whether the condition holds for doc, a document decoded
// from JSON (maps of string to any, slices of any, strings, float64s,
// bools and nils, as encoding/json decodes into any).
func (c *Condition) Match(doc any) (bool, error) {
	return c.root.eval(doc)
}

// Parse reads a condition.
func Parse(src string) (*Condition, error) {
	if len(src) > MaxLength {
		return nil, &SyntaxError{Offset: MaxLength, Reason: fmt.Sprintf("the condition is longer than %d bytes", MaxLength)}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	root, err := p.expression(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, &SyntaxError{Offset: t.offset, Reason: fmt.Sprintf("unexpected %s after a complete condition", t)}
	}
	return &Condition{src: src, root: root}, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

// expression reads operands joined by and/or, left to right.
func (p *parser) expression(depth int) (node, error) {
	left, err := p.operand(depth)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tokAnd && t.kind != tokOr {
			return left, nil
		}
		p.next()
		right, err := p.operand(depth)
		if err != nil {
			return nil, err
		}
		left = &logical{and: t.kind == tokAnd, left: left, right: right}
	}
}

func (p *parser) operand(depth int) (node, error) {
	if depth > MaxDepth {
		return nil, &SyntaxError{Offset: p.peek().offset, Reason: fmt.Sprintf("nested deeper than %d", MaxDepth)}
	}
	t := p.next()
	switch t.kind {
	case tokNot:
		// not takes everything after it, and/or included.
		inner, err := p.expression(depth + 1)
		if err != nil {
			return nil, err
		}
		return &not{inner: inner}, nil
	case tokLParen:
		inner, err := p.expression(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, &SyntaxError{Offset: c.offset, Reason: fmt.Sprintf("expected ) to close the ( at offset %d, found %s", t.offset, c)}
		}
		return inner, nil
	case tokVar:
		return p.comparison(t)
	}
	return nil, &SyntaxError{Offset: t.offset, Reason: fmt.Sprintf("expected a field, not, or (, found %s", t)}
}

func (p *parser) comparison(field token) (node, error) {
	path, err := parsePath(field)
	if err != nil {
		return nil, err
	}
	op := p.peek()
	switch op.kind {
	case tokCompare:
		p.next()
		v := p.next()
		switch {
		case v.kind == tokString || v.kind == tokNumber:
			return &compare{path: path, op: op.text, value: v}, nil
		case v.kind == tokBool && (op.text == "=" || op.text == "==" || op.text == "!="):
			b, _ := strconv.ParseBool(strings.ToLower(v.text))
			return &boolCompare{path: path, want: b, negate: op.text == "!="}, nil
		}
		return nil, &SyntaxError{Offset: v.offset, Reason: fmt.Sprintf("expected a string or a number after %s, found %s", op.text, v)}
	case tokContains:
		p.next()
		v := p.next()
		if v.kind != tokString && v.kind != tokNumber {
			return nil, &SyntaxError{Offset: v.offset, Reason: fmt.Sprintf("expected a string or a number after %s, found %s", op.text, v)}
		}
		return &contains{path: path, text: v.value(), negate: op.text != "contains"}, nil
	case tokIn:
		p.next()
		if l := p.next(); l.kind != tokLParen {
			return nil, &SyntaxError{Offset: l.offset, Reason: fmt.Sprintf("expected ( after %s, found %s", op.text, l)}
		}
		n := &in{path: path, negate: op.text != "in"}
		for {
			v := p.next()
			if v.kind != tokString && v.kind != tokNumber {
				return nil, &SyntaxError{Offset: v.offset, Reason: fmt.Sprintf("expected a string or a number in the list, found %s", v)}
			}
			n.values = append(n.values, v.value())
			switch c := p.next(); c.kind {
			case tokComma:
				continue
			case tokRParen:
				return n, nil
			default:
				return nil, &SyntaxError{Offset: c.offset, Reason: fmt.Sprintf("expected , or ) in the list, found %s", c)}
			}
		}
	case tokMatch:
		p.next()
		v := p.next()
		if v.kind != tokString {
			return nil, &SyntaxError{Offset: v.offset, Reason: fmt.Sprintf("expected a string after %s, found %s", op.text, v)}
		}
		pattern := v.value()
		like := strings.HasSuffix(op.text, "like")
		if like {
			pattern = likePattern(pattern)
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return nil, &SyntaxError{Offset: v.offset, Reason: fmt.Sprintf("bad %s pattern: %v", op.text, err)}
		}
		return &match{path: path, re: re, negate: strings.HasPrefix(op.text, "not")}, nil
	case tokExists:
		p.next()
		return &exists{path: path, negate: op.text != "exists"}, nil
	}
	return &variable{path: path}, nil
}

// likePattern turns a like pattern into a regular expression: ? is one
// character and each run of * any text; the rest stands as written, as
// in KubeSphere.
func likePattern(p string) string {
	p = strings.ReplaceAll(p, "?", ".")
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '*' {
			b.WriteByte(p[i])
			continue
		}
		for i+1 < len(p) && p[i+1] == '*' {
			i++
		}
		b.WriteString("(.*)")
	}
	return b.String()
}

// Format replaces each %field in format with the text of that field of
// doc (a dotted path of letters, digits, _ and .), as kube-events fills an
// alert rule's annotations: a field the document lacks, or an object,
// gives <nil>; a % followed by no field name is dropped.
func Format(format string, doc any) string {
	var b strings.Builder
	for i := 0; i < len(format); {
		if format[i] != '%' {
			b.WriteByte(format[i])
			i++
			continue
		}
		j := i + 1
		for j < len(format) && (isLetter(format[j]) || isDigit(format[j]) || format[j] == '.') {
			j++
		}
		if key := format[i+1 : j]; key != "" {
			b.WriteString(formatField(key, doc))
		}
		i = j
	}
	return b.String()
}

func formatField(key string, doc any) string {
	var segments []segment
	for _, k := range strings.Split(key, ".") {
		if k == "" {
			return "<nil>"
		}
		segments = append(segments, segment{key: k})
	}
	for _, v := range (path{text: key, segments: segments}).scalars(doc) {
		return text(v)
	}
	return "<nil>"
}
