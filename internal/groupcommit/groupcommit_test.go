package groupcommit_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/rtgs/sales-automation/internal/groupcommit"
)

type item struct {
	n       int
	flushed int // set by flush: how many times this item was flushed
	batch   int // size of the batch it was flushed in
}

// Every item is flushed exactly once, in batches no larger than the cap,
// and Do returns only after its item's flush.
func TestEveryItemFlushedOnceWithinBatchCap(t *testing.T) {
	t.Parallel()
	const maxBatch = 8
	release := make(chan struct{})
	g := groupcommit.New(2, maxBatch, func(items []*item) {
		<-release // hold the first batches so that callers pile up
		for _, it := range items {
			it.flushed++
			it.batch = len(items)
		}
	})
	t.Cleanup(g.Close)

	items := make([]*item, 200)
	var wg sync.WaitGroup
	for i := range items {
		items[i] = &item{n: i}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.Do(context.Background(), items[i]); err != nil {
				t.Errorf("Do: %v", err)
			}
			if items[i].flushed != 1 {
				t.Errorf("item %d returned before its flush", i)
			}
		}()
	}
	close(release)
	wg.Wait()
	for _, it := range items {
		if it.flushed != 1 || it.batch < 1 || it.batch > maxBatch {
			t.Fatalf("item %d flushed %d times in a batch of %d", it.n, it.flushed, it.batch)
		}
	}
}

func TestCancelledAndClosed(t *testing.T) {
	t.Parallel()
	flushed := 0
	g := groupcommit.New(1, 4, func(items []*item) { flushed += len(items) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Either the cancellation wins and the item is never flushed, or the
	// runner took the item and Do waited for its flush.
	err := g.Do(ctx, &item{})
	g.Close()
	switch {
	case err != nil && !errors.Is(err, context.Canceled):
		t.Errorf("cancelled Do: %v", err)
	case err != nil && flushed != 0, err == nil && flushed != 1:
		t.Errorf("Do returned %v with the item flushed %d times", err, flushed)
	}
	if err := g.Do(context.Background(), &item{}); !errors.Is(err, groupcommit.ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
}
