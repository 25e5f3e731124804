package jobs

import (
	"maps"
	"slices"
	"testing"

	"github.com/rtgs/sales-automation/internal/config"
)

// The queue constants and config's defaults must name the same queues:
// otherwise a worker serves a queue nothing is inserted into, or jobs wait
// in a queue no worker serves.
func TestQueuesMatchConfig(t *testing.T) {
	t.Parallel()
	got := slices.Sorted(slices.Values(Queues()))
	want := slices.Sorted(maps.Keys(config.DefaultQueues()))
	if !slices.Equal(got, want) {
		t.Errorf("jobs.Queues() = %v, want config.DefaultQueues() names %v", got, want)
	}
}
