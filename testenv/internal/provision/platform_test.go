package provision

import "runtime"

func goosArch() (string, string) { return runtime.GOOS, runtime.GOARCH }
