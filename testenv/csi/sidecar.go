package csi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spherekit/spherekit/testenv/internal/process"
)

// sidecar is a running sidecar (or the snapshot-controller): a child
// process logging to a file in a work folder and serving its metrics on a
// loopback port, which is how Start tells that it is up.
type sidecar struct {
	name string
	proc *process.Process
	log  *os.File
	addr string
}

// startSidecar starts binary with args plus --http-endpoint on a free
// loopback port, logging to <dir>/<name>.log, and returns once the
// endpoint answers /metrics. Every sidecar opens it only after the checks
// of its start (driver name and capabilities read through the CSI socket,
// CRDs found), so an answer means it is running.
func startSidecar(ctx context.Context, name, binary, dir string, args []string) (*sidecar, error) {
	f, err := os.OpenFile(filepath.Join(dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("csi: %s log: %w", name, err)
	}
	s := &sidecar{name: name, log: f}
	// A port picked free can be taken before the sidecar binds it; try
	// again then.
	for attempt := 1; ; attempt++ {
		port, err := process.FreePort()
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("csi: pick a port for %s: %w", name, err)
		}
		s.addr = fmt.Sprintf("127.0.0.1:%d", port)
		p, err := process.Start(binary, append(append([]string(nil), args...), "--http-endpoint="+s.addr), process.Options{Log: f, Dir: dir})
		if err != nil {
			_ = f.Close()
			return nil, &StartError{Component: name, Err: err}
		}
		s.proc = p
		err = s.wait(ctx)
		if err == nil {
			return s, nil
		}
		s.proc.Stop(5 * time.Second)
		var se *StartError
		if attempt < 3 && errors.As(err, &se) && strings.Contains(se.LogTail, "address already in use") {
			continue
		}
		_ = f.Close()
		return nil, err
	}
}

func (s *sidecar) wait(ctx context.Context) error {
	if err := s.proc.WaitHTTP(ctx, nil, "http://"+s.addr+"/metrics", 100*time.Millisecond); err != nil {
		return &StartError{Component: s.name, LogTail: s.proc.LogTail(), Err: err}
	}
	return nil
}

// stop ends the sidecar (SIGTERM, then SIGKILL after a grace period).
func (s *sidecar) stop() {
	s.proc.Stop(10 * time.Second)
	_ = s.log.Close()
}

// tail is the sidecar's last log lines, headed by its name.
func (s *sidecar) tail() string {
	return "--- " + s.name + ":\n" + s.proc.LogTail()
}
