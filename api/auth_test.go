package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/auth"
)

func keyID(t *testing.T, b *testBundle, token string) uuid.UUID {
	t.Helper()
	prefix := strings.Split(token, "_")[1]
	var id uuid.UUID
	if err := b.pool.QueryRow(context.Background(), `SELECT id FROM api_keys WHERE prefix = $1`, prefix).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestPublicRoutesNeedNoCredentials(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs/", "/login"} {
		if got := b.do(t, request{method: "GET", path: path}); got.status != http.StatusOK {
			t.Errorf("GET %s = %d, want 200: %s", path, got.status, got.body)
		}
	}
}

func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t)

	created := b.do(t, request{method: "POST", path: "/api/v1/api-keys", headers: bearer(b.admin),
		body: `{"name":"analyst","scopes":["contacts:read","contacts:write"]}`})
	if created.status != http.StatusCreated {
		t.Fatalf("create = %d: %s", created.status, created.body)
	}
	key := decode[struct {
		ID     uuid.UUID `json:"id"`
		Key    string    `json:"key"`
		Prefix string    `json:"prefix"`
	}](t, created)
	if !strings.HasPrefix(key.Key, "rtgs_"+key.Prefix+"_") {
		t.Fatalf("key %q does not carry its prefix %q", key.Key, key.Prefix)
	}
	if got := created.header.Get("Location"); got != "/api/v1/api-keys/"+key.ID.String() {
		t.Errorf("Location = %q", got)
	}

	me := b.do(t, request{method: "GET", path: "/api/v1/auth/me", headers: bearer(key.Key)})
	if me.status != http.StatusOK || !strings.Contains(string(me.body), `"contacts:write"`) {
		t.Fatalf("me = %d %s", me.status, me.body)
	}
	// The secret is never shown again.
	got := b.do(t, request{method: "GET", path: "/api/v1/api-keys/" + key.ID.String(), headers: bearer(b.admin)})
	if got.status != http.StatusOK || strings.Contains(string(got.body), key.Key) || strings.Contains(string(got.body), "argon2") {
		t.Fatalf("get = %d %s", got.status, got.body)
	}

	if r := b.do(t, request{method: "DELETE", path: "/api/v1/api-keys/" + key.ID.String(), headers: bearer(b.admin)}); r.status != http.StatusOK {
		t.Fatalf("revoke = %d %s", r.status, r.body)
	}
	// Revocation in this process takes effect at once.
	if r := b.do(t, request{method: "GET", path: "/api/v1/auth/me", headers: bearer(key.Key)}); r.status != http.StatusUnauthorized {
		t.Fatalf("revoked key: status %d", r.status)
	}
}

func TestAPIKeyListPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := range 5 {
		b.createKey(t, "k"+string(rune('a'+i)), auth.ContactsRead)
	}
	seen := map[string]bool{}
	path := "/api/v1/api-keys?limit=3"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		r := b.do(t, request{method: "GET", path: path, headers: bearer(b.admin)})
		page := decode[struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}](t, r)
		for _, it := range page.Items {
			if seen[it.ID] {
				t.Fatalf("key %s listed twice", it.ID)
			}
			seen[it.ID] = true
		}
		if page.NextCursor == "" {
			break
		}
		path = "/api/v1/api-keys?limit=3&cursor=" + page.NextCursor
	}
	if len(seen) != 7 { // admin, reader and five more
		t.Fatalf("listed %d keys, want 7", len(seen))
	}
}

// A browser session: the JWT rides in an HttpOnly cookie and unsafe methods
// need the double-submit CSRF token.
func TestCookieSessionNeedsCSRF(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := b.do(t, request{method: "POST", path: "/api/v1/auth/token", headers: bearer(b.admin), body: `{"cookie":true}`})
	if tok.status != http.StatusCreated {
		t.Fatalf("token = %d %s", tok.status, tok.body)
	}
	var session, csrf string
	for _, c := range (&http.Response{Header: tok.header}).Cookies() {
		switch c.Name {
		case "rtgs_session":
			session = c.Value
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie HttpOnly=%v SameSite=%v", c.HttpOnly, c.SameSite)
			}
		case "rtgs_csrf":
			csrf = c.Value
		}
	}
	if session == "" || csrf == "" {
		t.Fatalf("cookies missing: %v", tok.header.Values("Set-Cookie"))
	}
	cookies := "rtgs_session=" + session + "; rtgs_csrf=" + csrf
	body := `{"name":"from-browser","scopes":["contacts:read"]}`

	if r := b.do(t, request{method: "GET", path: "/api/v1/auth/me", headers: map[string]string{"Cookie": cookies}}); r.status != http.StatusOK {
		t.Fatalf("safe method with cookie = %d %s", r.status, r.body)
	}
	noToken := b.do(t, request{method: "POST", path: "/api/v1/api-keys", body: body, headers: map[string]string{"Cookie": cookies}})
	if noToken.status != http.StatusForbidden || noToken.problem.Type != "urn:rtgs:problem:csrf" {
		t.Fatalf("unsafe method without CSRF = %d %s", noToken.status, noToken.body)
	}
	// A token the attacker planted in both places does not match the session.
	planted := b.do(t, request{method: "POST", path: "/api/v1/api-keys", body: body, headers: map[string]string{
		"Cookie": "rtgs_session=" + session + "; rtgs_csrf=planted", "X-CSRF-Token": "planted"}})
	if planted.status != http.StatusForbidden {
		t.Fatalf("planted CSRF token = %d", planted.status)
	}
	ok := b.do(t, request{method: "POST", path: "/api/v1/api-keys", body: body, headers: map[string]string{"Cookie": cookies, "X-CSRF-Token": csrf}})
	if ok.status != http.StatusCreated {
		t.Fatalf("with CSRF = %d %s", ok.status, ok.body)
	}
	if n := countRows(t, b, "api_keys"); n != 3 {
		t.Fatalf("api_keys = %d, want 3: refused requests must write nothing", n)
	}

	// Logout revokes the JWT by its id.
	if r := b.do(t, request{method: "POST", path: "/api/v1/auth/logout", headers: map[string]string{"Cookie": cookies, "X-CSRF-Token": csrf}}); r.status != http.StatusNoContent {
		t.Fatalf("logout = %d %s", r.status, r.body)
	}
	if r := b.do(t, request{method: "GET", path: "/api/v1/auth/me", headers: map[string]string{"Cookie": cookies}}); r.status != http.StatusUnauthorized {
		t.Fatalf("after logout = %d", r.status)
	}
}

