package lemlist

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// raw sends a request to the simulator as lemlist's client would, without
// this package's checks, and returns the status and body.
func (b *testBundle) raw(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+"/lemlist"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("", testKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func ptr[T any](v T) *T { return &v }

// A created campaign has its default schedule, in its timezone; an update
// changes only what it sends; a created schedule attaches once.
func TestSchedules(t *testing.T) {
	t.Parallel()
	b := setup(t, unlimited)
	ctx := context.Background()
	camp, err := b.client.CreateCampaign(ctx, CreateCampaignRequest{Name: "schedule test", Timezone: "America/New_York"})
	if err != nil {
		t.Fatal(err)
	}
	skds, err := b.client.CampaignSchedules(ctx, camp.ID)
	if err != nil || len(skds) != 1 || len(camp.ScheduleIDs) != 1 || skds[0].ID != camp.ScheduleIDs[0] {
		t.Fatalf("schedules of a new campaign: %+v, %v; want its default %v", skds, err, camp.ScheduleIDs)
	}
	def := skds[0]
	if def.Name != "Default schedule" || def.Start != "09:00" || def.End != "18:00" || def.Timezone != "America/New_York" ||
		def.SecondsToWait != 1200 || !slices.Equal(def.Weekdays, []int{1, 2, 3, 4, 5}) || def.TeamID == "" || def.CreatedAt.IsZero() {
		t.Errorf("default schedule %+v", def)
	}

	upd, err := b.client.UpdateSchedule(ctx, def.ID, ScheduleRequest{End: "17:30", Weekdays: []int{1, 3, 5}})
	if err != nil {
		t.Fatal(err)
	}
	want := def
	want.End, want.Weekdays = "17:30", []int{1, 3, 5}
	if upd.ID != want.ID || upd.End != want.End || !slices.Equal(upd.Weekdays, want.Weekdays) || upd.Start != want.Start ||
		upd.Name != want.Name || upd.Timezone != want.Timezone || upd.SecondsToWait != want.SecondsToWait || upd.Public != want.Public {
		t.Errorf("updated %+v, want %+v", upd, want)
	}
	if got := b.fake.CampaignSchedules(camp.ID); len(got) != 1 || got[0].End != "17:30" || got[0].Start != "09:00" {
		t.Errorf("simulator state after update: %+v", got)
	}

	extra, err := b.client.CreateSchedule(ctx, ScheduleRequest{Name: "Weekend", SecondsToWait: ptr(0), Timezone: "Europe/Berlin",
		Start: "10:00", End: "12:00", Weekdays: []int{6, 7}, Public: ptr(true)})
	if err != nil || !strings.HasPrefix(extra.ID, "skd_") || extra.SecondsToWait != 0 || !extra.Public || extra.Timezone != "Europe/Berlin" {
		t.Fatalf("create schedule: %+v, %v", extra, err)
	}
	for range 2 {
		if err := b.client.AttachSchedule(ctx, camp.ID, extra.ID); err != nil {
			t.Fatal(err)
		}
	}
	skds, err = b.client.CampaignSchedules(ctx, camp.ID)
	if err != nil || len(skds) != 2 || skds[0].ID != def.ID || skds[1].ID != extra.ID || !slices.Equal(skds[1].Weekdays, []int{6, 7}) {
		t.Errorf("after attaching twice: %+v, %v; want the default then %s, once", skds, err, extra.ID)
	}
	if got := b.sim.Counters().DuplicateWrites["lemlist"]["schedule attach"]; got != 1 {
		t.Errorf("duplicate attach writes = %d, want 1", got)
	}

	// Seeded campaigns have a default schedule too.
	if skds, err := b.client.CampaignSchedules(ctx, b.campaign(0)); err != nil || len(skds) != 1 || skds[0].Timezone != "Europe/Paris" {
		t.Errorf("seeded campaign schedules: %+v, %v", skds, err)
	}
	// A reset forgets schedules.
	b.sim.Reset()
	if code, _ := b.raw(t, http.MethodGet, "/schedules/"+extra.ID, ""); code != http.StatusNotFound {
		t.Errorf("created schedule after reset: %d, want 404", code)
	}
	if got := b.fake.CampaignSchedules(b.campaign(0)); len(got) != 1 {
		t.Errorf("seeded campaign after reset: %+v, want only its default", got)
	}
}

// Bad schedules are refused: by the client when it can tell, by the
// simulator (lemlist's 400 text) otherwise; unknown ids are not found.
func TestScheduleBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t, unlimited)
	ctx := context.Background()
	camp, err := b.client.CreateCampaign(ctx, CreateCampaignRequest{Name: "bad schedules"})
	if err != nil {
		t.Fatal(err)
	}
	skd := camp.ScheduleIDs[0]
	before := b.totalCalls()
	for name, call := range map[string]func() error{
		"weekday 0": func() error {
			_, err := b.client.CreateSchedule(ctx, ScheduleRequest{Weekdays: []int{0, 1}})
			return err
		},
		"weekday 8": func() error {
			_, err := b.client.UpdateSchedule(ctx, skd, ScheduleRequest{Weekdays: []int{8}})
			return err
		},
		"start 9:00": func() error { _, err := b.client.CreateSchedule(ctx, ScheduleRequest{Start: "9:00"}); return err },
		"end 24:00":  func() error { _, err := b.client.UpdateSchedule(ctx, skd, ScheduleRequest{End: "24:00"}); return err },
		"end before": func() error {
			_, err := b.client.CreateSchedule(ctx, ScheduleRequest{Start: "18:00", End: "09:00"})
			return err
		},
		"negative wait": func() error {
			_, err := b.client.UpdateSchedule(ctx, skd, ScheduleRequest{SecondsToWait: ptr(-1)})
			return err
		},
		"no schedule id":  func() error { _, err := b.client.UpdateSchedule(ctx, "", ScheduleRequest{Name: "x"}); return err },
		"no campaign id":  func() error { _, err := b.client.CampaignSchedules(ctx, ""); return err },
		"attach no ids":   func() error { return b.client.AttachSchedule(ctx, camp.ID, "") },
		"attach no camp.": func() error { return b.client.AttachSchedule(ctx, "", skd) },
	} {
		var ae *guard.APIError
		if err := call(); !errors.As(err, &ae) || ae.Code != CodeInvalidRequest {
			t.Errorf("%s: %v, want refused before calling", name, err)
		}
	}
	if n := b.totalCalls(); n != before {
		t.Errorf("client-side refusals made %d calls", n-before)
	}

	// What only lemlist can tell: the simulator answers 400.
	for name, req := range map[string]ScheduleRequest{
		"unknown timezone":   {Timezone: "Mars/Olympus"},
		"duplicate weekdays": {Weekdays: []int{1, 1}},
		"end before start":   {End: "08:00"}, // against the stored 09:00
	} {
		_, err := b.client.UpdateSchedule(ctx, skd, req)
		if ae := asAPIError(t, err); ae.Status != http.StatusBadRequest || ae.Code != CodeBadRequest {
			t.Errorf("%s: %+v, want lemlist's 400", name, ae)
		}
	}
	for _, tt := range []struct{ method, path, body, msg string }{
		{"POST", "/schedules", `{"name":`, "Invalid JSON body"},
		{"POST", "/schedules", `{"start":"25:00"}`, "start must be a time HH:mm"},
		{"POST", "/schedules", `{"end":"9h"}`, "end must be a time HH:mm"},
		{"POST", "/schedules", `{"weekdays":[]}`, "weekdays must not be empty"},
		{"POST", "/schedules", `{"weekdays":[0]}`, "weekdays must be distinct days from 1 (Monday) to 7 (Sunday)"},
		{"POST", "/schedules", `{"timezone":""}`, "Invalid timezone"},
		{"POST", "/schedules", `{"secondsToWait":-5}`, "secondsToWait must be a positive number"},
		{"PATCH", "/schedules/" + skd, `{"start":"18:00"}`, "end must be after start"},
	} {
		if code, body := b.raw(t, tt.method, tt.path, tt.body); code != http.StatusBadRequest || body != tt.msg {
			t.Errorf("%s %s %s: %d %q, want 400 %q", tt.method, tt.path, tt.body, code, body, tt.msg)
		}
	}
	if got := b.fake.CampaignSchedules(camp.ID); len(got) != 1 || got[0].Start != "09:00" || got[0].End != "18:00" || got[0].Timezone != "Europe/Paris" {
		t.Errorf("refused updates changed the schedule: %+v", got)
	}

	if _, err := b.client.UpdateSchedule(ctx, "skd_nope", ScheduleRequest{Name: "x"}); !IsNotFound(err) {
		t.Errorf("update unknown schedule: %v, want not found", err)
	}
	if _, err := b.client.CampaignSchedules(ctx, "cam_nope"); !IsNotFound(err) {
		t.Errorf("unknown campaign: %v, want not found", err)
	}
	if err := b.client.AttachSchedule(ctx, camp.ID, "skd_nope"); !IsNotFound(err) {
		t.Errorf("attach unknown schedule: %v, want not found", err)
	}
	if err := b.client.AttachSchedule(ctx, "cam_nope", skd); !IsNotFound(err) {
		t.Errorf("attach to unknown campaign: %v, want not found", err)
	}
	if code, body := b.raw(t, http.MethodGet, "/schedules/skd_nope", ""); code != http.StatusNotFound || body != "Schedule not found" {
		t.Errorf("get unknown schedule: %d %q", code, body)
	}
}
