package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rtgs/sales-automation/internal/campaigns"
	"github.com/rtgs/sales-automation/internal/groupcommit"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/jobs"
)

// lemlistWebhookPath receives lemlist's hook deliveries. The hook id is our
// name for the registered hook (letters, digits, _ and -), part of the
// targetUrl given to lemlist.
const lemlistWebhookPath = "/api/v1/webhooks/lemlist/:hook"

// webhookBodyLimit bounds one delivery: an activity record is a few KiB.
const webhookBodyLimit = 256 << 10

// Outcomes of a delivery, the label of rtgs_webhook_deliveries_total.
const (
	webhookAccepted  = "accepted"
	webhookDuplicate = "duplicate"
	webhookIgnored   = "ignored"
	webhookRejected  = "rejected"
	webhookInvalid   = "invalid"
)

// routeLemlistWebhook mounts the lemlist webhook. It needs no API key:
// lemlist authenticates with the secret it echoes in the body (it signs
// nothing; VENDORS.md), compared in constant time with
// LEMLIST_WEBHOOK_SECRET. It is mounted before the app-wide body limit
// because it keeps its own, smaller one, and reads the streamed body itself.
func (s *Server) routeLemlistWebhook() {
	deliveries := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rtgs_webhook_deliveries_total",
		Help: "Webhook deliveries by vendor and outcome (accepted, duplicate, ignored: unknown event type, rejected: wrong secret, invalid).",
	}, []string{"vendor", "outcome"})
	s.reg.MustRegister(deliveries)
	count := func(outcome string) { deliveries.WithLabelValues("lemlist", outcome).Inc() }
	var want [sha256.Size]byte
	secret := s.cfg.LemlistWebhookSecret.Reveal()
	if secret != "" {
		want = sha256.Sum256([]byte(secret))
	}

	s.app.Post(lemlistWebhookPath, func(c *fiber.Ctx) error {
		if secret == "" || !validHookID(c.Params("hook")) {
			return fiber.ErrNotFound
		}
		body, err := readWebhookBody(c)
		if err != nil {
			return err
		}
		ev, err := campaigns.ParseLemlistEvent(body)
		if err != nil {
			count(webhookInvalid)
			var ee *campaigns.EventError
			if errors.As(err, &ee) {
				return writeProblem(c, problem(fiber.StatusBadRequest, codeInvalid, "malformed webhook body",
					&huma.ErrorDetail{Location: "body." + ee.Field, Message: ee.Reason}))
			}
			return err
		}
		// Hashing first makes the comparison constant-time in the length too.
		got := sha256.Sum256([]byte(ev.Secret))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			count(webhookRejected)
			return writeProblem(c, problem(fiber.StatusUnauthorized, codeUnauthenticated, "missing or wrong webhook secret"))
		}
		if !campaigns.KnownLemlistType(ev.Type) {
			count(webhookIgnored)
			return c.Status(fiber.StatusOK).JSON(fiber.Map{"status": webhookIgnored})
		}
		fresh, err := s.ingestEvent(c, ev)
		if err != nil {
			return err
		}
		if !fresh {
			count(webhookDuplicate)
			return c.Status(fiber.StatusOK).JSON(fiber.Map{"status": webhookDuplicate})
		}
		count(webhookAccepted)
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": webhookAccepted})
	})
}

// pendingEvent is one delivery waiting for its batch's transaction.
type pendingEvent struct {
	ev    store.NewCampaignEvent
	fresh bool // stored by this delivery, not before
	err   error
}

// newEventIngest returns the group committer of webhook deliveries:
// concurrent deliveries are stored, with their processing jobs, in one
// transaction per batch (batch 0: each alone).
func (s *Server) newEventIngest() *groupcommit.Group[*pendingEvent] {
	return groupcommit.New(s.cfg.GroupCommitRunners, max(s.cfg.GroupCommitBatch, 1), s.storeEvents)
}

// storeEvents stores a batch of deliveries in one transaction. When that
// fails, each delivery is stored alone, so a delivery the database refuses
// fails by itself and its batch-mates are still stored and answered 202.
func (s *Server) storeEvents(batch []*pendingEvent) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	evs := make([]store.NewCampaignEvent, len(batch))
	for i, p := range batch {
		evs[i] = p.ev
	}
	var fresh map[string]bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) (err error) {
		fresh, err = jobs.IngestCampaignEvents(ctx, tx, s.river, evs)
		return err
	})
	if err != nil && len(batch) > 1 {
		for _, p := range batch {
			s.storeEvents([]*pendingEvent{p})
		}
		return
	}
	for _, p := range batch {
		// The first delivery of an event in the batch stored it; a
		// replay in the same batch is a duplicate like any other.
		p.fresh, p.err = fresh[p.ev.VendorEventID], err
		delete(fresh, p.ev.VendorEventID)
	}
}

// ingestEvent stores ev and queues its processing in one transaction,
// shared with the deliveries arriving at the same time; it reports
// whether ev was new.
func (s *Server) ingestEvent(c *fiber.Ctx, ev campaigns.LemlistEvent) (bool, error) {
	ctx := c.UserContext()
	p := &pendingEvent{ev: store.NewCampaignEvent{
		Vendor: "lemlist", VendorEventID: ev.ID, CampaignID: ev.CampaignID, LeadID: ev.LeadID,
		Type: ev.Type, Step: ev.Step, Payload: ev.Payload, OccurredAt: ev.CreatedAt,
	}}
	if err := s.events.Do(ctx, p); err != nil {
		return false, err
	}
	if p.err != nil {
		return false, p.err
	}
	if p.fresh {
		obs.Logger(ctx, s.logger).DebugContext(ctx, "webhook event stored", slog.String("type", ev.Type))
	}
	return p.fresh, nil
}

// readWebhookBody reads at most webhookBodyLimit of the body, which the
// app streams; a larger one is a 413 on a closing connection, refused by
// its Content-Length before any of it is read when it has one.
func readWebhookBody(c *fiber.Ctx) ([]byte, error) {
	req := c.Request()
	if !req.IsBodyStream() {
		if len(req.Body()) > webhookBodyLimit {
			return nil, fiber.ErrRequestEntityTooLarge
		}
		return append([]byte(nil), req.Body()...), nil // Fiber reuses its buffer
	}
	if req.Header.ContentLength() > webhookBodyLimit {
		return nil, tooLarge(c, req.BodyStream())
	}
	body, err := io.ReadAll(io.LimitReader(req.BodyStream(), webhookBodyLimit+1))
	if err != nil {
		c.Context().SetConnectionClose()
		return nil, fiber.NewError(fiber.StatusBadRequest, "cannot read the request body")
	}
	if len(body) > webhookBodyLimit {
		return nil, tooLarge(c, req.BodyStream())
	}
	return body, nil
}

// validHookID reports whether id is 1 to 64 letters, digits, _ or -.
func validHookID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
