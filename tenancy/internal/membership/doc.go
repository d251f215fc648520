// Package membership writes and reads member bindings: the one binding per
// user per scope (platform, workspace or project) that grants the user a
// role there. The tenancy Client and the workspace controller share it so a
// member is recorded the same way whoever adds them.
package membership
