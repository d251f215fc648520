package prometheus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// SetRules writes a rules file (YAML in Prometheus's rules format: groups
// of recording and alerting rules) under name, replacing the file of that
// name if there is one, has Prometheus reload it and returns once the rules
// API lists every group of the file. name is letters, digits, '.', '_' and
// '-'.
//
// A file Prometheus refuses is a *RulesError naming it, with Prometheus's
// reason; it is removed again (the previous file of that name, if any, is put
// back), so the rules loaded before stay loaded. ctx bounds the wait.
func (s *Server) SetRules(ctx context.Context, name, rules string) error {
	if !ruleFileName.MatchString(name) {
		return &OptionsError{Field: "name", Reason: "rules file name " + strconv.Quote(name) + " must be letters, digits, '.', '_' or '-'"}
	}
	groups, err := ruleGroupNames(rules)
	if err != nil {
		return &RulesError{File: name, Message: err.Error()}
	}
	s.rulesMu.Lock()
	defer s.rulesMu.Unlock()
	path := s.rulesPath(name)
	prev, prevErr := os.ReadFile(path)
	if err := writeAtomic(path, []byte(rules)); err != nil {
		return fmt.Errorf("prometheus: write rules file %s: %w", name, err)
	}
	if err := s.reload(ctx); err != nil {
		var restore error
		if prevErr == nil {
			restore = writeAtomic(path, prev)
		} else {
			restore = os.Remove(path)
		}
		if restore == nil {
			restore = s.reload(ctx)
		}
		var re *reloadError
		if errors.As(err, &re) {
			if restore != nil {
				return errors.Join(&RulesError{File: name, Message: re.Error()}, fmt.Errorf("prometheus: put the rules back: %w", restore))
			}
			return &RulesError{File: name, Message: re.Error()}
		}
		return err
	}
	return s.waitRules(ctx, path, groups)
}

// DeleteRules removes the rules file name, has Prometheus reload and
// returns once the rules API lists none of its groups. A file that does
// not exist is not an error.
func (s *Server) DeleteRules(ctx context.Context, name string) error {
	if !ruleFileName.MatchString(name) {
		return &OptionsError{Field: "name", Reason: "rules file name " + strconv.Quote(name) + " must be letters, digits, '.', '_' or '-'"}
	}
	s.rulesMu.Lock()
	defer s.rulesMu.Unlock()
	path := s.rulesPath(name)
	if err := os.Remove(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("prometheus: remove rules file %s: %w", name, err)
	}
	if err := s.reload(ctx); err != nil {
		return err
	}
	return s.waitRules(ctx, path, nil)
}

func (s *Server) rulesPath(name string) string {
	return filepath.Join(s.rulesDir, name+".yaml")
}

// ruleGroupNames reads the names of the groups of a rules file.
func ruleGroupNames(rules string) ([]string, error) {
	var f struct {
		Groups []struct {
			Name string `json:"name"`
		} `json:"groups"`
	}
	if err := yaml.Unmarshal([]byte(rules), &f); err != nil {
		return nil, fmt.Errorf("parse YAML: %w", err)
	}
	names := make([]string, 0, len(f.Groups))
	for _, g := range f.Groups {
		names = append(names, g.Name)
	}
	return names, nil
}

// writeAtomic writes data to path through a temporary file in the same
// folder whose name the rule_files glob (*.yaml) does not match.
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// reloadError is a reload Prometheus refused.
type reloadError struct {
	status int
	body   string
	// logLines are the lines in which Prometheus said why.
	logLines []string
}

func (e *reloadError) Error() string {
	msg := fmt.Sprintf("reload answered %d: %s", e.status, e.body)
	if len(e.logLines) > 0 {
		msg += "; Prometheus logged:\n" + strings.Join(e.logLines, "\n")
	}
	return msg
}

// reload asks Prometheus to reload its configuration and rules (POST
// /-/reload, which answers once the reload is done).
func (s *Server) reload(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/-/reload", nil)
	if err != nil {
		return err
	}
	before, _, _ := s.failures.since(0)
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("prometheus: reload: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	return &reloadError{status: resp.StatusCode, body: strings.TrimSpace(string(body)), logLines: s.failureLogLines(ctx, before)}
}

// failureLogLines waits a little for Prometheus's log lines about a failed
// reload, which may reach its output pipe after the HTTP answer, and
// returns those written since the count before; what came if the last
// (failedConfig) does not.
func (s *Server) failureLogLines(ctx context.Context, before int) []string {
	timer := time.NewTimer(5 * time.Second)
	defer timer.Stop()
	for {
		_, lines, changed := s.failures.since(before)
		if len(lines) > 0 && strings.Contains(lines[len(lines)-1], failedConfig) {
			return lines
		}
		select {
		case <-changed:
		case <-timer.C:
			return lines
		case <-ctx.Done():
			return lines
		}
	}
}

// waitRules waits until the groups the rules API lists from file are
// exactly groups.
func (s *Server) waitRules(ctx context.Context, file string, groups []string) error {
	want := slices.Clone(groups)
	slices.Sort(want)
	var got []string
	for {
		res, err := s.api.Rules(ctx, nil)
		if err == nil {
			got = got[:0]
			for _, g := range res.Groups {
				if g.File == file {
					got = append(got, g.Name)
				}
			}
			slices.Sort(got)
			if slices.Equal(got, want) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("prometheus: rules file %s: loaded groups %v, want %v: %w", filepath.Base(file), got, want, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
