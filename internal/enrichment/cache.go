package enrichment

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// companyCache keeps the waterfall's answer for a domain (found or
// not_found) in Redis for the cache TTL, keyed by the domain and the
// company row's enriched_at: a job that repeats a lookup whose results it
// could not commit, or a company deleted and created again, costs no second
// vendor call, while a row refreshed since (a new enriched_at) asks afresh
// once its TTL is over. The cache is an optimisation: a Redis error is a
// miss.
type companyCache struct {
	rdb    *redis.Client
	prefix string
	ttl    time.Duration
	m      *metrics
	log    *slog.Logger
}

// cachedCompany is one cache entry.
type cachedCompany struct {
	Status string          `json:"status"` // StatusEnriched or StatusNotFound
	Source string          `json:"source,omitempty"`
	Fields Company         `json:"fields"`
	Raw    json.RawMessage `json:"raw,omitempty"`
}

func (c *companyCache) key(domain string, enrichedAt *time.Time) string {
	version := "never"
	if enrichedAt != nil {
		version = strconv.FormatInt(enrichedAt.UnixMicro(), 10)
	}
	return c.prefix + "company:" + domain + ":" + version
}

// get returns the cached outcome of each key, nil where there is none.
func (c *companyCache) get(ctx context.Context, keys []string) []*Outcome[Company] {
	out := make([]*Outcome[Company], len(keys))
	if c == nil || len(keys) == 0 {
		return out
	}
	vals, err := c.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		c.log.WarnContext(ctx, "company cache unavailable", slog.Any("error", err))
		c.m.cache.WithLabelValues("miss").Add(float64(len(keys)))
		return out
	}
	for i, v := range vals {
		s, ok := v.(string)
		var e cachedCompany
		if !ok || json.Unmarshal([]byte(s), &e) != nil || (e.Status != StatusEnriched && e.Status != StatusNotFound) {
			c.m.cache.WithLabelValues("miss").Inc()
			continue
		}
		c.m.cache.WithLabelValues("hit").Inc()
		out[i] = &Outcome[Company]{Status: e.Status, Source: e.Source, Fields: e.Fields, Raw: e.Raw}
	}
	return out
}

// put caches the concluded outcomes (found or not_found) under their keys.
func (c *companyCache) put(ctx context.Context, keys []string, outcomes []Outcome[Company]) {
	if c == nil {
		return
	}
	pipe := c.rdb.Pipeline()
	n := 0
	for i, o := range outcomes {
		if o.Status != StatusEnriched && o.Status != StatusNotFound {
			continue
		}
		b, err := json.Marshal(cachedCompany{Status: o.Status, Source: o.Source, Fields: o.Fields, Raw: o.Raw})
		if err != nil {
			continue
		}
		pipe.Set(ctx, keys[i], b, c.ttl)
		n++
	}
	if n == 0 {
		return
	}
	if _, err := pipe.Exec(ctx); err != nil {
		c.log.WarnContext(ctx, "company cache not written", slog.Any("error", err))
	}
}
