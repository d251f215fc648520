package ldap

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// ldifEntry is one entry to add: its DN and its attributes in the order
// they first appear.
type ldifEntry struct {
	dn    string
	attrs []ldifAttr
}

type ldifAttr struct {
	name   string
	values []string
}

// add appends values to the attribute named name (matched without regard
// to case), adding the attribute when it is new.
func (e *ldifEntry) add(name string, values ...string) {
	for i := range e.attrs {
		if strings.EqualFold(e.attrs[i].name, name) {
			e.attrs[i].values = append(e.attrs[i].values, values...)
			return
		}
	}
	e.attrs = append(e.attrs, ldifAttr{name: name, values: append([]string(nil), values...)})
}

// ldifLine is a logical line (continuations unfolded) and the number of its
// first physical line.
type ldifLine struct {
	n    int
	text string
}

// parseLDIF reads the entries of an LDIF document (RFC 2849): records
// separated by blank lines, each a "dn:" line and "name: value" lines,
// with "name:: base64" for values that need it, continuation lines that
// start with one space, "#" comment lines and an optional "version: 1"
// first. Records may say "changetype: add" and nothing else; URL values
// ("name:< file://...") and controls are refused. Lines holding only
// spaces or tabs count as blank. Errors are *OptionsError for the field
// "ldif", naming the line.
func parseLDIF(s string) ([]ldifEntry, error) {
	bad := func(n int, format string, args ...any) error {
		return &OptionsError{Field: "ldif", Reason: fmt.Sprintf("line %d: ", n) + fmt.Sprintf(format, args...)}
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var lines []ldifLine
	prevBlank := true
	for i, text := range strings.Split(s, "\n") {
		switch {
		case strings.Trim(text, " \t") == "":
			lines = append(lines, ldifLine{n: i + 1})
			prevBlank = true
		case text[0] == ' ':
			if prevBlank {
				return nil, bad(i+1, "a continuation line (it starts with a space) follows no line")
			}
			lines[len(lines)-1].text += text[1:]
		default:
			lines = append(lines, ldifLine{n: i + 1, text: text})
			prevBlank = false
		}
	}

	var entries []ldifEntry
	var record []ldifLine
	first := true
	flush := func() error {
		if len(record) == 0 {
			return nil
		}
		if first {
			first = false
			if name, value, ok := strings.Cut(record[0].text, ":"); ok && strings.EqualFold(name, "version") {
				if v := strings.TrimLeft(value, " "); v != "1" {
					return bad(record[0].n, "version %q: only version 1 is known", v)
				}
				record = record[1:]
				if len(record) == 0 {
					return nil
				}
			}
		}
		e, err := parseLDIFRecord(record, bad)
		if err != nil {
			return err
		}
		entries = append(entries, e)
		record = record[:0]
		return nil
	}
	for _, l := range lines {
		switch {
		case l.text == "":
			if err := flush(); err != nil {
				return nil, err
			}
		case l.text[0] == '#':
		default:
			record = append(record, l)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return entries, nil
}

func parseLDIFRecord(record []ldifLine, bad func(int, string, ...any) error) (ldifEntry, error) {
	var e ldifEntry
	for i, l := range record {
		name, value, err := parseLDIFLine(l, bad)
		if err != nil {
			return e, err
		}
		if i == 0 {
			if !strings.EqualFold(name, "dn") {
				return e, bad(l.n, "a record starts with dn:, not %s:", name)
			}
			if value == "" {
				return e, bad(l.n, "empty dn")
			}
			e.dn = value
			continue
		}
		switch strings.ToLower(name) {
		case "dn":
			return e, bad(l.n, "a second dn: in one record (separate records with a blank line)")
		case "changetype":
			if !strings.EqualFold(value, "add") {
				return e, bad(l.n, "changetype %q: only records that add entries are supported", value)
			}
			continue
		case "control":
			return e, bad(l.n, "controls are not supported")
		}
		e.add(name, value)
	}
	if len(e.attrs) == 0 {
		return e, bad(record[0].n, "entry %q has no attributes", e.dn)
	}
	return e, nil
}

// parseLDIFLine splits "name: value" or "name:: base64".
func parseLDIFLine(l ldifLine, bad func(int, string, ...any) error) (name, value string, err error) {
	name, value, ok := strings.Cut(l.text, ":")
	if !ok {
		return "", "", bad(l.n, "%q is not name: value", l.text)
	}
	if name == "" || strings.IndexFunc(name, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' && r != ';' && r != '.'
	}) >= 0 {
		return "", "", bad(l.n, "%q is not an attribute name", name)
	}
	switch {
	case strings.HasPrefix(value, ":"):
		raw, err := base64.StdEncoding.DecodeString(strings.Trim(value[1:], " "))
		if err != nil {
			return "", "", bad(l.n, "%s: invalid base64: %v", name, err)
		}
		return name, string(raw), nil
	case strings.HasPrefix(value, "<"):
		return "", "", bad(l.n, "%s: URL values (:<) are not supported", name)
	}
	return name, strings.TrimLeft(value, " "), nil
}

// formatLDIF writes entries as LDIF, base64-encoding every value that is
// not a safe string.
func formatLDIF(entries []ldifEntry) string {
	var b strings.Builder
	line := func(name, value string) {
		if ldifSafe(value) {
			fmt.Fprintf(&b, "%s: %s\n", name, value)
		} else {
			fmt.Fprintf(&b, "%s:: %s\n", name, base64.StdEncoding.EncodeToString([]byte(value)))
		}
	}
	for i, e := range entries {
		if i > 0 {
			b.WriteString("\n")
		}
		line("dn", e.dn)
		for _, a := range e.attrs {
			for _, v := range a.values {
				line(a.name, v)
			}
		}
	}
	return b.String()
}

// ldifSafe reports whether s can be written as is (RFC 2849 SAFE-STRING),
// keeping trailing spaces out too.
func ldifSafe(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[0] == ':' || s[0] == '<' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 || c == '\n' || c == '\r' || c >= 0x80 {
			return false
		}
	}
	return true
}
