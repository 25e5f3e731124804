package vendorsim

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LemlistCampaignShape selects how the fake lemlist answers
// GET /campaigns?version=v2. lemlist's OpenAPI schema is a bare array while
// its docs page says v2 adds pagination; clients must read both.
type LemlistCampaignShape int

// The two shapes of the v2 campaign list.
const (
	// LemlistCampaignsPaginated is {"campaigns":[…],"pagination":{…}}, the
	// docs page's form (default).
	LemlistCampaignsPaginated LemlistCampaignShape = iota
	// LemlistCampaignsArray is a bare array, the OpenAPI schema's form.
	LemlistCampaignsArray
)

// Messages lemlist writes as text/plain bodies.
const (
	lemMsgNoKey         = "No API key provided"
	lemMsgBadKey        = "The authentication you supplied is incorrect"
	lemMsgNoCampaign    = "Campaign not found"
	lemMsgNoLead        = "Lead not found"
	lemMsgNoHook        = "Hook not found"
	lemMsgTooMany       = "Too many requests, please try again later."
	lemMsgLeadInCamp    = "Lead already in the campaign"
	lemMsgLeadElsewhere = "Lead already exists in another campaign"
)

// Lemlist fakes lemlist's API (VENDORS.md section 2): campaigns, adding,
// unsubscribing and removing leads, global unsubscribes (legacy and v2),
// activities and hooks, behind HTTP Basic auth with an empty user name and
// the key as password, 20 calls per rolling 2 seconds per key.
//
// Choices where lemlist's documentation is silent or sources disagree:
//   - Re-adding an email already in the same campaign answers 400
//     "Lead already in the campaign" (text/plain) and changes nothing: the
//     stricter of the plausible answers, so the platform must treat it as
//     done rather than rely on an idempotent 200. It is also counted as a
//     duplicate write ("lead"). With deduplicate=true an email present in
//     another campaign answers 400 "Lead already exists in another
//     campaign".
//   - A missing Authorization answers 400 "No API key provided" as the spec
//     says (SetMissingKeyStatus(401) gives what practice reports); a wrong
//     key answers 401. The user name of Basic auth is ignored.
//   - The 429 body is express-rate-limit's default text, whose legacy
//     headers are what lemlist documents (X-RateLimit-Reset as a JavaScript
//     Date string). Retry-After and the X-RateLimit-* headers are on every
//     metered answer, as lemlist's docs say (outside a 429 Retry-After is
//     the window length, as in the docs' example; 401s and injected 5xx
//     are refused before metering and carry none); the reset date is
//     written in GMT+0100 like the docs' example, so clients parse the
//     offset.
//   - GET /activities requires version=v2 (400 without it), and both list
//     endpoints refuse a limit above 100 with a 400 instead of clamping.
//   - A lead needs an email or a linkedinUrl (400 otherwise). Custom
//     variables may be strings, numbers or booleans (stored as strings);
//     objects and arrays are refused.
//   - DELETE /campaigns/{id}/leads/{x} without action=remove unsubscribes
//     and needs the email (a lead id answers 404 "Lead not found"); with
//     action=remove it takes the lead id or the email.
//   - Adding a lead records deterministic activities derived from the
//     email's hash (see lemActivitiesFor), none of them emails when the
//     address or its domain is globally unsubscribed. Hooks are not called
//     by the handlers: tests record events with RecordActivity and deliver
//     them with FireHook.
//   - Campaigns list in creation order (sortOrder=desc reverses it);
//     activities list newest first.
//   - The v2 unsubscribe answers {_id, value, type, createdAt}: its exact
//     shape is not in the sources we have.
type Lemlist struct {
	apiKey string
	router *Router // set by Routes, for duplicate-write counting
	hooks  *http.Client

	mu                sync.Mutex
	shape             LemlistCampaignShape
	missingKey        int
	campaigns         []*LemlistCampaign
	leads             map[string][]*LemlistLead // campaign id -> leads in insertion order
	activities        []*LemlistActivity        // insertion order, oldest first
	hookList          []*lemHook
	unsubscribes      map[string]*lemUnsubscribe  // lower-cased email or domain
	steps             map[string][]*LemlistStep   // sequence id -> steps by index
	seq               int                         // makes ids of repeatable events unique
	schedules         map[string]*LemlistSchedule // schedule id -> schedule
	campaignSchedules map[string][]string         // campaign id -> attached schedule ids, default first
}

// NewLemlist is a lemlist fake accepting apiKey, seeded with a few
// campaigns.
func NewLemlist(apiKey string) *Lemlist {
	l := &Lemlist{apiKey: apiKey, hooks: &http.Client{Timeout: 10 * time.Second}, missingKey: http.StatusBadRequest}
	l.Reset()
	return l
}

// Name is "lemlist".
func (l *Lemlist) Name() string { return "lemlist" }

