package prometheus

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// logWatch passes Prometheus's output on to its log file and keeps the
// last lines that contain any of the given texts, numbered, so a failed
// reload can be explained by the lines Prometheus logged about it.
type logWatch struct {
	out   io.Writer
	texts []string

	mu      sync.Mutex
	partial []byte
	count   int      // matching lines written so far
	lines   []string // the last keep of them
	changed chan struct{}
}

// keep is how many matching lines a logWatch keeps.
const keep = 20

func newLogWatch(out io.Writer, texts ...string) *logWatch {
	return &logWatch{out: out, texts: texts, changed: make(chan struct{})}
}

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := string(w.partial[:i])
		w.partial = w.partial[i+1:]
		for _, t := range w.texts {
			if strings.Contains(line, t) {
				w.count++
				w.lines = append(w.lines, line)
				if len(w.lines) > keep {
					w.lines = w.lines[len(w.lines)-keep:]
				}
				close(w.changed)
				w.changed = make(chan struct{})
				break
			}
		}
	}
	w.mu.Unlock()
	return w.out.Write(p)
}

// since returns the count of matching lines, the kept ones written after
// the first before of them, and a channel closed when another is written.
func (w *logWatch) since(before int) (int, []string, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := w.count - before
	if n > len(w.lines) {
		n = len(w.lines)
	}
	return w.count, append([]string(nil), w.lines[len(w.lines)-n:]...), w.changed
}
