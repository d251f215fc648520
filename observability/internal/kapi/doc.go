// Package kapi is what spherekit's KubeSphere-compatible record APIs
// (logs, events, auditing) share: their query parameters, refused with a
// *fielderr.Invalid naming the parameter; the scoped store filter of a
// user's query; histograms in KubeSphere's shape; and the GET handler
// around them.
package kapi
