package vendorsim

import (
	"hash/fnv"
	"math/rand/v2"
	"strings"
)

// Hash is a stable 64-bit hash of parts, case- and space-insensitive, so
// "Jane@Acme.com " and "jane@acme.com" yield the same fake data. It does not
// depend on the Sim's seed: one email or domain yields the same enrichment in
// every run.
func Hash(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(strings.ToLower(strings.TrimSpace(p))))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// Seeded is a PRNG seeded from Hash(parts...), for fakes that derive several
// fields from one key.
func Seeded(parts ...string) *rand.Rand {
	h := Hash(parts...)
	return rand.New(rand.NewPCG(h, h^0x9e3779b97f4a7c15))
}

// NoMatchOneIn is how rare the inputs are that no fake enriches: one in five.
const NoMatchOneIn = 5

// NoMatch reports whether key is one of the inputs that find no match: every
// key containing "nomatch" (so tests can ask for one), and otherwise one key
// in NoMatchOneIn, chosen by hash.
func NoMatch(key string) bool {
	if strings.Contains(strings.ToLower(key), "nomatch") {
		return true
	}
	return Hash("nomatch", key)%NoMatchOneIn == 0
}
