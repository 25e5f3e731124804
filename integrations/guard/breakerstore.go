package guard

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// errLocked is returned by Lock while another holder has the lock.
var errLocked = errors.New("lock held by another process")

// lockTTL bounds how long a crashed holder can keep a lock.
const lockTTL = 5 * time.Second

// unlockScript deletes a lock only if it still holds our token, so a holder
// whose lock expired can never release the next holder's.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// redisStore is gobreaker's SharedDataStore over go-redis: the breaker's
// state as one JSON value per vendor and a mutex made of SET NX PX with an
// owner token. Names are prefixed with the guard's key prefix.
type redisStore struct {
	rdb     *redis.Client
	prefix  string
	timeout time.Duration

	mu     sync.Mutex
	tokens map[string]string // lock name → our token while we hold it
}

func newRedisStore(rdb *redis.Client, prefix string, timeout time.Duration) *redisStore {
	return &redisStore{rdb: rdb, prefix: prefix, timeout: timeout, tokens: map[string]string{}}
}

func (s *redisStore) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// Lock takes the named lock once, without waiting; gobreaker retries.
func (s *redisStore) Lock(name string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.lock(ctx, name)
}

func (s *redisStore) lock(ctx context.Context, name string) error {
	token := newToken()
	ok, err := s.rdb.SetNX(ctx, s.prefix+name, token, lockTTL).Result()
	if err != nil {
		return err
	}
	if !ok {
		return errLocked
	}
	s.mu.Lock()
	s.tokens[name] = token
	s.mu.Unlock()
	return nil
}

// lockWait takes the named lock, retrying every few milliseconds until ctx
// is done: gobreaker's own Lock loop sleeps half a second between tries.
func (s *redisStore) lockWait(ctx context.Context, name string) error {
	for {
		err := s.lock(ctx, name)
		if !errors.Is(err, errLocked) {
			return err
		}
		if err := sleep(ctx, 2*time.Millisecond); err != nil {
			return err
		}
	}
}

// Unlock releases the named lock if we still hold it.
func (s *redisStore) Unlock(name string) error {
	s.mu.Lock()
	token, ok := s.tokens[name]
	delete(s.tokens, name)
	s.mu.Unlock()
	if !ok {
		return nil
	}
	ctx, cancel := s.ctx()
	defer cancel()
	return unlockScript.Run(ctx, s.rdb, []string{s.prefix + name}, token).Err()
}

// GetData returns the stored value, or nil when there is none.
func (s *redisStore) GetData(name string) ([]byte, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	b, err := s.rdb.Get(ctx, s.prefix+name).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return b, err
}

// SetData stores the value with no expiry: it is one small key per vendor.
func (s *redisStore) SetData(name string, data []byte) error {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.rdb.Set(ctx, s.prefix+name, data, 0).Err()
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
