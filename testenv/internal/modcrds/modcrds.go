package modcrds

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"unicode"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Module is a module in the module cache.
type Module struct {
	Path, Version string
	// Dir is the module's folder (read-only, as the module cache keeps
	// it).
	Dir string
}

// Download returns module path at version, downloading it into the module
// cache when it is not there. With version "" it is the version the build
// list of the module in the current folder selects (where go test runs);
// otherwise path@version, asked outside any module so that the current
// folder's go.mod plays no part.
func Download(ctx context.Context, path, version string) (Module, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return Module{}, fmt.Errorf("find the go command: %w", err)
	}
	arg := path
	if version != "" {
		arg += "@" + version
	}
	cmd := exec.CommandContext(ctx, gobin, "mod", "download", "-json", arg)
	if version == "" {
		// Module mode whatever the caller's settings: vendoring or a
		// workspace would hide the module cache's copy.
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	} else {
		// Outside any module and workspace; GOFLAGS such as -mod=vendor
		// would make the command refuse.
		cmd.Dir = os.TempDir()
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=", "GO111MODULE=on")
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var m struct {
		Path, Version, Dir, Error string
	}
	decodeErr := json.Unmarshal(stdout.Bytes(), &m)
	switch {
	case m.Error != "":
		return Module{}, fmt.Errorf("go mod download -json %s: %s", arg, m.Error)
	case runErr != nil:
		return Module{}, fmt.Errorf("go mod download -json %s: %w: %s", arg, runErr, strings.TrimSpace(stderr.String()+stdout.String()))
	case decodeErr != nil:
		return Module{}, fmt.Errorf("go mod download -json %s: %w", arg, decodeErr)
	case m.Dir == "":
		return Module{}, fmt.Errorf("go mod download -json %s: no folder reported", arg)
	}
	if m.Path == "" {
		m.Path = path
	}
	return Module{Path: m.Path, Version: m.Version, Dir: m.Dir}, nil
}

// Selected is Download of the version the current folder's build list
// selects, checked against the version this binary is built with (see
// LinkedVersion; fn is a function of the module): reading the CRDs of one
// version into a binary built with the Go types of another is an error.
func Selected(ctx context.Context, path string, fn any) (Module, error) {
	m, err := Download(ctx, path, "")
	if err != nil {
		return Module{}, err
	}
	if linked := LinkedVersion(path, fn); linked != "" && linked != m.Version {
		return Module{}, fmt.Errorf("the module in this folder selects %s %s but this binary is built with %s", path, m.Version, linked)
	}
	return m, nil
}

// LinkedVersion is the version of module path this binary is built with.
// It comes from the binary's build information or, where that lists no
// modules (as in the binaries go test builds), from the name of the source
// file of fn, a function of the module (nil for none): the module cache
// names a module's folder path@version, and so does -trimpath. It is ""
// when neither tells, as when the module is replaced by a folder (nothing
// to compare with).
func LinkedVersion(path string, fn any) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == path {
				if dep.Replace != nil {
					return ""
				}
				return dep.Version
			}
		}
	}
	if fn == nil {
		return ""
	}
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		return ""
	}
	f := runtime.FuncForPC(v.Pointer())
	if f == nil {
		return ""
	}
	file, _ := f.FileLine(f.Entry())
	file = filepath.ToSlash(file)
	prefix := escapePath(path) + "@"
	i := strings.Index(file, "/"+prefix)
	if i < 0 && strings.HasPrefix(file, prefix) {
		i = -1 // a -trimpath name starts with the module
	} else if i < 0 {
		return ""
	}
	rest := file[i+1+len(prefix):]
	version, _, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	return version
}

// escapePath is the module cache's spelling of a module path: each upper
// case letter becomes "!" and its lower case.
func escapePath(path string) string {
	var b strings.Builder
	for _, r := range path {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ReadFiles returns the CustomResourceDefinitions of the files matching
// pattern (filepath.Glob), sorted by name. It is an error when no file
// matches; an error in a file names it.
func ReadFiles(pattern string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	files, err := filepath.Glob(pattern)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no file matches %s", pattern)
	}
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, f := range files {
		defs, err := DecodeFile(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		out = append(out, defs...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DecodeFile returns the CustomResourceDefinitions among the YAML
// documents of file name, in order; documents of other kinds are left out.
// A CRD document with a field CustomResourceDefinition does not have is an
// error, as is one without a name. The status the files may carry is
// dropped: the API server fills it in.
func DecodeFile(name string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	return Decode(f)
}

// Decode is DecodeFile of a stream of YAML documents.
func Decode(r io.Reader) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	docs := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var out []*apiextensionsv1.CustomResourceDefinition
	for n := 1; ; n++ {
		doc, err := docs.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", n, err)
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, fmt.Errorf("document %d: %w", n, err)
		}
		if meta.APIVersion != apiextensionsv1.SchemeGroupVersion.String() || meta.Kind != "CustomResourceDefinition" {
			continue
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(doc, crd); err != nil {
			return nil, fmt.Errorf("document %d: %w", n, err)
		}
		if crd.Name == "" {
			return nil, fmt.Errorf("document %d: a CustomResourceDefinition without a name", n)
		}
		crd.Status = apiextensionsv1.CustomResourceDefinitionStatus{}
		out = append(out, crd)
	}
}
