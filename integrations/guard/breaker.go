package guard

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"
)

// errExcluded marks an outcome that says nothing about the vendor's health
// (the caller cancelled): the breaker counts it neither way.
var errExcluded = errors.New("outcome excluded from the breaker")

// breaker is the vendor's circuit breaker. With Redis it is gobreaker's
// DistributedCircuitBreaker, so every process trips together; without, or
// while Redis is away, a TwoStepCircuitBreaker of this process.
//
// The distributed breaker is used for its state machine only, never around
// the call: its Execute holds a Redis mutex for the whole request, which would
// serialise all calls of all processes, sleeps half a second whenever the
// mutex is taken, and reads the shared state before taking the mutex, so a
// writer that waited overwrites newer state with stale. Instead admission
// reads the shared state (one GET, no lock) and refuses while it is open;
// half-open lets one probe through, chosen by SET NX. Outcomes that change
// something (a failure, a success after failures, a probe's result) are fed
// to Execute afterwards under a report lock of ours that every writer takes
// first, so Execute's read is fresh and its own mutex never contended.
type breaker struct {
	vendor string
	cfg    BreakerSettings
	m      *metrics
	log    *slog.Logger

	local      *gobreaker.TwoStepCircuitBreaker[struct{}]
	localOpen  atomic.Int64 // unix ns when the local breaker last opened
	store      *redisStore  // nil without Redis
	stateKey   string       // where gobreaker keeps the shared state
	probeKey   string
	reportLock string
	reportMu   sync.Mutex // one report at a time per process
	dcb        *gobreaker.DistributedCircuitBreaker[struct{}]
	openUntil  atomic.Int64 // unix ns: the shared breaker is known open until then
}

// permit is an admitted call's ticket for reporting its outcome.
type permit struct {
	done       func(error) // local breaker
	shared     bool
	clean      bool // shared state was closed with no failures counted
	generation uint64
	genKnown   bool
	probe      string // token when this call is the half-open probe
}

func newBreaker(cfg Config, m *metrics, log *slog.Logger) *breaker {
	br := &breaker{vendor: cfg.Vendor, cfg: cfg.Breaker, m: m, log: log}
	br.local = gobreaker.NewTwoStepCircuitBreaker[struct{}](br.settings(true))
	if cfg.Redis != nil {
		br.store = newRedisStore(cfg.Redis, cfg.KeyPrefix, cfg.RedisTimeout)
		br.stateKey = cfg.KeyPrefix + "gobreaker:state:" + cfg.Vendor
		br.probeKey = cfg.KeyPrefix + "guard:{" + cfg.Vendor + "}:breaker:probe"
		br.reportLock = "guard:{" + cfg.Vendor + "}:breaker:report"
	}
	m.breakerState.WithLabelValues(cfg.Vendor).Set(0)
	return br
}

func (br *breaker) settings(local bool) gobreaker.Settings {
	threshold := uint32(br.cfg.FailureThreshold)
	return gobreaker.Settings{
		Name:        br.vendor,
		MaxRequests: 1,
		Interval:    br.cfg.Window,
		Timeout:     br.cfg.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= threshold },
		IsSuccessful: func(err error) bool {
			var te *TransientError
			return !errors.As(err, &te)
		},
		IsExcluded: func(err error) bool { return errors.Is(err, errExcluded) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			if local && to == gobreaker.StateOpen {
				br.localOpen.Store(time.Now().UnixNano())
			}
			br.m.breakerState.WithLabelValues(br.vendor).Set(float64(to))
			br.log.Warn("circuit breaker "+to.String(), slog.String("vendor", br.vendor),
				slog.String("from", from.String()), slog.Bool("shared", !local))
		},
	}
}

func (br *breaker) reject(d time.Duration) error {
	br.m.breakerRejected.WithLabelValues(br.vendor).Inc()
	return &BreakerOpenError{Vendor: br.vendor, RetryAfter: max(d, time.Millisecond)}
}

// precheck refuses at no cost while the breaker is known to be open, before
// the call spends a rate-limit slot or waits for one.
func (br *breaker) precheck(shared bool) error {
	if shared {
		if d := time.Until(time.Unix(0, br.openUntil.Load())); d > 0 {
			return br.reject(d)
		}
		return nil
	}
	if br.local.State() == gobreaker.StateOpen {
		return br.reject(br.localRetry())
	}
	return nil
}

func (br *breaker) localRetry() time.Duration {
	return time.Until(time.Unix(0, br.localOpen.Load()).Add(br.cfg.OpenFor))
}

// allow admits a call or returns a *BreakerOpenError.
func (br *breaker) allow(ctx context.Context, g *Guard) (permit, error) {
	if br.store != nil && !g.health.down.Load() {
		if p, err, ok := br.allowShared(ctx, g); ok {
			return p, err
		}
	}
	done, err := br.local.Allow()
	switch {
	case errors.Is(err, gobreaker.ErrOpenState):
		return permit{}, br.reject(br.localRetry())
	case err != nil: // half-open and the probe is out
		return permit{}, br.reject(min(time.Second, br.cfg.OpenFor))
	}
	br.m.breakerState.WithLabelValues(br.vendor).Set(float64(br.local.State()))
	return permit{done: done}, nil
}

