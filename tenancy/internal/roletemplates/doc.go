// Package roletemplates selects the RoleTemplates a role's
// aggregationRoleTemplates names or matches, as KubeSphere does. The
// aggregation controller copies what it selects into the role; the
// escalation webhook judges a role write by the same selection.
package roletemplates
