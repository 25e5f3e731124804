package contacts

import (
	"crypto/hmac"
	"crypto/sha256"
)

// Hasher computes the value_hash of suppression entries: an HMAC-SHA256
// under the platform's SUPPRESSION_HASH_KEY of the kind, a NUL and the
// normalised value. Suppressions are matched on it, so an erased address
// stays suppressed without being stored, and without the key nobody can
// test guessed addresses against a copy of the table. Changing the key
// orphans every entry recorded under the old one.
type Hasher struct{ key []byte }

// NewHasher returns a Hasher under key, which must not be empty.
func NewHasher(key []byte) Hasher {
	if len(key) == 0 {
		panic("contacts: NewHasher with an empty key")
	}
	return Hasher{key: append([]byte(nil), key...)}
}

// Hash returns the value_hash of value, already normalised, of kind.
func (h Hasher) Hash(kind, value string) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}
