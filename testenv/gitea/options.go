package gitea

import (
	"io"
	"time"
)

// Defaults of the administrator Start creates. "admin" itself is a name
// Gitea reserves.
const (
	DefaultAdminUser     = "gitea-admin"
	DefaultAdminPassword = "spherekit-admin-password"
	DefaultAdminEmail    = "gitea-admin@example.com"
)

// Options configures Start. The zero value is ready to use.
type Options struct {
	// AdminUser, AdminPassword and AdminEmail name the administrator Start
	// creates; empty means the defaults above. The password needs at least
	// 8 characters.
	AdminUser     string
	AdminPassword string
	AdminEmail    string

	// Config adds keys to the app.ini Start writes, or replaces its keys:
	// section name ("" for the top) to key to value, for example
	// {"repository": {"DEFAULT_BRANCH": "trunk"}}.
	Config map[string]map[string]string

	// Progress receives one line per build and start-up step; nil discards
	// them.
	Progress io.Writer

	// CacheDir is where the built Gitea is kept. Empty means the environment
	// variable SPHEREKIT_TESTENV_CACHE, or else spherekit/testenv under the
	// user cache folder (the cache testenv builds the control plane into).
	CacheDir string

	// StartTimeout bounds preparing and starting the server once Gitea is
	// built: migrating its database, creating the administrator and waiting
	// for the web server to answer. Zero means two minutes.
	StartTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.AdminUser == "" {
		o.AdminUser = DefaultAdminUser
	}
	if o.AdminPassword == "" {
		o.AdminPassword = DefaultAdminPassword
	}
	if o.AdminEmail == "" {
		o.AdminEmail = DefaultAdminEmail
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 2 * time.Minute
	}
	return o
}

func (o Options) validate() error {
	switch {
	case o.AdminUser == "admin":
		return &OptionsError{Field: "AdminUser", Reason: `"admin" is reserved by Gitea`}
	case len(o.AdminPassword) < 8:
		return &OptionsError{Field: "AdminPassword", Reason: "Gitea requires at least 8 characters"}
	case o.StartTimeout < 0:
		return &OptionsError{Field: "StartTimeout", Reason: "must not be negative"}
	}
	return nil
}
