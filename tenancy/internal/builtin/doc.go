// Package builtin finds the BuiltinRoles that apply to a workspace or a
// project and decodes the roles they carry. The controllers stamp those
// roles; the Client waits for them.
package builtin
