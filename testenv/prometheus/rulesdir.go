package prometheus

// RulesDir is the folder whose *.yaml files Prometheus loads as rules
// files (rule_files). Code that writes rules files of its own, such as a
// reconciler in rules-file mode, can write there and reload Prometheus
// itself (POST URL()/-/reload; the server runs with
// --web.enable-lifecycle). Names SetRules uses are name.yaml; keep others
// apart.
func (s *Server) RulesDir() string { return s.rulesDir }
