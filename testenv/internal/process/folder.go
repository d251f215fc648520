package process

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// OwnerLockName is the file in a folder whose lock its owner holds. While
// NewFolder creates it, it is named "." and OwnerLockName.
const OwnerLockName = "owner.lock"

// Folder is a folder in the temporary folder that belongs to this process
// while it holds the folder's owner lock. The kernel releases the lock when
// the process ends, however it ends, so a folder whose lock is free belongs
// to no running process: Remove removed it, or its owner died before it
// could, and RemoveAbandoned removes it.
type Folder struct {
	// Dir is the folder's path.
	Dir  string
	lock *os.File
}

// NewFolder creates a folder named prefix and a random suffix in the
// temporary folder, locked by this process. The lock file is created under
// another name, locked, then renamed into place, so no other process ever
// sees the lock file of a live folder unlocked.
func NewFolder(prefix string) (*Folder, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, fmt.Errorf("create folder: %w", err)
	}
	var lock *os.File
	fail := func(err error) (*Folder, error) {
		if lock != nil {
			_ = lock.Close()
		}
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("lock folder %s: %w", dir, err)
	}
	tmp := filepath.Join(dir, "."+OwnerLockName)
	lock, err = os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return fail(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, OwnerLockName)); err != nil {
		return fail(err)
	}
	return &Folder{Dir: dir, lock: lock}, nil
}

// Remove removes the folder, then releases its lock.
func (f *Folder) Remove() error {
	err := os.RemoveAll(f.Dir)
	_ = f.lock.Close()
	return err
}

// RemoveAbandoned removes the folders named prefix and a suffix in the
// temporary folder whose owner lock is free, and returns their paths.
// Folders without a lock file (being created) and folders it cannot open
// are left alone.
func RemoveAbandoned(prefix string) []string {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	var removed []string
	for _, dir := range matches {
		f, err := os.Open(filepath.Join(dir, OwnerLockName))
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
