//go:build !unix

package provision

import (
	"context"
	"errors"
)

func lockFile(context.Context, string, func()) (func(), error) {
	return nil, errors.New("testenv provisioning needs a unix system (file locks)")
}
