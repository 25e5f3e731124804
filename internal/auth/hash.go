package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters. Stored hashes carry their own
// parameters, so raising the defaults later only affects new keys.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams returns OWASP's minimum recommendation for argon2id
// (19 MiB, 2 passes, 1 lane). Verified keys are cached, so this cost is paid
// once per key per cache TTL, not per request.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Bounds on parameters read back from the database: a corrupted or hostile
// row must not make a verification allocate gigabytes or run for minutes.
const (
	maxMemory  = 1 << 20 // 1 GiB
	maxTime    = 16
	maxThreads = 16
	minSaltLen = 8
	minKeyLen  = 16
	maxLen     = 128
)

var errBadHash = errors.New("malformed argon2id hash")

// b64 is the PHC string format's base64: standard alphabet, no padding.
var b64 = base64.RawStdEncoding

// HashSecret hashes secret with argon2id and a random salt and encodes the
// result as a PHC string: $argon2id$v=19$m=...,t=...,p=...$salt$hash.
func HashSecret(secret string, p Params) string {
	salt := make([]byte, p.SaltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails (Go 1.24+)
	sum := argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(sum))
}

// VerifySecret reports whether secret matches the PHC string encoded, using
// the parameters stored in it and a constant-time comparison. An error means
// the stored string is malformed, not that the secret is wrong.
func VerifySecret(secret, encoded string) (bool, error) {
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func decodeHash(encoded string) (p Params, salt, sum []byte, err error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	// Sscanf ignores trailing text, so the fields are re-rendered and compared:
	// only the canonical form is accepted.
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version ||
		parts[2] != fmt.Sprintf("v=%d", version) {
		return p, nil, nil, fmt.Errorf("%w: version %q", errBadHash, parts[2])
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, threads) {
		return p, nil, nil, fmt.Errorf("%w: params %q", errBadHash, parts[3])
	}
	if p.Memory == 0 || p.Memory > maxMemory || p.Time == 0 || p.Time > maxTime || threads == 0 || threads > maxThreads ||
		p.Memory < 8*threads {
		return p, nil, nil, fmt.Errorf("%w: params %q out of bounds", errBadHash, parts[3])
	}
	p.Threads = uint8(threads)
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < minSaltLen || len(salt) > maxLen {
		return p, nil, nil, fmt.Errorf("%w: salt", errBadHash)
	}
	if sum, err = b64.DecodeString(parts[5]); err != nil || len(sum) < minKeyLen || len(sum) > maxLen {
		return p, nil, nil, fmt.Errorf("%w: hash", errBadHash)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(sum))
	return p, salt, sum, nil
}
