package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/store"
)

// Issuer and audience are set and required, so a token signed with the same
// secret for another purpose is not accepted as a session.
const (
	jwtIssuer   = "rtgs"
	jwtAudience = "rtgs-session"
	jwtLeeway   = 5 * time.Second // clock skew between replicas
	maxJWTLen   = 4096            // ours are ~400 bytes; bound parsing work
)

// Token is a minted session: the JWT, its id, when it expires and the CSRF
// token the browser must echo on unsafe requests.
type Token struct {
	Value     string
	JTI       string
	ExpiresAt time.Time
	CSRF      string
}

type sessionClaims struct {
	jwt.RegisteredClaims
	Scopes  []string `json:"scopes"`
	KeyName string   `json:"key_name"`
}

// sessionEntry caches that a session's jti is not revoked and its key still
// valid (ok), or that it is dead (revocations are permanent).
type sessionEntry struct {
	keyID uuid.UUID
	ok    bool
}

// IssueJWT mints a session for p. Only a principal authenticated by API key
// may mint one (ErrForbidden otherwise), so a session cannot extend itself
// past its TTL. The session never outlives the key's own expiry.
func (s *Service) IssueJWT(_ context.Context, p Principal) (Token, error) {
	if p.Method != MethodAPIKey || p.KeyID == uuid.Nil {
		return Token{}, fmt.Errorf("issue session: only an API key may mint one: %w", ErrForbidden)
	}
	now := s.now()
	exp := now.Add(s.jwtTTL)
	if !p.ExpiresAt.IsZero() && p.ExpiresAt.Before(exp) {
		exp = p.ExpiresAt
	}
	exp = exp.Truncate(jwt.TimePrecision) // as it is encoded in the claim
	if !exp.After(now) {
		return Token{}, ErrUnauthenticated
	}
	claims := sessionClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    jwtIssuer,
			Audience:  jwt.ClaimStrings{jwtAudience},
			Subject:   p.KeyID.String(),
			ID:        newJTI(),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		Scopes:  scopeStrings(p.Scopes),
		KeyName: p.KeyName,
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.secret)
	if err != nil {
		return Token{}, fmt.Errorf("issue session: sign: %w", err)
	}
	return Token{Value: signed, JTI: claims.ID, ExpiresAt: exp, CSRF: s.CSRFToken(claims.ID)}, nil
}

// AuthenticateJWT returns the principal of a session token: HS256 signature
// (no other algorithm), issuer, audience and expiry; then jti not revoked and
// the key still usable, an answer cached like verified keys so a session
// costs no database read per request. Every failure is ErrUnauthenticated.
func (s *Service) AuthenticateJWT(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > maxJWTLen {
		return Principal{}, ErrUnauthenticated
	}
	var c sessionClaims
	if _, err := s.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.secret, nil }); err != nil {
		return Principal{}, ErrUnauthenticated
	}
	keyID, err := uuid.Parse(c.Subject)
	if err != nil || c.ID == "" || c.ExpiresAt == nil {
		return Principal{}, ErrUnauthenticated
	}
	now := s.now()
	e, hit := s.sessionCache.get(c.ID, now)
	if !hit {
		if e, err = s.checkSession(ctx, c.ID, keyID, c.ExpiresAt.Time, now); err != nil {
			return Principal{}, err
		}
	}
	if !e.ok || e.keyID != keyID {
		return Principal{}, ErrUnauthenticated
	}
	s.recordUse(keyID, now)
	scopes, _ := scopesFromDB(c.Scopes)
	return Principal{KeyID: keyID, KeyName: c.KeyName, Scopes: scopes, Method: MethodJWT,
		JTI: c.ID, ExpiresAt: c.ExpiresAt.Time}, nil
}

// checkSession reads the jti's revocation and the key's state, and caches
// the answer: a live session for the key TTL (never past the key's expiry),
// a dead one until the token expires, since revocation is permanent.
func (s *Service) checkSession(ctx context.Context, jti string, keyID uuid.UUID, exp, now time.Time) (sessionEntry, error) {
	fresh := s.generation()
	revoked, err := s.revocations.IsRevoked(ctx, jti)
	if err != nil {
		return sessionEntry{}, fmt.Errorf("authenticate session: %w", err)
	}
	ok := !revoked
	var keyExp *time.Time
	if ok {
		k, err := s.keys.ByID(ctx, keyID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			ok = false
		case err != nil:
			return sessionEntry{}, fmt.Errorf("authenticate session: %w", err)
		default:
			ok, keyExp = usable(k, now), k.ExpiresAt
		}
	}
	e := sessionEntry{keyID: keyID, ok: ok}
	until := exp.Add(jwtLeeway)
	if ok {
		until = now.Add(s.keyTTL)
		if keyExp != nil && keyExp.Before(until) {
			until = *keyExp
		}
	}
	s.sessionCache.putIf(jti, e, until, now, fresh)
	return e, nil
}

// RevokeJWT ends p's session: the jti is recorded in jwt_revocations (seen
// by other processes within their cache TTL) and marked dead in this
// process's cache at once.
func (s *Service) RevokeJWT(ctx context.Context, p Principal) error {
	if p.JTI == "" {
		return fmt.Errorf("revoke session: principal has no session: %w", ErrForbidden)
	}
	if err := s.revocations.Revoke(ctx, p.JTI, p.KeyID, p.ExpiresAt); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	s.revocationGen.Add(1)
	s.sessionCache.put(p.JTI, sessionEntry{keyID: p.KeyID}, p.ExpiresAt.Add(jwtLeeway), s.now())
	return nil
}

// CSRFToken returns the double-submit CSRF token of session jti:
// base64url(HMAC-SHA256(secret, "csrf:"+jti)). Binding it to the session
// means a cookie planted by a sibling subdomain is useless without the
// token of that very session.
func (s *Service) CSRFToken(jti string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("csrf:" + jti))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports, in constant time, whether token is the CSRF token of
// session jti.
func (s *Service) CheckCSRF(jti, token string) bool {
	if jti == "" || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(s.CSRFToken(jti)), []byte(token)) == 1
}

// newJTI returns a random 128-bit session id.
func newJTI() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
