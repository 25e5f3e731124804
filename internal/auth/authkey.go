package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/rtgs/sales-automation/internal/store"
)

// keyEntry is the cached outcome of verifying one token. Failures are cached
// too (ok false, zero principal) so repeating a bad token costs argon2 once
// per TTL.
type keyEntry struct {
	p  Principal
	ok bool
}

// AuthenticateKey returns the principal of an API key token. Every
// authentication failure is ErrUnauthenticated; any other error is an
// infrastructure failure.
//
// A verified token is trusted for Auth.KeyCacheTTL (never past the key's
// expiry) without touching the database, so argon2 is paid once per key per
// TTL and revocation in another process takes effect within the TTL.
// Concurrent first requests with the same token share one verification.
func (s *Service) AuthenticateKey(ctx context.Context, token string) (Principal, error) {
	prefix, secret, ok := Parse(token)
	if !ok {
		return Principal{}, ErrUnauthenticated
	}
	d := digestOf(token)
	for {
		now := s.now()
		if e, hit := s.keyCache.get(d, now); hit {
			return s.keyResult(e, now)
		}
		ch := s.flights.DoChan(string(d[:]), func() (any, error) {
			return s.verifyKey(ctx, d, prefix, secret)
		})
		select {
		case <-ctx.Done():
			return Principal{}, fmt.Errorf("authenticate key: %w", ctx.Err())
		case r := <-ch:
			// The verification ran on the context of whichever request started
			// it; if that one was cancelled, this request (still live) tries
			// again rather than failing for someone else's disconnect.
			if r.Err != nil && isContextErr(r.Err) && ctx.Err() == nil {
				continue
			}
			if r.Err != nil {
				return Principal{}, r.Err
			}
			return s.keyResult(r.Val.(keyEntry), now)
		}
	}
}

func (s *Service) keyResult(e keyEntry, now time.Time) (Principal, error) {
	if !e.ok {
		return Principal{}, ErrUnauthenticated
	}
	s.recordUse(e.p.KeyID, now)
	p := e.p
	p.Scopes = slices.Clone(p.Scopes) // the cached slice is shared
	return p, nil
}

// verifyKey looks the prefix up, verifies the secret and caches the outcome.
// The secret is verified before the key's state is looked at, and an unknown
// prefix is verified against a dummy hash, so every failure costs the same.
func (s *Service) verifyKey(ctx context.Context, d digest, prefix, secret string) (keyEntry, error) {
	fresh := s.generation()
	now := s.now()
	k, err := s.keys.ByPrefix(ctx, prefix)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := s.verify(ctx, secret, s.dummyHash); err != nil {
			return keyEntry{}, fmt.Errorf("authenticate key: %w", err)
		}
		s.keyCache.put(d, keyEntry{}, now.Add(s.keyTTL), now)
		return keyEntry{}, nil
	}
	if err != nil {
		return keyEntry{}, fmt.Errorf("authenticate key: %w", err)
	}
	match, err := s.verify(ctx, secret, k.Hash)
	switch {
	case isContextErr(err):
		return keyEntry{}, fmt.Errorf("authenticate key: %w", err)
	case err != nil:
		// A stored hash we cannot read: the key cannot authenticate, and an
		// operator should know (the secret is not logged, only the key id).
		s.logger.ErrorContext(ctx, "api key hash unreadable", slog.String("key_id", k.ID.String()), slog.Any("error", err))
	}
	if !match || !usable(k, now) {
		s.keyCache.put(d, keyEntry{}, now.Add(s.keyTTL), now)
		return keyEntry{}, nil
	}
	e := keyEntry{p: s.keyPrincipal(ctx, k), ok: true}
	until := now.Add(s.keyTTL)
	if k.ExpiresAt != nil && k.ExpiresAt.Before(until) {
		until = *k.ExpiresAt
	}
	s.keyCache.putIf(d, e, until, now, fresh)
	return e, nil
}

// verify runs one argon2 verification once a semaphore slot is free.
func (s *Service) verify(ctx context.Context, secret, encoded string) (bool, error) {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.sem }()
	s.verifications.Add(1)
	return VerifySecret(secret, encoded)
}

// usable reports whether a key may authenticate at now.
func usable(k store.APIKey, now time.Time) bool {
	return k.RevokedAt == nil && (k.ExpiresAt == nil || now.Before(*k.ExpiresAt))
}

func (s *Service) keyPrincipal(ctx context.Context, k store.APIKey) Principal {
	scopes, unknown := scopesFromDB(k.Scopes)
	if len(unknown) > 0 {
		s.logger.WarnContext(ctx, "api key has scopes this build does not know; ignoring them",
			slog.String("key_id", k.ID.String()), slog.Any("scopes", unknown))
	}
	p := Principal{KeyID: k.ID, KeyName: k.Name, Scopes: scopes, Method: MethodAPIKey}
	if k.ExpiresAt != nil {
		p.ExpiresAt = *k.ExpiresAt
	}
	return p
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
