// Package config holds the typed configuration of each binary. Values come from
// environment variables, read once in cmd/ through a Lookup function, so no
// other package ever touches the environment.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Lookup returns the value of one environment variable; cmd passes os.LookupEnv.
type Lookup func(name string) (string, bool)

// Var describes one variable a config reads: the README's configuration table
// and `rtgs env` are produced from these.
type Var struct {
	Name    string
	Default string
	Help    string
}

// Secret is a string that never prints: logging a config shows "****".
type Secret string

// String masks the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "****"
}

// Reveal returns the secret's value for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// MarshalText masks the secret when a config is encoded.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// reader reads variables, remembers what it read and collects every error so a
// misconfigured process reports all its problems at once.
type reader struct {
	lookup Lookup
	vars   []Var
	errs   []error
}

func (r *reader) raw(name, def, help string) string {
	r.vars = append(r.vars, Var{Name: name, Default: def, Help: help})
	if v, ok := r.lookup(name); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

func (r *reader) fail(name, value, why string) {
	r.errs = append(r.errs, fmt.Errorf("%s=%q: %s", name, value, why))
}

func (r *reader) String(name, def, help string) string { return r.raw(name, def, help) }

func (r *reader) Duration(name string, def time.Duration, help string) time.Duration {
	v := r.raw(name, def.String(), help)
	d, err := time.ParseDuration(v)
	if err != nil {
		r.fail(name, v, "not a duration (examples: 500ms, 30s, 5m)")
		return def
	}
	if d <= 0 {
		r.fail(name, v, "must be positive")
		return def
	}
	return d
}

func (r *reader) Int(name string, def int, min, max int, help string) int {
	v := r.raw(name, strconv.Itoa(def), help)
	n, err := strconv.Atoi(v)
	if err != nil {
		r.fail(name, v, "not an integer")
		return def
	}
	if n < min || n > max {
		r.fail(name, v, fmt.Sprintf("must be between %d and %d", min, max))
		return def
	}
	return n
}

func (r *reader) Bool(name string, def bool, help string) bool {
	v := r.raw(name, strconv.FormatBool(def), help)
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(name, v, "not a boolean (true or false)")
		return def
	}
	return b
}

func (r *reader) OneOf(name, def string, allowed []string, help string) string {
	v := strings.ToLower(r.raw(name, def, help))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.fail(name, v, "must be one of "+strings.Join(allowed, ", "))
	return def
}

// URL reads a URL whose scheme must be one of schemes; empty is allowed when
// the default is empty.
func (r *reader) URL(name, def string, schemes []string, help string) string {
	v := r.raw(name, def, help)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil {
		r.fail(name, MaskURL(v), "not a URL")
		return def
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return v
		}
	}
	r.fail(name, MaskURL(v), "scheme must be one of "+strings.Join(schemes, ", "))
	return def
}

func (r *reader) err() error { return errors.Join(r.errs...) }

// MaskURL hides the password of a connection URL so it can be logged.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "****")
	}
	return u.String()
}
