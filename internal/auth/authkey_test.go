package auth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/store"
)

func TestAuthenticateKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	k := b.createKey(t, CreateKeyParams{Name: "crm sync", Scopes: []Scope{ContactsRead, ContactsWrite}})
	prefix, secret, _ := Parse(k.Secret)
	_, otherSecret, _ := Parse(b.createKey(t, CreateKeyParams{}).Secret)

	p, err := b.svc.AuthenticateKey(context.Background(), k.Secret)
	if err != nil {
		t.Fatalf("AuthenticateKey(valid) = %v", err)
	}
	want := Principal{KeyID: k.Key.ID, KeyName: "crm sync", Scopes: []Scope{ContactsRead, ContactsWrite}, Method: MethodAPIKey}
	if p.KeyID != want.KeyID || p.KeyName != want.KeyName || !slices.Equal(p.Scopes, want.Scopes) ||
		p.Method != want.Method || p.JTI != "" || !p.ExpiresAt.IsZero() {
		t.Errorf("AuthenticateKey(valid) = %+v, want %+v", p, want)
	}

	bad := []struct {
		name  string
		token string
	}{
		{"wrong secret", TokenPrefix + prefix + "_" + otherSecret},
		{"unknown prefix", TokenPrefix + "ZZZZZZZZZZZZ_" + secret},
		{"empty", ""},
		{"wrong marker", "rtgx_" + prefix + "_" + secret},
		{"no marker", prefix + "_" + secret},
		{"secret too short", TokenPrefix + prefix + "_" + secret[:31]},
		{"prefix too short", TokenPrefix + prefix[:11] + "_" + secret},
		{"bad char in secret", TokenPrefix + prefix + "_" + secret[:31] + "-"},
		{"extra underscore", TokenPrefix + prefix + "_" + secret[:16] + "_" + secret[16:]},
		{"trailing underscore", k.Secret + "_"},
		{"padded with space", " " + k.Secret},
		{"10KB", TokenPrefix + prefix + "_" + strings.Repeat("a", 10<<10)},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := b.svc.AuthenticateKey(context.Background(), tt.token); err != ErrUnauthenticated {
				t.Errorf("AuthenticateKey = %v, want ErrUnauthenticated", err)
			}
		})
	}
}

func TestAuthenticateKeyExpired(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	exp := b.clock.Now().Add(time.Hour)
	k := b.createKey(t, CreateKeyParams{ExpiresAt: &exp})

	p, err := b.svc.AuthenticateKey(ctx, k.Secret)
	if err != nil || !p.ExpiresAt.Equal(exp) {
		t.Fatalf("AuthenticateKey before expiry = %+v, %v; want expires %v", p, err, exp)
	}
	// The cached entry ends at the key's expiry even though the TTL is longer
	// than what is left, and a fresh process refuses it too.
	b.clock.Advance(time.Hour)
	for name, svc := range map[string]*Service{"cached": b.svc, "fresh": b.newService(b.cfg)} {
		if _, err := svc.AuthenticateKey(ctx, k.Secret); err != ErrUnauthenticated {
			t.Errorf("%s: AuthenticateKey at expiry = %v, want ErrUnauthenticated", name, err)
		}
	}
}

func TestRevokeKeyTakesEffect(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	other := b.newService(b.cfg) // another process with its own cache
	k := b.createKey(t, CreateKeyParams{})
	for _, svc := range []*Service{b.svc, other} {
		if _, err := svc.AuthenticateKey(ctx, k.Secret); err != nil {
			t.Fatalf("AuthenticateKey before revoke = %v", err)
		}
	}

	if _, err := b.svc.RevokeKey(ctx, k.Key.ID); err != nil {
		t.Fatalf("RevokeKey = %v", err)
	}
	if _, err := b.svc.AuthenticateKey(ctx, k.Secret); err != ErrUnauthenticated {
		t.Errorf("same process after revoke = %v, want ErrUnauthenticated", err)
	}
	// The other process trusts its cache until the TTL runs out, then sees
	// the revocation.
	if _, err := other.AuthenticateKey(ctx, k.Secret); err != nil {
		t.Errorf("other process within TTL = %v, want cached success", err)
	}
	b.clock.Advance(testTTL)
	if _, err := other.AuthenticateKey(ctx, k.Secret); err != ErrUnauthenticated {
		t.Errorf("other process after TTL = %v, want ErrUnauthenticated", err)
	}
}

// TestRevokeKeyRealClock is TestRevokeKeyTakesEffect on the real clock with
// a short TTL. It asserts only what must hold once the TTL has passed.
func TestRevokeKeyRealClock(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	cfg := b.cfg
	cfg.KeyCacheTTL = 50 * time.Millisecond
	reader := NewService(b.keys, store.NewJWTRevocations(b.pool), cfg, nil, WithParams(cheapParams))
	k := b.createKey(t, CreateKeyParams{})
	if _, err := reader.AuthenticateKey(ctx, k.Secret); err != nil {
		t.Fatalf("AuthenticateKey = %v", err)
	}
	if _, err := b.svc.RevokeKey(ctx, k.Key.ID); err != nil {
		t.Fatalf("RevokeKey = %v", err)
	}
	time.Sleep(cfg.KeyCacheTTL + 10*time.Millisecond)
	if _, err := reader.AuthenticateKey(ctx, k.Secret); err != ErrUnauthenticated {
		t.Errorf("after revoke and TTL = %v, want ErrUnauthenticated", err)
	}
}

