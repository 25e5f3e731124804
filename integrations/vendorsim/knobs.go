package vendorsim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Knobs shape one vendor's behaviour beyond its contract: latency, injected
// errors, outages and its rate limits. The zero value is a healthy vendor
// with its documented limits.
type Knobs struct {
	// LatencyMin and LatencyMax bound a uniform delay added before each
	// answer; LatencyMax below LatencyMin means exactly LatencyMin.
	LatencyMin, LatencyMax time.Duration
	// TailRate of the calls take TailLatency instead: a long tail (for
	// example 0.01 and 2s for a p99 of two seconds).
	TailRate    float64
	TailLatency time.Duration
	// ErrorRate of the calls get the vendor's server error with ErrorStatus
	// (500 when zero).
	ErrorRate   float64
	ErrorStatus int
	// Outage answers every call with the vendor's 503.
	Outage bool
	// Limits override the vendor's default limits per bucket; a bucket
	// present with no limits is unlimited.
	Limits map[string][]Limit
}

// String names the window the way the admin API spells it.
func (w Window) String() string {
	if w == Fixed {
		return "fixed"
	}
	return "sliding"
}

// knobsJSON is the admin API's spelling of Knobs: milliseconds and
// snake_case, so curl users need no Go duration syntax.
type knobsJSON struct {
	LatencyMinMS  float64                `json:"latency_min_ms"`
	LatencyMaxMS  float64                `json:"latency_max_ms"`
	TailRate      float64                `json:"tail_rate,omitempty"`
	TailLatencyMS float64                `json:"tail_latency_ms,omitempty"`
	ErrorRate     float64                `json:"error_rate"`
	ErrorStatus   int                    `json:"error_status,omitempty"`
	Outage        bool                   `json:"outage"`
	Limits        map[string][]limitJSON `json:"limits,omitempty"`
}

type limitJSON struct {
	Rate   int    `json:"rate"`
	PerMS  int64  `json:"per_ms"`
	Window string `json:"window"`
}

func ms(f float64) time.Duration   { return time.Duration(f * float64(time.Millisecond)) }
func toMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// MarshalJSON writes the admin API form.
func (k Knobs) MarshalJSON() ([]byte, error) {
	j := knobsJSON{
		LatencyMinMS: toMS(k.LatencyMin), LatencyMaxMS: toMS(k.LatencyMax),
		TailRate: k.TailRate, TailLatencyMS: toMS(k.TailLatency),
		ErrorRate: k.ErrorRate, ErrorStatus: k.ErrorStatus, Outage: k.Outage,
	}
	if k.Limits != nil {
		j.Limits = make(map[string][]limitJSON, len(k.Limits))
		for b, ls := range k.Limits {
			out := make([]limitJSON, len(ls))
			for i, l := range ls {
				out[i] = limitJSON{Rate: l.Rate, PerMS: l.Per.Milliseconds(), Window: l.Window.String()}
			}
			j.Limits[b] = out
		}
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the admin API form; Validate checks the values.
func (k *Knobs) UnmarshalJSON(b []byte) error {
	var j knobsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	got, err := j.knobs()
	if err != nil {
		return err
	}
	*k = got
	return nil
}

func (j knobsJSON) knobs() (Knobs, error) {
	k := Knobs{
		LatencyMin: ms(j.LatencyMinMS), LatencyMax: ms(j.LatencyMaxMS),
		TailRate: j.TailRate, TailLatency: ms(j.TailLatencyMS),
		ErrorRate: j.ErrorRate, ErrorStatus: j.ErrorStatus, Outage: j.Outage,
	}
	if j.Limits != nil {
		k.Limits = make(map[string][]Limit, len(j.Limits))
		for b, ls := range j.Limits {
			out := make([]Limit, len(ls))
			for i, l := range ls {
				out[i] = Limit{Rate: l.Rate, Per: time.Duration(l.PerMS) * time.Millisecond}
				switch l.Window {
				case "", "sliding":
				case "fixed":
					out[i].Window = Fixed
				default:
					return Knobs{}, fmt.Errorf("limits.%s[%d].window: %q is neither sliding nor fixed", b, i, l.Window)
				}
			}
			k.Limits[b] = out
		}
	}
	return k, nil
}

// Validate reports the first bad field by its admin API name.
func (k Knobs) Validate() error {
	switch {
	case k.LatencyMin < 0:
		return fmt.Errorf("latency_min_ms: must not be negative")
	case k.LatencyMax < 0:
		return fmt.Errorf("latency_max_ms: must not be negative")
	case k.TailLatency < 0:
		return fmt.Errorf("tail_latency_ms: must not be negative")
	case k.TailRate < 0 || k.TailRate > 1:
		return fmt.Errorf("tail_rate: must be between 0 and 1")
	case k.ErrorRate < 0 || k.ErrorRate > 1:
		return fmt.Errorf("error_rate: must be between 0 and 1")
	case k.ErrorStatus != 0 && (k.ErrorStatus < 500 || k.ErrorStatus > 599):
		return fmt.Errorf("error_status: must be a 5xx status")
	}
	buckets := make([]string, 0, len(k.Limits))
	for b := range k.Limits {
		buckets = append(buckets, b)
	}
	slices.Sort(buckets)
	for _, b := range buckets {
		for i, l := range k.Limits[b] {
			if l.Rate <= 0 {
				return fmt.Errorf("limits.%s[%d].rate: must be positive", b, i)
			}
			if l.Per < time.Millisecond {
				return fmt.Errorf("limits.%s[%d].per_ms: must be at least 1", b, i)
			}
		}
	}
	return nil
}

// latency draws the delay of one call; the caller holds the Sim's lock
// because rng is shared, which keeps a run deterministic for a given seed and
// call order.
func (k Knobs) latency(rng *rand.Rand) time.Duration {
	if k.TailRate > 0 && rng.Float64() < k.TailRate {
		return k.TailLatency
	}
	if k.LatencyMax <= k.LatencyMin {
		return k.LatencyMin
	}
	return k.LatencyMin + time.Duration(rng.Int64N(int64(k.LatencyMax-k.LatencyMin)+1))
}

// injectError draws whether this call fails and with which status.
func (k Knobs) injectError(rng *rand.Rand) int {
	if k.ErrorRate <= 0 || rng.Float64() >= k.ErrorRate {
		return 0
	}
	if k.ErrorStatus != 0 {
		return k.ErrorStatus
	}
	return 500
}
