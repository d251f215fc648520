package logging

import "regexp"

// ansiRE matches terminal escape sequences: CSI sequences (colours,
// cursor moves) and OSC sequences (titles, links).
var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)`)

// stripANSI removes terminal escape sequences from s, as KubeSphere does
// before it exports log lines.
func stripANSI(s string) string { return ansiRE.ReplaceAllString(s, "") }
