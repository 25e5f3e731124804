package guard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// Pieces for vendors reached through an official SDK (Anthropic, Gemini):
// the SDK owns the request and decodes the answer, so bounds and checks have
// to live underneath it, in its transport.

// LimitResponses bounds every response body read through next at max bytes:
// an announced oversized body is refused at once, an unannounced one fails
// with ErrBodyTooLarge when byte max+1 arrives. SDKs read whole bodies into
// memory; this keeps a hostile or broken answer from doing the same.
func LimitResponses(next http.RoundTripper, max int64) http.RoundTripper {
	return limitTransport{next: next, max: max}
}

type limitTransport struct {
	next http.RoundTripper
	max  int64
}

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, fmt.Errorf("%w (Content-Length %d > %d)", ErrBodyTooLarge, resp.ContentLength, t.max)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

// limitedBody fails rather than truncating silently when more than left
// bytes follow: a truncated answer must not decode as a short one.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var probe [1]byte
		n, err := b.rc.Read(probe[:])
		if n > 0 {
			return 0, ErrBodyTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// SDKClassify is the Classify of an SDK-backed vendor. It reads what it needs
// and puts the body back, so the SDK still decodes the answer and builds its
// own error. A 2xx is read whole (bound it with LimitResponses) and must be a
// complete JSON document of a JSON content type, so malformed, truncated and
// oversized answers count towards the breaker like a 5xx. Other answers peek
// at most maxErrorBody bytes and go to classifyError.
func SDKClassify(vendor string, maxErrorBody int64, classifyError func(status int, h http.Header, body []byte, now time.Time) error) Classify {
	return func(resp *http.Response) error {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(b))
			if err != nil {
				return &TransientError{Vendor: vendor, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", err)}
			}
			if err := CheckJSON(resp.Header.Get("Content-Type"), b); err != nil {
				return &TransientError{Vendor: vendor, Status: resp.StatusCode, Err: err}
			}
			return nil
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
		return classifyError(resp.StatusCode, resp.Header, b, time.Now())
	}
}

// CheckJSON refuses an answer that is not a complete JSON document of a
// JSON content type.
func CheckJSON(contentType string, b []byte) error {
	if err := CheckJSONContentType(contentType); err != nil {
		return err
	}
	if !json.Valid(b) {
		return errors.New("malformed or truncated JSON answer")
	}
	return nil
}

// CheckJSONContentType refuses anything but a JSON media type.
func CheckJSONContentType(contentType string) error {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return fmt.Errorf("unexpected content type %q", contentType)
	}
	return nil
}

// ReadJSON reads a success body of at most max bytes that must be a complete
// JSON value of a JSON content type (an absent Content-Type is accepted, as
// some vendors omit it). Its errors are plain: the caller decides how a bad
// answer counts.
func ReadJSON(resp *http.Response, max int64) ([]byte, error) {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		if err := CheckJSONContentType(ct); err != nil {
			return nil, err
		}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("response larger than %d bytes", max)
	}
	if !json.Valid(b) {
		return nil, errors.New("malformed or truncated JSON body")
	}
	return b, nil
}
