package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/spherekit/spherekit/testenv/internal/provision"
)

func main() {
	jobs := flag.Int("j", 2, "how many components to build at once")
	cacheDir := flag.String("cache", "", "the cache folder (default: testenv's, SPHEREKIT_TESTENV_CACHE or the user cache)")
	flag.Parse()
	if *jobs < 1 {
		fmt.Fprintln(os.Stderr, "warm: -j must be at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := warm(ctx, *cacheDir, *jobs); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// warm builds provision.All with jobs workers and returns the first
// failure, after every worker has stopped.
func warm(ctx context.Context, cacheDir string, jobs int) error {
	root, err := provision.CacheRoot(cacheDir)
	if err != nil {
		return err
	}
	cache := &provision.Cache{Root: root, Progress: os.Stderr}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan provision.Component)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range jobs {
		wg.Go(func() {
			for comp := range work {
				res, err := cache.Ensure(ctx, comp)
				if err == nil && !res.Built {
					fmt.Fprintf(os.Stderr, "warm: %s is in the cache\n", comp.Name)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("warm: %w", err)
						cancel()
					}
					mu.Unlock()
				}
			}
		})
	}
	for _, comp := range provision.All() {
		select {
		case work <- comp:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	return firstErr
}