// SetCampaignShape chooses the form of the v2 campaign list.
func (l *Lemlist) SetCampaignShape(s LemlistCampaignShape) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.shape = s
}

// SetMissingKeyStatus sets the status of a request without credentials:
// 400 (the spec, default) or 401 (practice reports). Other values are
// ignored.
func (l *Lemlist) SetMissingKeyStatus(status int) {
	if status != http.StatusBadRequest && status != http.StatusUnauthorized {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.missingKey = status
}

// lemKey returns the password of Basic auth, and whether any credentials
// were sent.
func lemKey(r *http.Request) (key string, sent bool) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", false
	}
	enc, ok := strings.CutPrefix(auth, "Basic ")
	if !ok {
		return "", true
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", true
	}
	_, pass, _ := strings.Cut(string(raw), ":")
	return pass, true
}

// Authenticate wants HTTP Basic with the API key as password.
func (l *Lemlist) Authenticate(r *http.Request) bool {
	key, _ := lemKey(r)
	return key != "" && key == l.apiKey
}

// Unauthorized writes lemlist's text/plain refusal: 400 "No API key
// provided" without credentials (or 401, see SetMissingKeyStatus), 401 for
// wrong ones.
func (l *Lemlist) Unauthorized(w http.ResponseWriter, r *http.Request) {
	if key, sent := lemKey(r); !sent || key == "" {
		l.mu.Lock()
		status := l.missingKey
		l.mu.Unlock()
		lemText(w, status, lemMsgNoKey)
		return
	}
	lemText(w, http.StatusUnauthorized, lemMsgBadKey)
}

// Limits is 20 calls per rolling 2 seconds per key, on every route.
func (l *Lemlist) Limits() map[string][]Limit {
	return map[string][]Limit{"default": {{Rate: 20, Per: 2 * time.Second, Window: Sliding}}}
}

// RateHeaders sets Retry-After (seconds), X-RateLimit-Limit,
// X-RateLimit-Remaining and X-RateLimit-Reset (a JavaScript Date string) on
// every answer.
func (l *Lemlist) RateHeaders(w http.ResponseWriter, bucket string, st LimitState) {
	h := w.Header()
	// The docs' example pairs "Retry-After: 2" with 7 calls remaining: the
	// window length, not a wait, outside a 429.
	h.Set("Retry-After", strconv.Itoa(max(int(math.Ceil(st.Limit.Per.Seconds())), 1)))
	h.Set("X-RateLimit-Limit", strconv.Itoa(st.Limit.Rate))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(st.Remaining, 0)))
	h.Set("X-RateLimit-Reset", LemlistDate(st.Reset))
}

// TooManyRequests writes the 429 with the rate headers, Retry-After rounded
// up to whole seconds (at least one).
func (l *Lemlist) TooManyRequests(w http.ResponseWriter, bucket string, st LimitState, retryAfter time.Duration) {
	l.RateHeaders(w, bucket, st)
	w.Header().Set("Retry-After", strconv.Itoa(max(int(math.Ceil(retryAfter.Seconds())), 1)))
	lemText(w, http.StatusTooManyRequests, lemMsgTooMany)
}

// ServerError writes a text/plain 5xx, as lemlist's Express server does.
func (l *Lemlist) ServerError(w http.ResponseWriter, status int) {
	lemText(w, status, http.StatusText(status))
}

// lemCET is the zone of the docs' example reset date.
var lemCET = time.FixedZone("CET", 3600)

// LemlistDate formats t the way JavaScript's Date.prototype.toString does
// in a Central European server, as lemlist's X-RateLimit-Reset:
// "Tue Feb 16 2021 09:02:42 GMT+0100 (Central European Standard Time)".
func LemlistDate(t time.Time) string {
	return t.In(lemCET).Format("Mon Jan 02 2006 15:04:05 GMT-0700") + " (Central European Standard Time)"
}

// lemText writes lemlist's usual text/plain answer.
func lemText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg))
}

// lemJSON writes a 200 JSON answer.
func lemJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v)
}

// lemAlphabet is the alphabet of lemlist's 17-character id suffixes.
const lemAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// lemID derives a lemlist-style id ("lea_fiDpiGV585wy3Oii2") from parts, so
// the same input always gets the same id.
func lemID(prefix string, parts ...string) string {
	rng := Seeded(append([]string{prefix}, parts...)...)
	b := make([]byte, 17)
	for i := range b {
		b[i] = lemAlphabet[rng.IntN(len(lemAlphabet))]
	}
	return prefix + string(b)
}

// write counts a state-changing write; it reports a repeat.
func (l *Lemlist) write(kind, key string) bool {
	if l.router == nil {
		return false
	}
	return l.router.Write(kind, key)
}

var _ Vendor = (*Lemlist)(nil)
var _ Resetter = (*Lemlist)(nil)
