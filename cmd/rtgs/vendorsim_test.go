package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseVendorsimFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		min, max time.Duration
		rate     float64
		err      string
	}{
		{args: nil},
		{args: []string{"--latency", "50ms"}, min: 50 * time.Millisecond},
		{args: []string{"--latency", "20ms-200ms", "--error-rate", "0.1"}, min: 20 * time.Millisecond, max: 200 * time.Millisecond, rate: 0.1},
		{args: []string{"--latency", "fast"}, err: "--latency"},
		{args: []string{"--latency", "200ms-20ms"}, err: "--latency"},
		{args: []string{"--error-rate", "1.5"}, err: "error-rate"},
		{args: []string{"--nope"}, err: "nope"},
		{args: []string{"extra"}, err: "no arguments"},
	}
	for _, tt := range tests {
		f, err := parseVendorsimFlags(tt.args)
		if tt.err != "" {
			if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%v: %v, want a usage error naming %s", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil || f.knobs.LatencyMin != tt.min || f.knobs.LatencyMax != tt.max || f.knobs.ErrorRate != tt.rate {
			t.Errorf("%v: %+v %v", tt.args, f, err)
		}
	}
}

// syncBuffer is written by the command's goroutine and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestVendorsimServesUntilCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"vendorsim", "--addr", "127.0.0.1:0", "--outage", "hubspot"}, nil, &out, io.Discard)
	}()
	re := regexp.MustCompile(`hubspot\s+(http://\S+/hubspot)`)
	var base string
	for deadline := time.Now().Add(5 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("no HubSpot URL printed:\n%s", out.String())
	}
	resp, err := http.Post(base+"/crm/v3/objects/contacts/search", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("HubSpot started in an outage answered %d, want 503", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("vendorsim: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("vendorsim did not stop")
	}
}

func TestVendorsimUnknownOutageVendor(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"vendorsim", "--addr", "127.0.0.1:0", "--outage", "salesforce"}, nil, io.Discard, io.Discard)
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "salesforce") {
		t.Errorf("got %v, want a usage error naming salesforce", err)
	}
}
