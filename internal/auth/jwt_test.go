package auth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// session creates a key, authenticates it and mints a session from it.
func (b *testBundle) session(t *testing.T, p CreateKeyParams) (Principal, Token) {
	t.Helper()
	k := b.createKey(t, p)
	keyP, err := b.svc.AuthenticateKey(context.Background(), k.Secret)
	if err != nil {
		t.Fatalf("AuthenticateKey: %v", err)
	}
	tok, err := b.svc.IssueJWT(context.Background(), keyP)
	if err != nil {
		t.Fatalf("IssueJWT: %v", err)
	}
	return keyP, tok
}

func TestIssueAndAuthenticateJWT(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	keyP, tok := b.session(t, CreateKeyParams{Name: "console", Scopes: []Scope{CampaignsWrite, ContactsRead}})

	if want := b.clock.Now().Add(b.cfg.JWTTTL); !tok.ExpiresAt.Equal(want) || tok.JTI == "" || tok.CSRF != b.svc.CSRFToken(tok.JTI) {
		t.Errorf("IssueJWT = %+v, want expiry %v, a jti and its CSRF token", tok, want)
	}
	got, err := b.svc.AuthenticateJWT(ctx, tok.Value)
	if err != nil {
		t.Fatalf("AuthenticateJWT = %v", err)
	}
	want := Principal{KeyID: keyP.KeyID, KeyName: "console", Scopes: keyP.Scopes, Method: MethodJWT, JTI: tok.JTI, ExpiresAt: tok.ExpiresAt}
	if got.KeyID != want.KeyID || got.KeyName != want.KeyName || !slices.Equal(got.Scopes, want.Scopes) ||
		got.Method != want.Method || got.JTI != want.JTI || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("AuthenticateJWT = %+v, want %+v", got, want)
	}

	// A session cannot mint another session.
	if _, err := b.svc.IssueJWT(ctx, got); !errors.Is(err, ErrForbidden) {
		t.Errorf("IssueJWT from a session = %v, want ErrForbidden", err)
	}
}

func TestJWTNeverOutlivesKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	exp := b.clock.Now().Add(5 * time.Minute)
	_, tok := b.session(t, CreateKeyParams{ExpiresAt: &exp})
	if !tok.ExpiresAt.Equal(exp) {
		t.Errorf("session expires %v, want the key's expiry %v", tok.ExpiresAt, exp)
	}
}

func TestAuthenticateJWTRejects(t *testing.T) {
	t.Parallel()
	b := setup(t)
	keyP, tok := b.session(t, CreateKeyParams{})
	secret := []byte(b.cfg.JWTSecret.Reveal())

	claims := func(edit func(*sessionClaims)) sessionClaims {
		now := b.clock.Now()
		c := sessionClaims{RegisteredClaims: jwt.RegisteredClaims{
			Issuer: jwtIssuer, Audience: jwt.ClaimStrings{jwtAudience}, Subject: keyP.KeyID.String(),
			ID: "forged-jti", IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
		}, Scopes: []string{"admin"}}
		if edit != nil {
			edit(&c)
		}
		return c
	}
	sign := func(m jwt.SigningMethod, key any, c sessionClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
		return s
	}
	parts := strings.Split(tok.Value, ".")
	adminPayload := strings.Split(sign(jwt.SigningMethodHS256, secret, claims(nil)), ".")[1]

	tests := []struct {
		name  string
		token string
	}{
		{"empty", ""},
		{"garbage", "not.a.jwt"},
		{"10KB", strings.Repeat("a", 10<<10)},
		{"payload swapped (forged signature)", parts[0] + "." + adminPayload + "." + parts[2]},
		{"signature altered", parts[0] + "." + parts[1] + "." + flip(parts[2])},
		{"signature stripped", parts[0] + "." + parts[1] + "."},
		{"alg none", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil))},
		{"HS512 with our secret", sign(jwt.SigningMethodHS512, secret, claims(nil))},
		{"another secret", sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), claims(nil))},
		{"wrong audience", sign(jwt.SigningMethodHS256, secret, claims(func(c *sessionClaims) { c.Audience = jwt.ClaimStrings{"other"} }))},
		{"wrong issuer", sign(jwt.SigningMethodHS256, secret, claims(func(c *sessionClaims) { c.Issuer = "other" }))},
		{"no exp", sign(jwt.SigningMethodHS256, secret, claims(func(c *sessionClaims) { c.ExpiresAt = nil }))},
		{"no jti", sign(jwt.SigningMethodHS256, secret, claims(func(c *sessionClaims) { c.ID = "" }))},
		{"subject not a uuid", sign(jwt.SigningMethodHS256, secret, claims(func(c *sessionClaims) { c.Subject = "root" }))},
		{"unknown key", sign(jwt.SigningMethodHS256, secret, claims(func(c *sessionClaims) { c.Subject = uuid.NewString() }))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := b.svc.AuthenticateJWT(context.Background(), tt.token); err != ErrUnauthenticated {
				t.Errorf("AuthenticateJWT = %v, want ErrUnauthenticated", err)
			}
		})
	}
}

