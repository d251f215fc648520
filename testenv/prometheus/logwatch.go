package prometheus

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// logWatch passes Prometheus's output on to its log file and keeps the
// last line that contains a given text, with a count of such lines, so a
// failed reload can be explained by the line Prometheus logged about it.
type logWatch struct {
	out  io.Writer
	text string

	mu      sync.Mutex
	partial []byte
	count   int
	last    string
	changed chan struct{} // closed and replaced when count grows
}

func newLogWatch(out io.Writer, text string) *logWatch {
	return &logWatch{out: out, text: text, changed: make(chan struct{})}
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
		if strings.Contains(line, w.text) {
			w.count++
			w.last = line
			close(w.changed)
			w.changed = make(chan struct{})
		}
	}
	w.mu.Unlock()
	return w.out.Write(p)
}

// seen returns how many matching lines were written, the last one, and a
// channel closed when another is.
func (w *logWatch) seen() (int, string, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.count, w.last, w.changed
}
