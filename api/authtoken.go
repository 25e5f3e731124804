package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/auth"
)

// TokenRequest asks for a session token.
type TokenRequest struct {
	Body struct {
		Cookie bool `json:"cookie,omitempty" doc:"Also set the token as an HttpOnly session cookie (with a CSRF cookie) for browsers."`
	}
}

// TokenResponse carries a short-lived JWT.
type TokenResponse struct {
	Body struct {
		Token     string    `json:"token" doc:"JWT to send as Authorization: Bearer."`
		TokenType string    `json:"token_type" example:"Bearer"`
		ExpiresAt time.Time `json:"expires_at"`
		CSRFToken string    `json:"csrf_token" doc:"Send as X-CSRF-Token on unsafe requests made with the session cookie."`
	}
}

// PrincipalResponse describes the caller.
type PrincipalResponse struct {
	Body struct {
		KeyID     uuid.UUID    `json:"key_id"`
		KeyName   string       `json:"key_name"`
		Scopes    []auth.Scope `json:"scopes"`
		Method    auth.Method  `json:"method" doc:"How the request authenticated: api_key, jwt or cookie."`
		ExpiresAt *time.Time   `json:"expires_at,omitempty"`
	}
}

func (s *Server) registerAuth() {
	register(s, huma.Operation{
		OperationID: "create-token", Method: http.MethodPost, Path: "/api/v1/auth/token",
		Summary: "Exchange an API key for a session JWT",
		Description: "Only an API key can mint a token; the token carries the key's scopes and stops working when the key is revoked. " +
			"With cookie=true the response also sets the HttpOnly rtgs_session cookie and the rtgs_csrf cookie.",
		Tags: []string{"auth"}, DefaultStatus: http.StatusCreated,
	}, s.createToken)
	register(s, huma.Operation{
		OperationID: "logout", Method: http.MethodPost, Path: "/api/v1/auth/logout",
		Summary: "Revoke the current session JWT and clear its cookies", Tags: []string{"auth"},
		DefaultStatus: http.StatusNoContent,
	}, s.logout)
	register(s, huma.Operation{
		OperationID: "whoami", Method: http.MethodGet, Path: "/api/v1/auth/me",
		Summary: "Describe the caller's credentials", Tags: []string{"auth"},
	}, s.whoami)
}

func (s *Server) createToken(ctx context.Context, in *TokenRequest) (*TokenResponse, error) {
	p, _ := auth.PrincipalFrom(ctx)
	if p.Method != auth.MethodAPIKey {
		return nil, problem(http.StatusForbidden, codeForbidden, "only an API key can create a session token")
	}
	tok, err := s.auth.IssueJWT(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &TokenResponse{}
	out.Body.Token, out.Body.TokenType, out.Body.ExpiresAt, out.Body.CSRFToken = tok.Value, "Bearer", tok.ExpiresAt, tok.CSRF
	if in.Body.Cookie {
		s.setSessionCookies(ctx, tok.Value, tok.CSRF, tok.ExpiresAt)
	}
	return out, nil
}

func (s *Server) logout(ctx context.Context, _ *struct{}) (*struct{}, error) {
	p, _ := auth.PrincipalFrom(ctx)
	if p.JTI != "" {
		if err := s.auth.RevokeJWT(ctx, p); err != nil {
			return nil, err
		}
	}
	s.setSessionCookies(ctx, "", "", time.Unix(0, 0))
	return nil, nil
}

// setSessionCookies writes the session cookie (HttpOnly) and the CSRF cookie
// (readable by the page's script, which echoes it in X-CSRF-Token). They are
// set on the Fiber response directly: huma's header output would fold two
// Set-Cookie values into one line.
func (s *Server) setSessionCookies(ctx context.Context, session, csrf string, expires time.Time) {
	c := fiberCtx(ctx)
	for _, ck := range []*fiber.Cookie{
		{Name: cookieSession, Value: session, HTTPOnly: true},
		{Name: cookieCSRF, Value: csrf},
	} {
		ck.Path, ck.Expires, ck.Secure, ck.SameSite = "/", expires, s.cfg.Auth.CookieSecure, fiber.CookieSameSiteStrictMode
		if session == "" {
			ck.MaxAge = -1
		}
		c.Cookie(ck)
	}
}

func (s *Server) whoami(ctx context.Context, _ *struct{}) (*PrincipalResponse, error) {
	p, _ := auth.PrincipalFrom(ctx)
	out := &PrincipalResponse{}
	out.Body.KeyID, out.Body.KeyName, out.Body.Scopes, out.Body.Method = p.KeyID, p.KeyName, p.Scopes, p.Method
	if !p.ExpiresAt.IsZero() {
		out.Body.ExpiresAt = &p.ExpiresAt
	}
	return out, nil
}
