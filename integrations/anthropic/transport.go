package anthropic

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

	"github.com/rtgs/sales-automation/integrations/guard"
)

// ErrResponseTooLarge is the cause inside the TransientError of an answer
// longer than Config.MaxResponseBytes. The SDK reads whole bodies into
// memory, so the bound has to be enforced underneath it, in the transport.
var ErrResponseTooLarge = errors.New("response body exceeds the configured MaxResponseBytes")

// limitTransport bounds every response body at max bytes.
type limitTransport struct {
	next http.RoundTripper
	max  int64
}

// RoundTrip refuses an announced oversized body at once and cuts an
// unannounced one off with ErrResponseTooLarge once max bytes are read.
func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, fmt.Errorf("%w (Content-Length %d > %d)", ErrResponseTooLarge, resp.ContentLength, t.max)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

// limitedBody reads at most left bytes and fails, rather than truncating
// silently, when more follow: a truncated answer must not decode as a short
// one.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var probe [1]byte
		n, err := b.rc.Read(probe[:])
		if n > 0 {
			return 0, ErrResponseTooLarge
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

// classify is the guard's view of one attempt (see guard.Transport): nil for
// a usable answer, else the typed error. It reads what it needs and puts the
// body back, so the SDK still decodes the answer and builds its own error.
// A 2xx is read whole (bounded by limitTransport) and checked to be JSON, so
// that malformed, truncated and oversized answers count towards the breaker
// like a 5xx.
func (c *Client) classify(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		if err != nil {
			return &guard.TransientError{Vendor: Vendor, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", err)}
		}
		if err := checkJSON(resp.Header.Get("Content-Type"), b); err != nil {
			return &guard.TransientError{Vendor: Vendor, Status: resp.StatusCode, Err: err}
		}
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
	return classifyResponse(resp.StatusCode, resp.Header, b, time.Now())
}

// checkJSON refuses an answer that is not a complete JSON document of a
// JSON content type.
func checkJSON(contentType string, b []byte) error {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return fmt.Errorf("unexpected content type %q", contentType)
	}
	if !json.Valid(b) {
		return errors.New("malformed or truncated JSON answer")
	}
	return nil
}
