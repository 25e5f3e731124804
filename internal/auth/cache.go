package auth

import (
	"sync"
	"time"
)

// ttlCache is a bounded map whose entries expire. Reads take a shared lock
// only, because the cached path of every request goes through get.
type ttlCache[K comparable, V any] struct {
	limit int

	mu sync.RWMutex
	m  map[K]cacheEntry[V]
}

type cacheEntry[V any] struct {
	v     V
	until time.Time
}

func newTTLCache[K comparable, V any](limit int) *ttlCache[K, V] {
	return &ttlCache[K, V]{limit: limit, m: make(map[K]cacheEntry[V])}
}

// get returns the value for k if it has not expired at now.
func (c *ttlCache[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put stores v for k until until; an entry already expired is not stored.
// When the cache is full, expired entries go first and then arbitrary ones:
// a flood of distinct bad tokens can cost cached keys one more argon2 run,
// but never unbounded memory.
func (c *ttlCache[K, V]) put(k K, v V, until, now time.Time) {
	c.putIf(k, v, until, now, nil)
}

// putIf is put, skipped when fresh (if not nil) returns false under the
// cache's lock. A verification that read the database before a revocation
// uses it so it cannot cache its stale answer after the revocation's
// eviction has run.
func (c *ttlCache[K, V]) putIf(k K, v V, until, now time.Time, fresh func() bool) {
	if !until.After(now) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if fresh != nil && !fresh() {
		return
	}
	if _, exists := c.m[k]; !exists && len(c.m) >= c.limit {
		c.sweepLocked(now)
		for victim := range c.m {
			if len(c.m) < c.limit*9/10 {
				break
			}
			delete(c.m, victim)
		}
	}
	c.m[k] = cacheEntry[V]{v: v, until: until}
}

// deleteFunc removes every entry for which drop returns true.
func (c *ttlCache[K, V]) deleteFunc(drop func(K, V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if drop(k, e.v) {
			delete(c.m, k)
		}
	}
}

// sweep removes entries expired at now, so memory follows the live set.
func (c *ttlCache[K, V]) sweep(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweepLocked(now)
}

func (c *ttlCache[K, V]) sweepLocked(now time.Time) {
	for k, e := range c.m {
		if !now.Before(e.until) {
			delete(c.m, k)
		}
	}
}

func (c *ttlCache[K, V]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