func TestBearerJWT(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tok := decode[struct {
		Token string `json:"token"`
	}](t, b.do(t, request{method: "POST", path: "/api/v1/auth/token", headers: bearer(b.reader), body: `{}`}))
	if r := b.do(t, request{method: "GET", path: "/api/v1/auth/me", headers: bearer(tok.Token)}); r.status != http.StatusOK || !strings.Contains(string(r.body), `"jwt"`) {
		t.Fatalf("jwt me = %d %s", r.status, r.body)
	}
	// The token carries the key's scopes, no more.
	if r := b.do(t, request{method: "GET", path: "/api/v1/api-keys", headers: bearer(tok.Token)}); r.status != http.StatusForbidden {
		t.Fatalf("jwt of a reader listing keys = %d", r.status)
	}
	// A JWT cannot mint another JWT.
	if r := b.do(t, request{method: "POST", path: "/api/v1/auth/token", headers: bearer(tok.Token), body: `{}`}); r.status != http.StatusForbidden {
		t.Fatalf("jwt minting a jwt = %d", r.status)
	}
	// Tampering with the payload breaks the signature.
	parts := strings.Split(tok.Token, ".")
	forged := parts[0] + "." + strings.TrimRight(parts[1], "=") + "A." + parts[2]
	if r := b.do(t, request{method: "GET", path: "/api/v1/auth/me", headers: bearer(forged)}); r.status != http.StatusUnauthorized {
		t.Fatalf("forged jwt = %d", r.status)
	}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{rateLimit: 3})
	for i := range 3 {
		if r := b.do(t, request{method: "GET", path: "/api/v1/auth/me", headers: bearer(b.reader)}); r.status != http.StatusOK {
			t.Fatalf("request %d = %d", i, r.status)
		}
	}
	r := b.do(t, request{method: "GET", path: "/api/v1/auth/me", headers: bearer(b.reader)})
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || r.problem.Type != "urn:rtgs:problem:rate_limited" {
		t.Fatalf("over limit = %d Retry-After=%q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	// Another key has its own budget.
	if r := b.do(t, request{method: "GET", path: "/api/v1/auth/me", headers: bearer(b.admin)}); r.status != http.StatusOK {
		t.Fatalf("other key = %d", r.status)
	}
}

func TestRiverUIIsReadOnlyWithoutAdmin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if r := b.do(t, request{method: "GET", path: "/riverui/"}); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login?next=") {
		t.Fatalf("anonymous browser = %d Location=%q", r.status, r.header.Get("Location"))
	}
	if r := b.do(t, request{method: "GET", path: "/riverui/api/jobs?state=available"}); r.status != http.StatusUnauthorized {
		t.Fatalf("anonymous api call = %d", r.status)
	}
	if r := b.do(t, request{method: "GET", path: "/riverui/api/jobs?state=available", headers: bearer(b.reader)}); r.status != http.StatusOK {
		t.Fatalf("reader listing = %d %s", r.status, r.body)
	}
	cancel := request{method: "POST", path: "/riverui/api/jobs/cancel", body: `{"job_ids":["1"]}`}
	cancel.headers = bearer(b.reader)
	if r := b.do(t, cancel); r.status != http.StatusForbidden {
		t.Fatalf("reader cancel = %d %s", r.status, r.body)
	}
	cancel.headers = bearer(b.admin)
	if r := b.do(t, cancel); r.status == http.StatusForbidden || r.status == http.StatusUnauthorized {
		t.Fatalf("admin cancel refused: %d %s", r.status, r.body)
	}
}
