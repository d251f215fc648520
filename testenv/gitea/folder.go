package gitea

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Work folders live in the temporary folder, named workFolderPrefix and a
// random suffix. The process running a server holds an exclusive flock on
// the folder's ownerLockName file for the server's life; the kernel releases
// it when the process ends, however it ends. A folder whose lock is free
// belongs to no running process (it was killed before Stop could remove the
// folder), and the next Start in any process removes it. testenv's cluster
// folders work the same way.
const (
	workFolderPrefix = "spherekit-gitea-"
	ownerLockName    = "owner.lock"
)

// newWorkFolder creates a work folder locked by this process. The lock file
// is created under another name, locked, then renamed into place, so no
// other process ever sees the lock file of a live folder unlocked.
func newWorkFolder() (dir string, lock *os.File, err error) {
	dir, err = os.MkdirTemp("", workFolderPrefix)
	if err != nil {
		return "", nil, fmt.Errorf("gitea: create work folder: %w", err)
	}
	fail := func(err error) (string, *os.File, error) {
		if lock != nil {
			_ = lock.Close()
		}
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("gitea: lock work folder: %w", err)
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

// removeAbandonedFolders removes the work folders whose owner lock is free
// and returns their paths. Folders without a lock file (being created) and
// folders it cannot open are left alone.
func removeAbandonedFolders() []string {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), workFolderPrefix+"*"))
	var removed []string
	for _, dir := range matches {
		f, err := os.Open(filepath.Join(dir, ownerLockName))
		if err != nil {
			continue
		}
		// Removed while locked, so no other process removes it at once.
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil && os.RemoveAll(dir) == nil {
			removed = append(removed, dir)
		}
		_ = f.Close()
	}
	return removed
}
