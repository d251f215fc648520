package prometheus

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLogWatchKeepsMatchingLines(t *testing.T) {
	var out strings.Builder
	w := newLogWatch(&out, failedRules, failedConfig)
	n0, lines, changed := w.since(0)
	assert.Zero(t, n0)
	assert.Empty(t, lines)

	// Lines may arrive in pieces.
	for _, chunk := range []string{"level=INFO msg=start\nlevel=ERROR msg=\"loading gro", "ups failed\" err=bad\n", "level=ERROR msg=\"Failed to apply configuration\"\npartial"} {
		_, err := w.Write([]byte(chunk))
		assert.NoError(t, err)
	}
	select {
	case <-changed:
	default:
		t.Fatal("the channel is closed once a matching line is written")
	}
	n, lines, _ := w.since(0)
	assert.Equal(t, 2, n)
	assert.Equal(t, []string{`level=ERROR msg="loading groups failed" err=bad`, `level=ERROR msg="Failed to apply configuration"`}, lines)
	_, lines, _ = w.since(1)
	assert.Equal(t, []string{`level=ERROR msg="Failed to apply configuration"`}, lines)
	_, lines, _ = w.since(2)
	assert.Empty(t, lines)
	assert.True(t, strings.HasSuffix(out.String(), "partial"), "everything reaches the log")

	for range keep + 5 {
		_, _ = w.Write([]byte(failedRules + "\n"))
	}
	n, lines, _ = w.since(0)
	assert.Equal(t, keep+7, n)
	assert.Len(t, lines, keep, "only the last lines are kept")
}
