package engine

import (
	"slices"
	"testing"
)

// gather takes what is waiting, up to maxGroup, without waiting for more;
// what a group carries over leads the next one.
func TestGather(t *testing.T) {
	in := make(chan int, 3*maxGroup)
	for i := range 2*maxGroup + 3 {
		in <- i
	}
	var groups [][]int
	gathered := make(chan struct{})
	go func() {
		defer close(gathered)
		gather(in, func(g []int) []int {
			groups = append(groups, slices.Clone(g))
			if len(groups) == 1 {
				return g[len(g)-2:] // the last two wait for the next group
			}
			if len(groups) == 3 {
				close(in)
			}
			return nil
		})
	}()
	<-gathered
	if len(groups) != 3 {
		t.Fatalf("%d groups, want 3: %v", len(groups), groups)
	}
	if len(groups[0]) != maxGroup || groups[0][0] != 0 {
		t.Errorf("first group %v, want the first %d items", groups[0], maxGroup)
	}
	if want := []int{maxGroup - 2, maxGroup - 1, maxGroup}; len(groups[1]) != maxGroup || !slices.Equal(groups[1][:3], want) {
		t.Errorf("second group %v, want the two carried (%v) then the next items, %d in all", groups[1], want[:2], maxGroup)
	}
	if last := groups[2]; len(last) != 5 || last[len(last)-1] != 2*maxGroup+2 {
		t.Errorf("third group %v, want the 5 left, without waiting for more", last)
	}
}