func TestArgon2PaidOncePerTTL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	k := b.createKey(t, CreateKeyParams{})
	prefix, _, _ := Parse(k.Secret)
	wrong := TokenPrefix + prefix + "_" + strings.Repeat("x", secretLen)
	unknown := TokenPrefix + strings.Repeat("u", prefixLen) + "_" + strings.Repeat("x", secretLen)

	steps := []struct {
		name  string
		token string
		err   error
		want  int64 // verifications after the step
	}{
		{"first use", k.Secret, nil, 1},
		{"cached", k.Secret, nil, 1},
		{"wrong secret", wrong, ErrUnauthenticated, 2},
		{"wrong secret again", wrong, ErrUnauthenticated, 2},
		{"unknown prefix (dummy verify)", unknown, ErrUnauthenticated, 3},
		{"unknown prefix again", unknown, ErrUnauthenticated, 3},
		{"malformed (no verify)", "rtgs_nope", ErrUnauthenticated, 3},
	}
	for _, st := range steps {
		for range 5 {
			if _, err := b.svc.AuthenticateKey(ctx, st.token); err != st.err {
				t.Fatalf("%s: AuthenticateKey = %v, want %v", st.name, err, st.err)
			}
		}
		if got := b.svc.verifications.Load(); got != st.want {
			t.Errorf("%s: verifications = %d, want %d", st.name, got, st.want)
		}
	}

	b.clock.Advance(testTTL)
	if _, err := b.svc.AuthenticateKey(ctx, k.Secret); err != nil {
		t.Fatalf("after TTL: %v", err)
	}
	if got := b.svc.verifications.Load(); got != 4 {
		t.Errorf("after TTL: verifications = %d, want 4", got)
	}

	// Concurrent first requests with one token share one verification.
	burst := b.createKey(t, CreateKeyParams{}).Secret
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := b.svc.AuthenticateKey(ctx, burst); err != nil {
				t.Errorf("burst: %v", err)
			}
		})
	}
	wg.Wait()
	if got := b.svc.verifications.Load(); got != 5 {
		t.Errorf("after burst: verifications = %d, want 5", got)
	}
}

func TestVerifyWaitsForSemaphore(t *testing.T) {
	t.Parallel()
	b := setup(t, WithVerifyConcurrency(1))
	k := b.createKey(t, CreateKeyParams{})

	b.svc.sem <- struct{}{} // every slot busy
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := b.svc.AuthenticateKey(ctx, k.Secret)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AuthenticateKey with no free slot = %v, want deadline exceeded (not a cached failure)", err)
	}
	<-b.svc.sem
	if _, err := b.svc.AuthenticateKey(context.Background(), k.Secret); err != nil {
		t.Errorf("AuthenticateKey once a slot is free = %v", err)
	}
}

func TestLastUsedFlushedInOneBatch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	k1, k2, idle := b.createKey(t, CreateKeyParams{}), b.createKey(t, CreateKeyParams{}), b.createKey(t, CreateKeyParams{})
	t0 := b.clock.Now()
	for range 3 {
		if _, err := b.svc.AuthenticateKey(ctx, k1.Secret); err != nil {
			t.Fatal(err)
		}
	}
	b.clock.Advance(time.Second)
	if _, err := b.svc.AuthenticateKey(ctx, k2.Secret); err != nil {
		t.Fatal(err)
	}
	if got := len(b.svc.used); got != 2 {
		t.Fatalf("recorded uses = %d keys, want 2", got)
	}
	// Nothing reaches the database before the flush.
	if row, _ := b.keys.ByID(ctx, k1.Key.ID); row.LastUsedAt != nil {
		t.Fatalf("last_used_at written before flush: %v", row.LastUsedAt)
	}
	if err := b.svc.FlushLastUsed(ctx); err != nil {
		t.Fatalf("FlushLastUsed = %v", err)
	}
	if got := len(b.svc.used); got != 0 {
		t.Errorf("recorded uses after flush = %d, want 0", got)
	}

	tests := []struct {
		id   uuid.UUID
		want *time.Time
	}{
		{k1.Key.ID, &t0},
		{k2.Key.ID, ptr(t0.Add(time.Second))},
		{idle.Key.ID, nil},
	}
	for _, tt := range tests {
		row, err := b.keys.ByID(ctx, tt.id)
		if err != nil {
			t.Fatal(err)
		}
		if (tt.want == nil) != (row.LastUsedAt == nil) || tt.want != nil && !row.LastUsedAt.Equal(*tt.want) {
			t.Errorf("key %v: last_used_at = %v, want %v", tt.id, row.LastUsedAt, tt.want)
		}
	}
}

func TestAuthenticateKeyStoredRowOddities(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	insert := func(hash string, scopes []string) string {
		token, prefix, secret := newToken()
		if hash == "" {
			hash = HashSecret(secret, cheapParams)
		}
		if _, err := b.keys.Insert(ctx, store.APIKey{Name: "odd", Prefix: prefix, Hash: hash, Scopes: scopes}); err != nil {
			t.Fatal(err)
		}
		return token
	}

	// An unreadable hash fails closed.
	if _, err := b.svc.AuthenticateKey(ctx, insert("not-a-phc-string", []string{"admin"})); err != ErrUnauthenticated {
		t.Errorf("unreadable hash: AuthenticateKey = %v, want ErrUnauthenticated", err)
	}
	// A scope this build does not know grants nothing, the rest still work.
	p, err := b.svc.AuthenticateKey(ctx, insert("", []string{"contacts:read", "reports:delete"}))
	if err != nil || !slices.Equal(p.Scopes, []Scope{ContactsRead}) {
		t.Errorf("unknown stored scope: AuthenticateKey = %v, %v; want [contacts:read]", p.Scopes, err)
	}
}

func ptr[T any](v T) *T { return &v }
