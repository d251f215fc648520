package ldap

import (
	"fmt"

	"github.com/spherekit/spherekit/internal/fielderr"
	"github.com/spherekit/spherekit/testenv/internal/provision"
)

// OptionsError reports an invalid Options field or argument: Field names it
// (such as "BaseDN", "UID" or "ldif") and Reason says what is wrong. It is
// the SDK's one input-error shape, the same type as testenv.OptionsError.
type OptionsError = fielderr.Invalid

// PackagesError reports that slapd or slapadd is missing and the Debian
// packages that provide them (slapd, ldap-utils) could not be installed:
// the process is not root (the message names the command to run), there is
// no apt-get, or apt-get failed (LogTail holds its last output lines).
type PackagesError = provision.PackagesError

// ProcessError reports a program (slapd, or slapadd loading the base entry)
// that failed or exited while the server was starting, with the last lines
// it printed.
type ProcessError struct {
	// Program is "slapd" or "slapadd".
	Program string
	// LogTail holds the last lines it printed.
	LogTail string
	Err     error
}

func (e *ProcessError) Error() string {
	if e.LogTail == "" {
		return fmt.Sprintf("%s: %v", e.Program, e.Err)
	}
	return fmt.Sprintf("%s: %v; last log lines:\n%s", e.Program, e.Err, e.LogTail)
}

func (e *ProcessError) Unwrap() error { return e.Err }
