package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rtgs/sales-automation/internal/demo"
)

// demoProfile is the ICP the walkthrough scores against: B2B software and
// analytics companies, buyers in sales and revenue leadership.
const demoProfile = `{
  "name": "Demo: revenue leaders at software companies",
  "description": "Created by rtgs demo",
  "min_score": 40,
  "criteria": {
    "industries": ["software", "computer software", "information technology & services", "internet", "marketing & advertising"],
    "titles": ["vp of sales", "head of growth", "head of revenue operations", "ceo", "director of marketing"],
    "seniorities": ["c_suite", "vp", "head", "director"],
    "countries": ["US", "GB", "DE", "NL", "SE"],
    "weights": {"industries": 30, "titles": 30, "seniorities": 20, "countries": 20}
  }
}`

// runDemo is `rtgs demo`: it walks a running platform (`make run`) through
// the pipeline with the checked-in sample: an ICP profile, the import, then
// enrichment, scoring and CRM sync against the vendor simulator, printing
// what happens. `rtgs demo generate` writes the sample instead.
func runDemo(ctx context.Context, args []string, lookup func(string) (string, bool), out io.Writer) error {
	if len(args) > 0 && args[0] == "generate" {
		fs := flag.NewFlagSet("demo generate", flag.ContinueOnError)
		n := fs.Int("contacts", demo.DefaultContacts, "prospects to generate")
		companies := fs.Int("companies", demo.DefaultCompanies, "companies they work at")
		seed := fs.Uint64("seed", demo.DefaultSeed, "seed; the same seed writes the same file")
		if err := fs.Parse(args[1:]); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		return demo.Generate(out, *n, *companies, *seed)
	}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	base := fs.String("api", "http://localhost:8080", "base URL of the running API")
	file := fs.String("file", filepath.Join("deploy", "demo", "prospects.csv"), "CSV to import")
	keyFile := fs.String("key-file", filepath.Join(".data", "admin-key"), "file holding an admin key (written by make run); RTGS_API_KEY overrides it")
	wait := fs.Duration("wait", 5*time.Minute, "how long to wait for enrichment, scoring and sync")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	key, ok := lookup("RTGS_API_KEY")
	if !ok {
		raw, err := os.ReadFile(*keyFile)
		if err != nil {
			return fmt.Errorf("no API key: set RTGS_API_KEY or start the platform with `make run` (it writes %s): %w", *keyFile, err)
		}
		key = strings.TrimSpace(string(raw))
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	c := &demoClient{base: strings.TrimRight(*base, "/"), key: key, out: out}
	return c.walk(ctx, data, *wait)
}

type demoClient struct {
	base, key string
	out       io.Writer
}

func (c *demoClient) walk(ctx context.Context, data []byte, wait time.Duration) error {
	if _, err := c.call(ctx, http.MethodGet, "/readyz", nil, "", nil); err != nil {
		return fmt.Errorf("the platform does not answer at %s (start it with `make run`): %w", c.base, err)
	}
	c.say("1. ICP profile")
	var profile struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if _, err := c.call(ctx, http.MethodPost, "/api/v1/icp-profiles", strings.NewReader(demoProfile), "application/json", &profile); err != nil {
		var pe *demoProblem
		if !errors.As(err, &pe) || pe.Status != http.StatusConflict {
			return err
		}
		c.say("   already there from an earlier run")
	} else {
		c.say("   created %s (%s)", profile.ID, profile.Name)
	}

	c.say("2. Import %d bytes of prospects (streamed; Idempotency-Key makes a rerun reuse the first import)", len(data))
	sum := sha256.Sum256(data)
	var imp struct {
		ID string `json:"id"`
	}
	hdr := map[string]string{"Idempotency-Key": "demo-" + hex.EncodeToString(sum[:8])}
	if _, err := c.callH(ctx, http.MethodPost, "/api/v1/contacts/import?format=csv&filename=prospects.csv",
		bytes.NewReader(data), "text/csv", hdr, &imp); err != nil {
		return err
	}
	var progress map[string]any
	if err := c.poll(ctx, wait, "/api/v1/imports/"+imp.ID, &progress, func() bool {
		s, _ := progress["status"].(string)
		return s == "completed" || s == "failed"
	}); err != nil {
		return err
	}
	c.say("   import %s: %s", imp.ID, pick(progress, "status", "rows_read", "inserted", "updated", "skipped", "invalid", "enrichment_enqueued"))
	var rowErrs struct {
		Items []map[string]any `json:"items"`
	}
	if _, err := c.call(ctx, http.MethodGet, "/api/v1/imports/"+imp.ID+"/errors?limit=5", nil, "", &rowErrs); err == nil {
		for _, e := range rowErrs.Items {
			c.say("   row %v: %v %v", e["row"], e["field"], e["reason"])
		}
	}

	c.say("3. Enrichment, scoring and CRM sync run on the worker (watch them in River UI: %s/riverui/)", c.base)
	var pipe demoPipeline
	last := ""
	err := c.poll(ctx, wait, "/api/v1/pipeline", &pipe, func() bool {
		line := pipe.String()
		if line != last {
			c.say("   %s", line)
			last = line
		}
		return pipe.settled()
	})
	if err != nil {
		c.say("   still running after %s; the worker carries on (see /api/v1/pipeline)", wait)
	}

	c.say("4. Contacts that qualify for the profile (score ≥ 40)")
	var top struct {
		Items []struct {
			Email      string          `json:"email"`
			Title      string          `json:"title"`
			Company    string          `json:"company_name"`
			Score      *int            `json:"icp_score"`
			HubSpotID  *string         `json:"hubspot_id"`
			SyncStatus string          `json:"sync_status"`
			Why        json.RawMessage `json:"icp_explanation"`
		} `json:"items"`
	}
	if _, err := c.call(ctx, http.MethodGet, "/api/v1/contacts?min_score=40&limit=5", nil, "", &top); err != nil {
		return err
	}
	for _, t := range top.Items {
		score, hs := 0, "-"
		if t.Score != nil {
			score = *t.Score
		}
		if t.HubSpotID != nil {
			hs = *t.HubSpotID
		}
		c.say("   %3d  %-45s %-32s %-24s hubspot %s (%s)", score, t.Email, t.Title, t.Company, hs, t.SyncStatus)
	}
	c.say("\nNext: GET %s/api/v1/contacts/{id} shows a contact's enrichment and the explanation of its score;", c.base)
	c.say("      GET %s/api/v1/usage shows vendor calls and credits; River UI shows every job.", c.base)
	return nil
}

// demoPipeline is what the demo reads of GET /api/v1/pipeline.
type demoPipeline struct {
	Contacts struct {
		ByEnrichment map[string]int64 `json:"by_enrichment_status"`
		BySync       map[string]int64 `json:"by_sync_status"`
		SyncWaiting  int64            `json:"sync_waiting"`
	} `json:"contacts"`
	Companies struct {
		ByEnrichment map[string]int64 `json:"by_enrichment_status"`
	} `json:"companies"`
	Jobs map[string]map[string]int64 `json:"jobs"`
}

// String is one line of progress: contacts and companies by enrichment
// status, sync, and the jobs still to run by kind.
func (p *demoPipeline) String() string {
	ce, cs, co := p.Contacts.ByEnrichment, p.Contacts.BySync, p.Companies.ByEnrichment
	total := func(m map[string]int64) (n int64) {
		for _, v := range m {
			n += v
		}
		return n
	}
	var queued []string
	for _, kind := range slices.Sorted(maps.Keys(p.Jobs)) {
		if n := total(p.Jobs[kind]); n > 0 {
			queued = append(queued, fmt.Sprintf("%s %d", kind, n))
		}
	}
	jobs := "none"
	if len(queued) > 0 {
		jobs = strings.Join(queued, ", ")
	}
	return fmt.Sprintf("contacts enriched %d, not found %d, failed %d, waiting %d | companies enriched %d/%d | synced %d/%d (%d marked) | jobs to run: %s",
		ce["enriched"], ce["not_found"], ce["failed"], ce["pending"], co["enriched"], total(co),
		cs["synced"], total(cs), p.Contacts.SyncWaiting, jobs)
}

// settled reports whether no pipeline job is queued or running any more.
func (p *demoPipeline) settled() bool {
	if p.Jobs == nil {
		return false
	}
	for _, states := range p.Jobs {
		for _, n := range states {
			if n > 0 {
				return false
			}
		}
	}
	return true
}

func (c *demoClient) poll(ctx context.Context, wait time.Duration, path string, into any, done func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		if _, err := c.call(ctx, http.MethodGet, path, nil, "", into); err != nil {
			return err
		}
		if done() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

type demoProblem struct {
	Status int
	Body   string
}

func (p *demoProblem) Error() string { return fmt.Sprintf("HTTP %d: %s", p.Status, p.Body) }

func (c *demoClient) call(ctx context.Context, method, path string, body io.Reader, ctype string, into any) (int, error) {
	return c.callH(ctx, method, path, body, ctype, nil, into)
}

func (c *demoClient) callH(ctx context.Context, method, path string, body io.Reader, ctype string, headers map[string]string, into any) (int, error) {
	u, err := url.Parse(c.base + path)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, &demoProblem{Status: resp.StatusCode, Body: strings.TrimSpace(string(raw))}
	}
	if into != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, into); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

func (c *demoClient) say(format string, args ...any) { fmt.Fprintf(c.out, format+"\n", args...) }

func pick(m map[string]any, keys ...string) string {
	var parts []string
	for _, k := range keys {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.Join(parts, " ")
}
