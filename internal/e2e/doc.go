// Package e2e holds the end-to-end tests: they build the real binaries, start
// api and worker as separate processes against a fresh database and drive
// them through the REST API as a client would.
package e2e
