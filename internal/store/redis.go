package store

import (
	"fmt"

	"github.com/redis/go-redis/v9"
)

// OpenRedis returns a client for url, or nil for an empty url (the process
// runs without Redis). It does not wait for Redis: users of the client fall
// back while Redis is away, so a Redis restart never stops a process.
func OpenRedis(url string) (*redis.Client, error) {
	if url == "" {
		return nil, nil
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parse redis url: %w", err)
	}
	return redis.NewClient(opts), nil
}
