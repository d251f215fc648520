package logging

import (
	"regexp"
	"strconv"
)

// Lengths behind the names Kubernetes generates for pods: a pod name is at
// most 63 characters (as KubeSphere reckons it), a generated suffix is a
// dash and 5 characters, and a Deployment's ReplicaSet adds a dash and up
// to 10 characters of its template hash.
const (
	podNameMaxLength       = 63
	podNameSuffixLength    = 6
	replicaSetSuffixLength = 11
)

// safeAlphabet is the alphabet of Kubernetes' generated hashes
// (rand.SafeEncodeString: no vowels, no digits that look like letters).
const safeAlphabet = "[bcdfghjklmnpqrstvwxz2456789]"

// WorkloadPodName is the pattern KubeSphere matches pod names against for
// the workload named workload, whatever its kind: a Deployment's pods
// (<name>-<template hash>-<5 characters>), a StatefulSet's
// (<name>-<ordinal>), and a DaemonSet's, Job's or ReplicaSet's
// (<name>-<5 characters>). Names too long for the generated parts are
// truncated as Kubernetes truncates them. It matches whole pod names.
//
// Like KubeSphere's, the rule cannot tell workloads apart by kind, so a
// workload whose name is another's plus a dash and a few letters can
// share pods with it: "web" also matches the pods of a DaemonSet named
// "web-b". Name pods precisely with Pods where that matters.
func WorkloadPodName(workload string) *regexp.Regexp {
	w := regexp.QuoteMeta(workload)
	var re string
	switch n := len(workload); {
	case n <= podNameMaxLength-replicaSetSuffixLength-podNameSuffixLength:
		re = w + "-" + safeAlphabet + "{1,10}-[a-z0-9]{5}|" + w + "-[0-9]+|" + w + "-[a-z0-9]{5}"
	case n <= podNameMaxLength-podNameSuffixLength:
		hash := strconv.Itoa(podNameMaxLength - podNameSuffixLength - n)
		re = w + "-" + safeAlphabet + "{" + hash + "}[a-z0-9]{5}|" + w + "-[0-9]+|" + w + "-[a-z0-9]{5}"
	default:
		re = regexp.QuoteMeta(workload[:podNameMaxLength-podNameSuffixLength+1]) + "[a-z0-9]{5}|" + w + "-[0-9]+"
	}
	return regexp.MustCompile(re)
}
