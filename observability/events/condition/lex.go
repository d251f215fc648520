package condition

import (
	"fmt"
	"strconv"
	"strings"
)

type tokKind int

const (
	tokEOF tokKind = iota
	tokAnd
	tokOr
	tokNot
	tokCompare  // = == != > < >= <=
	tokContains // contains, not contains
	tokIn       // in, not in
	tokMatch    // like, not like, regex, not regex
	tokExists   // exists, not exists
	tokComma
	tokLParen
	tokRParen
	tokNumber
	tokBool
	tokString
	tokVar
)

type token struct {
	kind   tokKind
	text   string // as written; for an operator its canonical form
	offset int
}

func (t token) String() string {
	if t.kind == tokEOF {
		return "the end"
	}
	return strconv.Quote(t.text)
}

// value is a string token's text without quotes and escapes, or a number's
// text.
func (t token) value() string {
	if t.kind != tokString {
		return t.text
	}
	s := t.text[1 : len(t.text)-1]
	s = strings.ReplaceAll(s, `\"`, `"`)
	return strings.ReplaceAll(s, `\\`, `\`)
}

// words are the keywords; an operator of two words ("not in") is one
// token when both are there.
var words = map[string]tokKind{
	"and": tokAnd, "or": tokOr, "not": tokNot, "contains": tokContains, "in": tokIn,
	"like": tokMatch, "regex": tokMatch, "exists": tokExists,
	"true": tokBool, "True": tokBool, "TRUE": tokBool, "false": tokBool, "False": tokBool, "FALSE": tokBool,
}

func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(' || c == ')' || c == ',':
			kind := map[byte]tokKind{'(': tokLParen, ')': tokRParen, ',': tokComma}[c]
			toks = append(toks, token{kind: kind, text: string(c), offset: i})
			i++
		case c == '"':
			j := i + 1
			for ; j < len(src) && src[j] != '"'; j++ {
				if src[j] == '\\' && j+1 < len(src) && (src[j+1] == '"' || src[j+1] == '\\') {
					j++
				}
			}
			if j >= len(src) {
				return nil, &SyntaxError{Offset: i, Reason: "a string is not closed"}
			}
			toks = append(toks, token{kind: tokString, text: src[i : j+1], offset: i})
			i = j + 1
		case c == '=' || c == '!' || c == '<' || c == '>':
			op := string(c)
			if i+1 < len(src) && src[i+1] == '=' {
				op += "="
			}
			if op == "!" {
				toks = append(toks, token{kind: tokNot, text: "!", offset: i})
			} else {
				toks = append(toks, token{kind: tokCompare, text: op, offset: i})
			}
			i += len(op)
		case c == '-' || isDigit(c):
			j := i
			if c == '-' {
				j++
			}
			start := j
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			if j == start {
				return nil, &SyntaxError{Offset: i, Reason: "- must start a number"}
			}
			if j+1 < len(src) && src[j] == '.' && isDigit(src[j+1]) {
				j++
				for j < len(src) && isDigit(src[j]) {
					j++
				}
			}
			toks = append(toks, token{kind: tokNumber, text: src[i:j], offset: i})
			i = j
		case isLetter(c):
			j := lexVar(src, i)
			word := src[i:j]
			kind, keyword := words[word]
			if !keyword {
				toks = append(toks, token{kind: tokVar, text: word, offset: i})
				i = j
				continue
			}
			text := word
			if kind == tokNot {
				// not contains, not in, not like, not regex, not exists
				k := j
				for k < len(src) && (src[k] == ' ' || src[k] == '\t' || src[k] == '\r' || src[k] == '\n') {
					k++
				}
				if k > j && k < len(src) && isLetter(src[k]) {
					e := lexVar(src, k)
					if second := words[src[k:e]]; second == tokContains || second == tokIn || second == tokMatch || second == tokExists {
						kind, text, j = second, "not "+src[k:e], e
					}
				}
			}
			toks = append(toks, token{kind: kind, text: text, offset: i})
			i = j
		default:
			return nil, &SyntaxError{Offset: i, Reason: fmt.Sprintf("unexpected character %q", rune(c))}
		}
	}
	return append(toks, token{kind: tokEOF, offset: len(src)}), nil
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

// lexVar returns the end of a field path starting at i: letters, digits,
// _, - and ., and subscripts in brackets.
func lexVar(src string, i int) int {
	j := i
	for j < len(src) {
		c := src[j]
		switch {
		case isLetter(c) || isDigit(c) || c == '-' || c == '.':
			j++
		case c == '[':
			k := strings.IndexByte(src[j:], ']')
			if k < 0 {
				return len(src)
			}
			j += k + 1
		default:
			return j
		}
	}
	return j
}
