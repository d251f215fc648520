package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Cluster folders live in the temporary folder, named clusterFolderPrefix
// and a random suffix. The process running a cluster holds an exclusive
// flock on the folder's ownerLockName file for the cluster's life; the
// kernel releases it when the process ends, however it ends. A folder whose
// lock is free therefore belongs to no running process: Stop removed it
// (and it is gone), or the process was killed, crashed or timed out before
// it could, and the next Start in any process removes it.
const (
	clusterFolderPrefix = "spherekit-testenv-"
	ownerLockName       = "owner.lock"
)

// newClusterFolder creates a cluster folder locked by this process. The lock
// file is created under another name, locked, then renamed into place, so
// no other process ever sees the lock file of a live folder unlocked.
func newClusterFolder() (dir string, lock *os.File, err error) {
	dir, err = os.MkdirTemp("", clusterFolderPrefix)
	if err != nil {
		return "", nil, fmt.Errorf("testenv: create cluster folder: %w", err)
	}
	fail := func(err error) (string, *os.File, error) {
		if lock != nil {
			_ = lock.Close()
		}
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("testenv: lock cluster folder: %w", err)
	}
	tmp := filepath.Join(dir, "."+ownerLockName)
	lock, err = os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return fail(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, ownerLockName)); err != nil {
		return fail(err)
	}
	return dir, lock, nil
}

// removeAbandonedFolders removes the cluster folders in the temporary folder
// whose owner lock is free, and returns their paths. Folders without a lock
// file (being created, or written by an older testenv) and folders it cannot
// open are left alone.
func removeAbandonedFolders() []string {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), clusterFolderPrefix+"*"))
	var removed []string
	for _, dir := range matches {
		f, err := os.Open(filepath.Join(dir, ownerLockName))
		if err != nil {
			continue
		}
		// A live owner holds the lock (EWOULDBLOCK); any other error leaves
		// the folder alone too. The folder is removed while locked, so no
		// other process removes it at the same time.
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil && os.RemoveAll(dir) == nil {
			removed = append(removed, dir)
		}
		_ = f.Close()
	}
	return removed
}
