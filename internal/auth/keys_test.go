package auth

import (
	"fmt"
	"strings"
	"testing"
)

func TestNewTokenParses(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 200 {
		token, prefix, secret := newToken()
		p, s, ok := Parse(token)
		if !ok || p != prefix || s != secret || len(prefix) != prefixLen || len(secret) != secretLen {
			t.Fatalf("Parse(newToken() = %q) = %q, %q, %v", token, p, s, ok)
		}
		if seen[prefix] {
			t.Fatalf("prefix %q generated twice", prefix)
		}
		seen[prefix] = true
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	prefix, secret := strings.Repeat("P", prefixLen), strings.Repeat("s", secretLen)
	tests := []struct {
		token string
		ok    bool
	}{
		{"rtgs_" + prefix + "_" + secret, true},
		{"rtgs_" + prefix + "_" + secret + strings.Repeat("9", maxSecretLen-secretLen), true},
		{"rtgs_" + prefix + "_" + secret + strings.Repeat("9", maxSecretLen-secretLen+1), false},
		{"", false},
		{"rtgs_", false},
		{"rtgs__", false},
		{"RTGS_" + prefix + "_" + secret, false},
		{"rtgs_" + prefix + secret, false},
		{"rtgs_" + prefix + "_" + secret[1:], false},
		{"rtgs_" + prefix + "x_" + secret, false},
		{"rtgs_" + prefix + "_" + secret + "_", false},
		{"rtgs_" + prefix + "_" + secret[1:] + "+", false},
		{"rtgs_" + prefix + "_" + secret[1:] + "é", false},
		{"rtgs_" + prefix + "_" + secret + "\n", false},
	}
	for _, tt := range tests {
		if _, _, ok := Parse(tt.token); ok != tt.ok {
			t.Errorf("Parse(%q) ok = %v, want %v", tt.token, ok, tt.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("rtgs_" + strings.Repeat("P", prefixLen) + "_" + strings.Repeat("s", secretLen))
	f.Add("rtgs___")
	f.Fuzz(func(t *testing.T, token string) {
		prefix, secret, ok := Parse(token)
		if ok && TokenPrefix+prefix+"_"+secret != token {
			t.Errorf("Parse(%q) = %q, %q: does not rebuild the token", token, prefix, secret)
		}
	})
}

func TestHashSecret(t *testing.T) {
	t.Parallel()
	def := HashSecret("s3cret", DefaultParams())
	if !strings.HasPrefix(def, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("HashSecret(default params) = %q, want OWASP minimum parameters", def)
	}
	for _, h := range []string{def, HashSecret("s3cret", cheapParams)} {
		if ok, err := VerifySecret("s3cret", h); !ok || err != nil {
			t.Errorf("VerifySecret(right) = %v, %v on %q", ok, err, h)
		}
		if ok, err := VerifySecret("s3creT", h); ok || err != nil {
			t.Errorf("VerifySecret(wrong) = %v, %v on %q", ok, err, h)
		}
	}
	if HashSecret("s3cret", cheapParams) == HashSecret("s3cret", cheapParams) {
		t.Error("two hashes of one secret are equal: salt not random")
	}
}

func TestVerifySecretMalformed(t *testing.T) {
	t.Parallel()
	good := HashSecret("x", cheapParams)
	parts := strings.Split(good, "$") // "", alg, v, params, salt, hash
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	tests := []string{
		"",
		"plain",
		with(1, "argon2i"),
		with(2, "v=16"),
		with(2, "v=19x"),
		with(3, "m=64,t=1"),
		with(3, "m=64,t=1,p=1,x=2"),
		with(3, "m=64,t=1,p=1x"),
		with(3, "m=0,t=1,p=1"),
		with(3, fmt.Sprintf("m=%d,t=1,p=1", maxMemory+1)),
		with(3, "m=64,t=99,p=1"),
		with(3, "m=64,t=1,p=0"),
		with(3, "m=8,t=1,p=4"),
		with(4, "!!"),
		with(4, "c2FsdA"), // 4-byte salt
		with(5, "aGFzaA"), // 4-byte hash
		good + "$extra",
	}
	for _, h := range tests {
		if ok, err := VerifySecret("x", h); ok || err == nil {
			t.Errorf("VerifySecret(%q) = %v, %v; want false and an error", h, ok, err)
		}
	}
}