// flip changes the first character of a base64url string.
func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestAuthenticateJWTExpired(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, tok := b.session(t, CreateKeyParams{})
	if _, err := b.svc.AuthenticateJWT(ctx, tok.Value); err != nil {
		t.Fatalf("AuthenticateJWT before expiry = %v", err)
	}
	b.clock.Advance(b.cfg.JWTTTL + jwtLeeway + time.Second)
	if _, err := b.svc.AuthenticateJWT(ctx, tok.Value); err != ErrUnauthenticated {
		t.Errorf("AuthenticateJWT after expiry = %v, want ErrUnauthenticated", err)
	}
}

func TestRevokeJWT(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	other := b.newService(b.cfg)
	_, tok := b.session(t, CreateKeyParams{})
	_, kept := b.session(t, CreateKeyParams{})
	var p Principal
	for _, svc := range []*Service{b.svc, other} {
		var err error
		if p, err = svc.AuthenticateJWT(ctx, tok.Value); err != nil {
			t.Fatalf("AuthenticateJWT before revoke = %v", err)
		}
	}

	if err := b.svc.RevokeJWT(ctx, p); err != nil {
		t.Fatalf("RevokeJWT = %v", err)
	}
	if err := b.svc.RevokeJWT(ctx, p); err != nil {
		t.Errorf("second RevokeJWT = %v, want nil", err)
	}
	if _, err := b.svc.AuthenticateJWT(ctx, tok.Value); err != ErrUnauthenticated {
		t.Errorf("same process after revoke = %v, want ErrUnauthenticated", err)
	}
	b.clock.Advance(testTTL)
	if _, err := other.AuthenticateJWT(ctx, tok.Value); err != ErrUnauthenticated {
		t.Errorf("other process after TTL = %v, want ErrUnauthenticated", err)
	}
	if _, err := other.AuthenticateJWT(ctx, kept.Value); err != nil {
		t.Errorf("unrevoked session = %v, want nil", err)
	}
	if err := b.svc.RevokeJWT(ctx, Principal{KeyID: p.KeyID, Method: MethodAPIKey}); !errors.Is(err, ErrForbidden) {
		t.Errorf("RevokeJWT of an API key principal = %v, want ErrForbidden", err)
	}
}

func TestRevokedKeyEndsSessions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	keyP, tok := b.session(t, CreateKeyParams{})
	if _, err := b.svc.AuthenticateJWT(ctx, tok.Value); err != nil {
		t.Fatalf("AuthenticateJWT = %v", err)
	}
	if _, err := b.svc.RevokeKey(ctx, keyP.KeyID); err != nil {
		t.Fatalf("RevokeKey = %v", err)
	}
	if _, err := b.svc.AuthenticateJWT(ctx, tok.Value); err != ErrUnauthenticated {
		t.Errorf("session of a revoked key = %v, want ErrUnauthenticated", err)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	b := setup(t)
	otherSecret := b.cfg
	otherSecret.JWTSecret = "ffffffffffffffffffffffffffffffff"
	foreign := b.newService(otherSecret)
	good := b.svc.CSRFToken("jti-1")

	tests := []struct {
		name       string
		jti, token string
		want       bool
	}{
		{"match", "jti-1", good, true},
		{"other session", "jti-2", good, false},
		{"empty token", "jti-1", "", false},
		{"empty jti", "", b.svc.CSRFToken(""), false},
		{"altered", "jti-1", flip(good), false},
		{"truncated", "jti-1", good[:len(good)-1], false},
		{"other secret", "jti-1", foreign.CSRFToken("jti-1"), false},
	}
	for _, tt := range tests {
		if got := b.svc.CheckCSRF(tt.jti, tt.token); got != tt.want {
			t.Errorf("%s: CheckCSRF = %v, want %v", tt.name, got, tt.want)
		}
	}
}
