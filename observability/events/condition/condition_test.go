package condition_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/spherekit/spherekit/observability/events/condition"
)

// event is a core/v1 Event as JSON, with an array and a boolean added for
// the subscript and boolean operators.
const event = `{
  "metadata": {"name": "web-7c9f.17a2b3", "namespace": "demo", "labels": {}},
  "involvedObject": {"kind": "Pod", "name": "web-7c9f", "namespace": "demo", "fieldPath": "spec.containers{web}"},
  "reason": "BackOff", "message": "Back-off restarting failed container web", "type": "Warning",
  "count": 5, "open": true, "closed": false, "ratio": 0.25, "empty": {"inner": null},
  "images": [{"names": ["nginx", "nginx:1.27"]}, {"names": ["redis"]}]
}`

func TestMatch(t *testing.T) {
	var doc any
	require.NoError(t, json.Unmarshal([]byte(event), &doc))
	tests := []struct {
		cond string
		want bool
	}{
		// KubeSphere's default rules.
		{`type="Warning" and involvedObject.kind="Pod" and reason="BackOff" and involvedObject.fieldPath != "" and count>3`, true},
		{`type="Normal" and involvedObject.kind="Pod" and reason="Created" and involvedObject.fieldPath != ""`, false},
		// comparisons
		{`count = 5`, true}, {`count == 5.0`, true}, {`count != 5`, false}, {`count >= 5`, true}, {`count < 5`, false},
		{`count <= -1`, false}, {`ratio > 0.2`, true}, {`reason > "A"`, true}, {`reason < "A"`, false}, {`count = "5"`, true},
		{`open`, true}, {`closed`, false}, {`!closed`, true}, {`not open`, false}, {`open = true`, true}, {`open != TRUE`, false},
		{`closed = False`, true},
		// contains, in, like, regex
		{`message contains "restarting"`, true}, {`message not contains "restarting"`, false}, {`count contains 5`, true},
		{`metadata.namespace in ("kube-system", "demo")`, true}, {`metadata.namespace not in ("kube-system", "demo")`, false},
		{`count in (3, 5)`, true},
		{`metadata.name like "web-*"`, true}, {`metadata.name like "web-????.*"`, true}, {`metadata.name not like "db*"`, true},
		{`metadata.name regex ".*-events-.*"`, false}, {`metadata.name regex "^web-[0-9a-f]+\\."`, true},
		{`metadata.name not regex "^web"`, false}, {`reason like "ack"`, true},
		// exists
		{`involvedObject exists`, true}, {`involvedObject.uid exists`, false}, {`involvedObject.uid not exists`, true},
		{`empty exists`, false}, {`metadata.labels exists`, false}, {`images exists`, true},
		// missing fields: every comparison is false
		{`missing = ""`, false}, {`missing != "x"`, false}, {`missing not in ("x")`, false}, {`missing not contains "x"`, false},
		{`missing not like "x"`, false}, {`not missing`, true},
		// objects are not compared
		{`involvedObject = "x"`, false}, {`involvedObject != "x"`, false},
		// subscripts
		{`images[*].names[*] contains "redis"`, true}, {`images[0].names[*] = "redis"`, false}, {`images[1].names[0] = "redis"`, true},
		{`images[:1].names[1] = "nginx:1.27"`, true}, {`images[1:].names[*] like "ngin*"`, false}, {`images[5].names[0] exists`, false},
		// and and or share a precedence, from the left; not takes the rest
		{`type="Normal" or type="Warning" and count>10`, false},
		{`type="Warning" and count>10 or type="Warning"`, true},
		{`not type="Normal" and count>10`, true},
		{`(not type="Normal") and count>10`, false},
		{`type="Warning" and not reason="Killing" or count>10`, true},
		{"reason = \"BackOff\"\n", true},
	}
	for _, tt := range tests {
		c, err := condition.Parse(tt.cond)
		require.NoError(t, err, tt.cond)
		got, err := c.Match(doc)
		require.NoError(t, err, tt.cond)
		assert.Equal(t, tt.want, got, tt.cond)
		assert.Equal(t, tt.cond, c.String())
	}
}

func TestMatchErrors(t *testing.T) {
	var doc any
	require.NoError(t, json.Unmarshal([]byte(event), &doc))
	for _, cond := range []string{`reason > 3`, `reason`, `count = true`, `not message`} {
		c, err := condition.Parse(cond)
		require.NoError(t, err, cond)
		got, err := c.Match(doc)
		var ee *condition.EvalError
		require.ErrorAs(t, err, &ee, cond)
		assert.False(t, got, cond)
	}
}

func TestParseErrors(t *testing.T) {
	for cond, offset := range map[string]int{
		``:                          0,
		`reason =`:                  8,
		`reason = "x`:               9,
		`reason = "x" and`:          16,
		`(reason = "x"`:             13,
		`reason = "x")`:             12,
		`reason in "x"`:             10,
		`reason in ("x" "y")`:       15,
		`reason like 3`:             12,
		`reason regex "("`:          13,
		`reason = x`:                9,
		`count > true`:              8,
		`reason ~ "x"`:              7,
		`images[x] exists`:          0,
		`images[3:1] exists`:        0,
		`a..b exists`:               0,
		`= "x"`:                     0,
		`reason = "x" reason = "y"`: 13,
		`reason = -`:                9,
	} {
		_, err := condition.Parse(cond)
		var se *condition.SyntaxError
		require.ErrorAs(t, err, &se, cond)
		assert.Equal(t, offset, se.Offset, "%s: %v", cond, err)
	}
}

// FuzzParse checks that any text is either refused with a *SyntaxError or
// parses into a condition that evaluates without panicking, to a value or
// an *EvalError.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{`type="Warning" and count>3`, `not (a or b) and c in (1, "x")`, `images[*].names[1:] like "a*?"`, `a regex "^(x|y)$"`, `!open`, `x exists or y not exists`} {
		f.Add(seed)
	}
	var doc any
	require.NoError(f, json.Unmarshal([]byte(event), &doc))
	f.Fuzz(func(t *testing.T, src string) {
		c, err := condition.Parse(src)
		if err != nil {
			var se *condition.SyntaxError
			require.ErrorAs(t, err, &se)
			return
		}
		if _, err := c.Match(doc); err != nil {
			var ee *condition.EvalError
			require.ErrorAs(t, err, &ee)
		}
	})
}

func TestFormat(t *testing.T) {
	var doc any
	require.NoError(t, json.Unmarshal([]byte(event), &doc))
	for format, want := range map[string]string{
		"%message":                          "Back-off restarting failed container web",
		"%reason of %involvedObject.name%":  "BackOff of web-7c9f",
		"count=%count, ratio=%ratio, %open": "count=5, ratio=0.25, true",
		"%missing and %involvedObject":      "<nil> and <nil>",
		"100% sure, %% and % end %":         "100 sure,  and  end ",
		"plain":                             "plain",
		"%involvedObject.name.":             "<nil>",
	} {
		assert.Equal(t, want, condition.Format(format, doc), format)
	}
}
