// Package groupcommit coalesces concurrent calls into batches that are
// handled together, typically written with set-based statements in one
// transaction (group commit): N concurrent small writes then cost one
// transaction of a few statements instead of N transactions.
//
// Batches form by themselves: a runner takes the first waiting call and
// whatever else is already waiting (up to the batch size), without a
// timer, so an idle system adds no latency and a busy one batches more.
package groupcommit

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by Do after Close.
var ErrClosed = errors.New("groupcommit: closed")

// Group hands items to flush in batches. Items carry their own results:
// flush sets them, and Do returns once the flush holding its item returned.
type Group[T any] struct {
	calls    chan *call[T]
	flush    func(items []T)
	maxBatch int

	closeOnce sync.Once
	closed    chan struct{}
	wg        sync.WaitGroup
}

type call[T any] struct {
	item T
	done chan struct{}
}

// New starts runners goroutines, each flushing batches of up to maxBatch
// items one at a time. Close stops them.
func New[T any](runners, maxBatch int, flush func(items []T)) *Group[T] {
	g := &Group[T]{
		calls: make(chan *call[T]), flush: flush, maxBatch: max(maxBatch, 1),
		closed: make(chan struct{}),
	}
	for range max(runners, 1) {
		g.wg.Add(1)
		go g.run()
	}
	return g
}

// Do queues item and waits until a flush of a batch holding it returned.
// A ctx that ends before a runner took the item returns ctx's error and
// the item is never flushed; once taken, the item's batch is waited for,
// so the caller never answers before its write is settled.
func (g *Group[T]) Do(ctx context.Context, item T) error {
	c := &call[T]{item: item, done: make(chan struct{})}
	select {
	case g.calls <- c:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.closed:
		return ErrClosed
	}
	<-c.done
	return nil
}

// Close stops the runners after the batches in flight; later calls to Do
// return ErrClosed.
func (g *Group[T]) Close() {
	g.closeOnce.Do(func() { close(g.closed) })
	g.wg.Wait()
}

func (g *Group[T]) run() {
	defer g.wg.Done()
	batch := make([]*call[T], 0, g.maxBatch)
	items := make([]T, 0, g.maxBatch)
	for {
		select {
		case c := <-g.calls:
			batch = append(batch[:0], c)
		case <-g.closed:
			return
		}
	fill:
		for len(batch) < g.maxBatch {
			select {
			case c := <-g.calls:
				batch = append(batch, c)
			default:
				break fill
			}
		}
		items = items[:0]
		for _, c := range batch {
			items = append(items, c.item)
		}
		g.flush(items)
		for _, c := range batch {
			close(c.done)
		}
	}
}
