package ldap

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func entry(dn string, nameValues ...string) ldifEntry {
	e := ldifEntry{dn: dn}
	for i := 0; i+1 < len(nameValues); i += 2 {
		e.add(nameValues[i], nameValues[i+1])
	}
	return e
}

func TestParseLDIF(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []ldifEntry
		wantErr string // a substring of the *OptionsError's reason
	}{
		{name: "empty", in: ""},
		{name: "only comments and blank lines", in: "# nothing\n\n  \n\t\n# more\n"},
		{
			name: "two records, version, comments, CRLF",
			in:   "version: 1\r\n\r\n# people\r\ndn: ou=people,dc=x\r\nobjectClass: top\r\nobjectClass: organizationalUnit\r\nou: people\r\n\r\n\r\ndn: cn=a,dc=x\r\ncn:a\r\n",
			want: []ldifEntry{
				entry("ou=people,dc=x", "objectClass", "top", "objectClass", "organizationalUnit", "ou", "people"),
				entry("cn=a,dc=x", "cn", "a"),
			},
		},
		{name: "version line right before the first record", in: "version: 1\ndn: cn=a\ncn: a\n", want: []ldifEntry{entry("cn=a", "cn", "a")}},
		{
			name: "continuations, base64, empty value, options, changetype add",
			in:   "dn: cn=a,\n dc=x\nchangetype: add\ndescription: one\n  two\ncn;lang-en:: w6lsw6h2ZQ==\nsn:\n# a comment\n continued\nmail:   a@x\n",
			want: []ldifEntry{entry("cn=a,dc=x", "description", "one two", "cn;lang-en", "élève", "sn", "", "mail", "a@x")},
		},
		{name: "values of one attribute are grouped, names without regard to case", in: "dn: cn=a\ncn: a\nsn: s\nCN: b\n",
			want: []ldifEntry{{dn: "cn=a", attrs: []ldifAttr{{name: "cn", values: []string{"a", "b"}}, {name: "sn", values: []string{"s"}}}}}},
		{name: "no dn first", in: "cn: a\ndn: cn=a\n", wantErr: "line 1: a record starts with dn:, not cn:"},
		{name: "empty dn", in: "dn:\ncn: a\n", wantErr: "line 1: empty dn"},
		{name: "no attributes", in: "dn: cn=a\n\ndn: cn=b\ncn: b\n", wantErr: `line 1: entry "cn=a" has no attributes`},
		{name: "two dns", in: "dn: cn=a\ndn: cn=b\n", wantErr: "line 2: a second dn:"},
		{name: "modify", in: "dn: cn=a\nchangetype: modify\nadd: cn\ncn: b\n", wantErr: `line 2: changetype "modify"`},
		{name: "control", in: "dn: cn=a\ncontrol: 1.2.3\n", wantErr: "line 2: controls are not supported"},
		{name: "URL value", in: "dn: cn=a\njpegPhoto:< file:///x\n", wantErr: "line 2: jpegPhoto: URL values"},
		{name: "bad base64", in: "dn: cn=a\ncn:: ***\n", wantErr: "line 2: cn: invalid base64"},
		{name: "no colon", in: "dn: cn=a\njust text\n", wantErr: `line 2: "just text" is not name: value`},
		{name: "bad attribute name", in: "dn: cn=a\nc n: x\n", wantErr: `line 2: "c n" is not an attribute name`},
		{name: "leading continuation", in: " dn: cn=a\n", wantErr: "line 1: a continuation line"},
		{name: "continuation after a blank line", in: "dn: cn=a\ncn: a\n\n more\n", wantErr: "line 4: a continuation line"},
		{name: "unknown version", in: "version: 2\n\ndn: cn=a\ncn: a\n", wantErr: `line 1: version "2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseLDIF(tt.in)
			if tt.wantErr != "" {
				var oe *OptionsError
				require.ErrorAs(t, err, &oe)
				assert.Equal(t, "ldif", oe.Field)
				assert.Contains(t, oe.Reason, tt.wantErr)
				return
			}
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(ldifEntry{}, ldifAttr{})); diff != "" {
				t.Errorf("parseLDIF (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatLDIF(t *testing.T) {
	got := formatLDIF([]ldifEntry{
		entry("cn=a,dc=x", "cn", "a", "description", " leading space", "sn", "élan", "mail", ":colon", "empty", ""),
		entry("cn=b", "cn", "b"),
	})
	assert.Equal(t, "dn: cn=a,dc=x\ncn: a\ndescription:: IGxlYWRpbmcgc3BhY2U=\nsn:: w6lsYW4=\nmail:: OmNvbG9u\nempty: \n\ndn: cn=b\ncn: b\n", got)
}

// FuzzParseLDIF checks that parseLDIF never panics, that every entry it
// returns has a DN and attributes, and that formatting its entries and
// parsing them again gives the same entries.
func FuzzParseLDIF(f *testing.F) {
	for _, s := range []string{
		"",
		"version: 1\n\ndn: cn=a,dc=x\nobjectClass: top\ncn: a\n",
		"dn: cn=a,\n dc=x\nchangetype: add\ndescription: one\n  two\ncn;lang-en:: w6lsw6h2ZQ==\nsn:\n",
		"dn:: Y249YQ==\ncn: a\r\n\r\ndn: cn=b\ncn: b\n# c\n",
		"dn: cn=a\ncontrol: 1.2.3\n",
		" dn: x\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		entries, err := parseLDIF(in)
		if err != nil {
			var oe *OptionsError
			require.ErrorAs(t, err, &oe)
			return
		}
		for _, e := range entries {
			require.NotEmpty(t, e.dn)
			require.NotEmpty(t, e.attrs)
		}
		again, err := parseLDIF(formatLDIF(entries))
		require.NoError(t, err, "formatted:\n%s", formatLDIF(entries))
		if diff := cmp.Diff(entries, again, cmp.AllowUnexported(ldifEntry{}, ldifAttr{})); diff != "" {
			t.Fatalf("format and parse again (-first +again):\n%s\nformatted:\n%s", diff, formatLDIF(entries))
		}
	})
}
