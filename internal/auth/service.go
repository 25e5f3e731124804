package auth

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"golang.org/x/sync/singleflight"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/store"
)

// maxCacheEntries bounds each in-memory cache (keys by digest, sessions by
// jti). Live keys and sessions are far fewer; the bound only matters under a
// flood of distinct bad tokens.
const maxCacheEntries = 100_000

// Service authenticates API keys and session JWTs and manages keys. One
// Service lives per process; its caches are per process, which is why
// revocation elsewhere takes up to Auth.KeyCacheTTL to be seen here.
type Service struct {
	keys        *store.APIKeys
	revocations *store.JWTRevocations
	logger      *slog.Logger
	now         func() time.Time
	params      Params

	keyTTL           time.Duration
	jwtTTL           time.Duration
	lastUsedInterval time.Duration
	secret           []byte
	parser           *jwt.Parser

	// dummyHash is verified against when a prefix is unknown, so an unknown
	// key costs the same argon2 run as a wrong secret.
	dummyHash string
	// sem bounds concurrent argon2 runs: each allocates Params.Memory, so a
	// flood of random keys queues here instead of exhausting memory.
	sem     chan struct{}
	flights singleflight.Group

	keyCache     *ttlCache[digest, keyEntry]
	sessionCache *ttlCache[string, sessionEntry]
	// revocations counts revocations made by this process. A lookup notes
	// it before reading the database and caches its answer only if it has
	// not moved, so an in-flight lookup cannot re-cache a key or session
	// just revoked here.
	revocationGen atomic.Uint64
	// verifications counts argon2 runs, so tests can assert the cache
	// works without measuring time.
	verifications atomic.Int64

	usedMu sync.Mutex
	used   map[uuid.UUID]time.Time
}

// Option changes a Service built by NewService.
type Option func(*Service)

// WithClock replaces time.Now, for tests of expiry.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithParams sets the argon2id cost of new keys (tests use cheap ones).
// Existing keys keep the parameters stored in their hash.
func WithParams(p Params) Option { return func(s *Service) { s.params = p } }

// WithVerifyConcurrency sets how many argon2 verifications may run at once
// (default GOMAXPROCS).
func WithVerifyConcurrency(n int) Option {
	return func(s *Service) {
		if n > 0 {
			s.sem = make(chan struct{}, n)
		}
	}
}

// NewService builds the auth service. An empty cfg.JWTSecret gets a random
// per-process secret: sessions then die with the process and do not work
// across replicas, which is fine on a laptop and refused in production by
// config.
func NewService(keys *store.APIKeys, revocations *store.JWTRevocations, cfg config.Auth, logger *slog.Logger, opts ...Option) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		keys:             keys,
		revocations:      revocations,
		logger:           logger,
		now:              time.Now,
		params:           DefaultParams(),
		keyTTL:           max(cfg.KeyCacheTTL, 0),
		jwtTTL:           cfg.JWTTTL,
		lastUsedInterval: cfg.LastUsedInterval,
		secret:           []byte(cfg.JWTSecret.Reveal()),
		sem:              make(chan struct{}, runtime.GOMAXPROCS(0)),
		keyCache:         newTTLCache[digest, keyEntry](maxCacheEntries),
		sessionCache:     newTTLCache[string, sessionEntry](maxCacheEntries),
		used:             make(map[uuid.UUID]time.Time),
	}
	for _, o := range opts {
		o(s)
	}
	if s.jwtTTL <= 0 {
		s.jwtTTL = 15 * time.Minute
	}
	if s.lastUsedInterval <= 0 {
		s.lastUsedInterval = 30 * time.Second
	}
	if len(s.secret) == 0 {
		s.secret = make([]byte, 32)
		_, _ = rand.Read(s.secret) // crypto/rand.Read never fails (Go 1.24+)
		logger.Warn("AUTH_JWT_SECRET is empty: using a random secret; sessions end when this process stops and are not valid on other replicas")
	}
	s.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(jwtIssuer),
		jwt.WithAudience(jwtAudience),
		jwt.WithLeeway(jwtLeeway),
		jwt.WithTimeFunc(func() time.Time { return s.now() }),
	)
	s.dummyHash = HashSecret(randomBase62(secretLen), s.params)
	return s
}

// Run flushes recorded key uses to api_keys.last_used_at every
// Auth.LastUsedInterval and drops expired cache entries, until ctx is done;
// then it flushes once more. Batching keeps authentication free of database
// writes: one UPDATE per interval however many requests arrived.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.lastUsedInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return s.finalFlush(ctx)
		case <-t.C:
			if err := s.FlushLastUsed(ctx); err != nil {
				s.logger.WarnContext(ctx, "flush api key last use", slog.Any("error", err))
			}
			now := s.now()
			s.keyCache.sweep(now)
			s.sessionCache.sweep(now)
		}
	}
}

// finalFlush flushes on shutdown. ctx is already cancelled, so the flush
// gets a short context of its own rather than losing the last uses.
func (s *Service) finalFlush(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return s.FlushLastUsed(ctx)
}

// FlushLastUsed writes the key uses recorded since the last flush in one
// statement. On failure the uses are kept for the next flush.
func (s *Service) FlushLastUsed(ctx context.Context) error {
	s.usedMu.Lock()
	batch := s.used
	s.used = make(map[uuid.UUID]time.Time, len(batch))
	s.usedMu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	if err := s.keys.TouchLastUsed(ctx, batch); err != nil {
		for id, at := range batch {
			s.recordUse(id, at)
		}
		return fmt.Errorf("flush last used: %w", err)
	}
	return nil
}

// generation returns the current revocation generation and a check, for
// ttlCache.putIf, that no revocation happened since.
func (s *Service) generation() func() bool {
	g := s.revocationGen.Load()
	return func() bool { return s.revocationGen.Load() == g }
}

// recordUse notes that key id was used at at, for the next flush.
func (s *Service) recordUse(id uuid.UUID, at time.Time) {
	s.usedMu.Lock()
	if prev, ok := s.used[id]; !ok || at.After(prev) {
		s.used[id] = at
	}
	s.usedMu.Unlock()
}
