package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/riverqueue/river/rivertype"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
)

// Stable problem codes, carried in the problem's "type" as urn:rtgs:problem:<code>.
const (
	codeUnauthenticated = "unauthenticated"
	codeForbidden       = "forbidden"
	codeCSRF            = "csrf"
	codeRateLimited     = "rate_limited"
	codeNotFound        = "not_found"
	codeConflict        = "conflict"
	codeInvalid         = "invalid"
	codeTooLarge        = "too_large"
	codeTimeout         = "timeout"
	codeInternal        = "internal"
)

const problemContentType = "application/problem+json"

// problem builds an RFC 9457 problem with a stable type.
func problem(status int, code, detail string, details ...*huma.ErrorDetail) *huma.ErrorModel {
	return &huma.ErrorModel{
		Type:   "urn:rtgs:problem:" + code,
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
		Errors: details,
	}
}

// domainError maps a domain error to a problem; unknown errors become a 500
// whose text never reaches the client.
func domainError(err error) *huma.ErrorModel {
	var ve *auth.ValidationError
	var cve *contacts.ValidationError
	var cce *contacts.ConflictError
	var se huma.StatusError
	var fe *fiber.Error
	switch {
	case errors.As(err, &ve):
		return problem(http.StatusUnprocessableEntity, codeInvalid, "validation failed",
			&huma.ErrorDetail{Location: "body." + ve.Field, Message: ve.Reason})
	case errors.As(err, &cve):
		details := make([]*huma.ErrorDetail, len(cve.Fields))
		for i, f := range cve.Fields {
			details[i] = &huma.ErrorDetail{Location: cve.In + "." + f.Field, Message: f.Reason}
		}
		return problem(http.StatusUnprocessableEntity, codeInvalid, "validation failed", details...)
	case errors.As(err, &cce):
		return problem(http.StatusConflict, codeConflict, "conflicts with an existing resource",
			&huma.ErrorDetail{Location: "body." + cce.Field, Message: "already in use", Value: cce.Value})
	case errors.Is(err, store.ErrNotFound), errors.Is(err, rivertype.ErrNotFound):
		return problem(http.StatusNotFound, codeNotFound, "no such resource")
	case errors.Is(err, store.ErrConflict):
		return problem(http.StatusConflict, codeConflict, "conflicts with an existing resource")
	case errors.Is(err, auth.ErrUnauthenticated):
		return problem(http.StatusUnauthorized, codeUnauthenticated, "missing or invalid credentials")
	case errors.As(err, &se):
		if m, ok := se.(*huma.ErrorModel); ok {
			return m
		}
		return problem(se.GetStatus(), codeInvalid, se.Error())
	case errors.As(err, &fe):
		return fiberProblem(fe)
	default:
		return problem(http.StatusInternalServerError, codeInternal, "internal error; quote the request id when reporting it")
	}
}

func fiberProblem(fe *fiber.Error) *huma.ErrorModel {
	switch fe.Code {
	case fiber.StatusNotFound:
		return problem(fe.Code, codeNotFound, "no such route")
	case fiber.StatusMethodNotAllowed:
		return problem(fe.Code, codeNotFound, "method not allowed on this route")
	case fiber.StatusRequestEntityTooLarge:
		return problem(fe.Code, codeTooLarge, "request body exceeds the size limit")
	case fiber.StatusRequestTimeout:
		return problem(fe.Code, codeTimeout, "request took too long")
	}
	if fe.Code >= 500 {
		return problem(fe.Code, codeInternal, "internal error; quote the request id when reporting it")
	}
	return problem(fe.Code, codeInvalid, fe.Message)
}

// writeProblem sends p as problem+json.
func writeProblem(c *fiber.Ctx, p *huma.ErrorModel) error {
	c.Set(fiber.HeaderContentType, problemContentType)
	return c.Status(p.Status).JSON(p, problemContentType)
}

// errorHandler is Fiber's single error handler: every error that escapes a
// handler or middleware becomes problem+json; 5xx are logged with the request
// id, never shown.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	p := domainError(err)
	if p.Status >= 500 {
		s.logger.ErrorContext(c.UserContext(), "request failed",
			slog.String("request_id", requestID(c)), slog.String("route", routePattern(c)), slog.Any("error", err))
	}
	return writeProblem(c, p)
}

// register declares an operation whose handler errors pass through
// domainError, so no internal error text ever reaches a client and every 5xx
// is logged with its request id.
func register[I, O any](s *Server, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err == nil {
			return out, nil
		}
		p := domainError(err)
		if p.Status >= 500 {
			obs.Logger(ctx, s.logger).ErrorContext(ctx, "request failed",
				slog.String("operation", op.OperationID), slog.Any("error", err))
		}
		return nil, p
	})
}
