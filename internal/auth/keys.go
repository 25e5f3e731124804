package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"strings"
)

// Key format: rtgs_<prefix>_<secret>. The prefix is stored in clear and
// indexed, so a key is found with one lookup; only the secret is hashed. Both
// parts use base62, which has no '_', so the separators are unambiguous and
// the token survives double-click selection, URLs and shells.
const (
	// TokenPrefix starts every API key, so secret scanners and log redaction
	// can recognise one.
	TokenPrefix = "rtgs_"

	prefixLen    = 12 // 71 bits: collisions are retried, never expected
	secretLen    = 32 // 190 bits of entropy
	maxSecretLen = 64 // room for longer secrets later, still a hard bound
	maxTokenLen  = len(TokenPrefix) + prefixLen + 1 + maxSecretLen

	base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// newToken returns a fresh key token and its prefix and secret parts.
func newToken() (token, prefix, secret string) {
	prefix, secret = randomBase62(prefixLen), randomBase62(secretLen)
	return TokenPrefix + prefix + "_" + secret, prefix, secret
}

// randomBase62 returns n characters drawn uniformly from crypto/rand.
func randomBase62(n int) string {
	// 248 = 4*62: bytes at or above it are rejected so every character is
	// equally likely (a plain modulo would favour the first 8).
	const limit = 256 - 256%len(base62)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+8)
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails (Go 1.24+)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, base62[int(b)%len(base62)])
			}
		}
	}
	return string(out)
}

// Parse splits an API key token into its prefix and secret. It is strict:
// the rtgs_ marker, exactly one separator, a 12-character prefix, a secret of
// 32 to 64 characters, base62 only. Anything else is not a key, and is
// rejected before any database or hashing work.
func Parse(token string) (prefix, secret string, ok bool) {
	if len(token) > maxTokenLen {
		return "", "", false
	}
	rest, found := strings.CutPrefix(token, TokenPrefix)
	if !found {
		return "", "", false
	}
	prefix, secret, found = strings.Cut(rest, "_")
	if !found || len(prefix) != prefixLen || len(secret) < secretLen || len(secret) > maxSecretLen ||
		!isBase62(prefix) || !isBase62(secret) {
		return "", "", false
	}
	return prefix, secret, true
}

func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// digest is the cache key of a token. Caching by a digest of the whole token
// (not the prefix) means a cached success is only ever returned for the
// exact secret that was verified.
type digest [sha256.Size]byte

func digestOf(token string) digest { return sha256.Sum256([]byte(token)) }