// allowShared decides from the shared state; ok is false when Redis did not
// answer and the local breaker must decide.
func (br *breaker) allowShared(ctx context.Context, g *Guard) (p permit, err error, ok bool) {
	st, found, err := br.sharedState(ctx, g)
	if err != nil {
		if ctx.Err() != nil {
			return permit{}, ctx.Err(), true
		}
		g.redisFailed(err)
		return permit{}, nil, false
	}
	if !found {
		return permit{shared: true, clean: true}, nil, true
	}
	now := time.Now()
	state := st.State
	if state == gobreaker.StateOpen && !now.Before(st.Expiry) {
		state = gobreaker.StateHalfOpen
	}
	br.m.breakerState.WithLabelValues(br.vendor).Set(float64(state))
	switch state {
	case gobreaker.StateOpen:
		br.openUntil.Store(st.Expiry.UnixNano())
		return permit{}, br.reject(st.Expiry.Sub(now)), true
	case gobreaker.StateHalfOpen:
		token := newToken()
		rctx, cancel := g.redisCtx(ctx)
		won, err := g.rdb.SetNX(rctx, br.probeKey, token, max(br.cfg.OpenFor, time.Second)).Result()
		cancel()
		if err != nil {
			g.redisFailed(err)
			return permit{}, nil, false
		}
		if !won {
			return permit{}, br.reject(min(time.Second, br.cfg.OpenFor)), true
		}
		return permit{shared: true, generation: st.Generation, genKnown: true, probe: token}, nil, true
	}
	return permit{shared: true, clean: st.Counts.ConsecutiveFailures == 0, generation: st.Generation, genKnown: true}, nil, true
}

func (br *breaker) sharedState(ctx context.Context, g *Guard) (gobreaker.SharedState, bool, error) {
	var st gobreaker.SharedState
	rctx, cancel := g.redisCtx(ctx)
	defer cancel()
	data, err := g.rdb.Get(rctx, br.stateKey).Bytes()
	if errors.Is(err, redis.Nil) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		// Not Redis's fault: drop it, and the next report starts afresh.
		br.log.Error("circuit breaker: shared state unreadable, reset", slog.String("vendor", br.vendor), slog.Any("error", err))
		g.rdb.Del(rctx, br.stateKey)
		return st, false, nil
	}
	return st, true, nil
}

// report feeds an admitted call's outcome to the breaker that admitted it.
func (br *breaker) report(ctx context.Context, g *Guard, p permit, outcome error) {
	if p.done != nil {
		p.done(outcome)
		return
	}
	if !p.shared {
		return
	}
	excluded := errors.Is(outcome, errExcluded)
	var te *TransientError
	failed := errors.As(outcome, &te)
	if p.probe != "" {
		defer br.releaseProbe(ctx, g, p.probe)
	}
	// A success on a clean closed breaker changes nothing worth a lock.
	if excluded || (p.probe == "" && p.clean && !failed) {
		return
	}
	br.reportShared(ctx, g, p, outcome)
}

func (br *breaker) reportShared(ctx context.Context, g *Guard, p permit, outcome error) {
	br.reportMu.Lock()
	defer br.reportMu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := br.store.lockWait(ctx, br.reportLock); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			g.redisFailed(err)
		}
		br.log.Warn("circuit breaker: outcome not shared", slog.String("vendor", br.vendor), slog.Any("error", err))
		return
	}
	defer func() { _ = br.store.Unlock(br.reportLock) }()
	st, found, err := br.sharedState(ctx, g)
	if err != nil {
		return
	}
	// gobreaker writes the initial state only when the breaker is made; a
	// Redis restarted without persistence has lost it, and Execute would
	// fail until it is written again.
	if br.dcb == nil || !found {
		dcb, err := gobreaker.NewDistributedCircuitBreaker[struct{}](br.store, br.settings(false))
		if err != nil {
			g.redisFailed(err)
			return
		}
		br.dcb = dcb
	}
	// An outcome of an older generation is stale: the breaker opened, or
	// closed again, since the call was admitted.
	if found && p.genKnown && st.Generation != p.generation {
		return
	}
	_, err = br.dcb.Execute(func() (struct{}, error) { return struct{}{}, outcome })
	if err != nil && err != outcome && !errors.Is(err, gobreaker.ErrOpenState) && !errors.Is(err, gobreaker.ErrTooManyRequests) {
		br.log.Warn("circuit breaker: shared state not updated", slog.String("vendor", br.vendor), slog.Any("error", err))
	}
	if st, found, err := br.sharedState(ctx, g); err == nil && found && st.State == gobreaker.StateOpen {
		br.openUntil.Store(st.Expiry.UnixNano())
	}
}

func (br *breaker) releaseProbe(ctx context.Context, g *Guard, token string) {
	rctx, cancel := g.redisCtx(context.WithoutCancel(ctx))
	defer cancel()
	_ = unlockScript.Run(rctx, g.rdb, []string{br.probeKey}, token).Err()
}
