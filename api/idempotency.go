package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"log/slog"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
)

const (
	headerIdempotencyKey = "Idempotency-Key"
	idempotencyTTL       = 24 * time.Hour
)

// credentialRoutes answer with secrets that must never be stored.
var credentialRoutes = []string{"/api/v1/auth", "/api/v1/api-keys"}

// idempotent makes a POST carrying Idempotency-Key safe to retry: the first
// response (anything but a 5xx) is stored and replayed to every retry with
// the same key from the same API key; the same key with a different request
// is a 422, and a retry while the first is still running is a 409.
// Routes whose responses are credentials (session tokens, new API keys) are
// excluded: replaying them would mean storing the secret. So is the import
// (importPath), whose body streams: hashing it here would read it whole
// into memory. It honours Idempotency-Key itself, keeping the key on the
// import in the upload's own transaction (api/imports.go).
func (s *Server) idempotent(c *fiber.Ctx) error {
	key := c.Get(headerIdempotencyKey)
	if c.Method() != fiber.MethodPost || key == "" || hasAnyPrefix(c.Path(), credentialRoutes) || c.Path() == importPath {
		return c.Next()
	}
	if err := checkIdempotencyKey(key); err != nil {
		return err
	}
	p, ok := auth.PrincipalFrom(c.UserContext())
	if !ok {
		return c.Next()
	}
	ctx := c.UserContext()
	// Copy what Fiber may reuse before it is kept beyond this request.
	key, path := strings.Clone(key), strings.Clone(c.Path())
	h := sha256.New()
	h.Write([]byte(c.Method() + " " + path + "\n"))
	h.Write(c.Body())
	hash := h.Sum(nil)

	claimed, prev, err := s.idem.Claim(ctx, p.KeyID, key, c.Method(), path, hash, idempotencyTTL, 2*s.cfg.RequestTimeout)
	if err != nil {
		return err
	}
	if !claimed {
		switch {
		case !bytes.Equal(prev.RequestHash, hash):
			return problem(fiber.StatusUnprocessableEntity, codeConflict, "Idempotency-Key was already used with a different request",
				&huma.ErrorDetail{Location: "header." + headerIdempotencyKey, Message: "reused with a different method, path or body"})
		case !prev.Done:
			c.Set(fiber.HeaderRetryAfter, "1")
			return problem(fiber.StatusConflict, codeConflict, "a request with this Idempotency-Key is still being processed")
		}
		for k, v := range prev.Headers {
			c.Set(k, v)
		}
		c.Set("Idempotent-Replayed", "true")
		c.Set(fiber.HeaderContentType, prev.ContentType)
		return c.Status(prev.Status).Send(prev.Body)
	}

	// The claim is settled with a context of its own: the request's may be
	// done by now, and a claim left open blocks retries until it goes stale.
	settle, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := c.Next(); err != nil {
		if relErr := s.idem.Release(settle, p.KeyID, key); relErr != nil {
			obs.Logger(ctx, s.logger).Warn("release idempotency key", slog.Any("error", relErr))
		}
		return err
	}
	status := c.Response().StatusCode()
	if status >= 500 {
		if err := s.idem.Release(settle, p.KeyID, key); err != nil {
			obs.Logger(ctx, s.logger).Warn("release idempotency key", slog.Any("error", err))
		}
		return nil
	}
	resp := store.IdempotentResponse{
		Status:      status,
		Body:        bytes.Clone(c.Response().Body()),
		ContentType: string(c.Response().Header.ContentType()),
		Headers:     map[string]string{},
	}
	if loc := c.Response().Header.Peek(fiber.HeaderLocation); len(loc) > 0 {
		resp.Headers[fiber.HeaderLocation] = string(loc)
	}
	if err := s.idem.Complete(settle, p.KeyID, key, resp); err != nil {
		obs.Logger(ctx, s.logger).Error("store idempotent response", slog.Any("error", err))
	}
	return nil
}

// checkIdempotencyKey refuses a key that is not 1 to 255 visible ASCII
// characters.
func checkIdempotencyKey(key string) error {
	if len(key) > 255 || strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return problem(fiber.StatusBadRequest, codeInvalid, "invalid Idempotency-Key",
			&huma.ErrorDetail{Location: "header." + headerIdempotencyKey, Message: "must be 1 to 255 visible ASCII characters"})
	}
	return nil
}
