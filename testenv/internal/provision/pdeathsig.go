package provision

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
)

//go:embed pdeathsig/main.go
var pdeathsigSource []byte

// PdeathsigBinary is the binary of the Pdeathsig component.
const PdeathsigBinary = "pdeathsig"

// Pdeathsig builds the small program (pdeathsig/main.go, Linux only) through
// which testenv runs the processes envtest starts, so that they die with the
// process that started them. Its version is a digest of its source, so a
// change to the source makes a new cache entry.
func Pdeathsig() Component {
	sum := sha256.Sum256(pdeathsigSource)
	return Component{
		Name:     "pdeathsig",
		Module:   "spherekit.local/build/pdeathsig",
		Version:  "v0.0.0-" + hex.EncodeToString(sum[:6]),
		Binaries: map[string]string{PdeathsigBinary: "."},
		Source:   map[string][]byte{"main.go": pdeathsigSource},
	}
}
