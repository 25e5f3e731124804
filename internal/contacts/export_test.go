package contacts_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/dbtest"
)

func TestWriteKeyValueCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, want string
	}{
		{"nested in document order", `{"b":{"y":1,"x":"two"},"a":true}`, "key,value\nb.y,1\nb.x,two\na,true\n"},
		{"arrays by index", `{"jobs":[{"kind":"k"},{"kind":"l"}]}`, "key,value\njobs.0.kind,k\njobs.1.kind,l\n"},
		{"empty and null", `{"o":{},"a":[],"n":null}`, "key,value\no,{}\na,[]\nn,\n"},
		{"numbers kept as written", `{"big":12345678901234567890,"f":1.50}`, "key,value\nbig,12345678901234567890\nf,1.50\n"},
		{"formula values neutralised", `{"v":"=HYPERLINK(\"http://x\")","w":"@SUM(A1)","n":-3}`,
			"key,value\nv,\"'=HYPERLINK(\"\"http://x\"\")\"\nw,'@SUM(A1)\nn,'-3\n"},
		{"formula keys neutralised", `{"+cmd":{"x":"y"}}`, "key,value\n'+cmd.x,y\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sb strings.Builder
			if err := contacts.WriteKeyValueCSV(&sb, []byte(tt.doc)); err != nil {
				t.Fatal(err)
			}
			if sb.String() != tt.want {
				t.Errorf("csv =\n%s\nwant\n%s", sb.String(), tt.want)
			}
		})
	}
	if err := contacts.WriteKeyValueCSV(&strings.Builder{}, []byte(`{"a":`)); err == nil {
		t.Error("truncated document: err = nil, want an error")
	}
}

// Erasure is one transaction: when its last write fails (here the audit
// entry, for an acting key that no longer exists), nothing of it stays.
func TestEraseContactIsAtomic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	svc := contacts.NewService(pool, testHasher)
	c, err := svc.CreateContact(ctx, contacts.ContactInput{Email: "ada@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
INSERT INTO river_job (args, kind, max_attempts, queue, state)
VALUES (jsonb_build_object('contact_id', $1::text), 'enrich_contact', 10, 'enrichment', 'available')`, c.ID); err != nil {
		t.Fatal(err)
	}
	gone := uuid.New()
	if err := svc.EraseContact(ctx, c.ID, &gone); err == nil {
		t.Fatal("erase with an unknown actor: err = nil, want the audit insert to fail")
	}
	for table, want := range map[string]int{"contacts": 1, "river_job": 1, "suppressions": 0, "audit_log": 0} {
		if n := count(t, pool, table); n != want {
			t.Errorf("%s = %d after the failed erasure, want %d", table, n, want)
		}
	}
	if err := svc.EraseContact(ctx, c.ID, nil); err != nil {
		t.Fatalf("erase: %v", err)
	}
	for table, want := range map[string]int{"contacts": 0, "river_job": 0, "suppressions": 1, "audit_log": 1} {
		if n := count(t, pool, table); n != want {
			t.Errorf("%s = %d after erasure, want %d", table, n, want)
		}
	}
}

// A job already running is left to finish (it will find the row gone);
// finished jobs are history and stay too.
func TestEraseContactKeepsStartedJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	svc := contacts.NewService(pool, testHasher)
	c, err := svc.CreateContact(ctx, contacts.ContactInput{Email: "ada@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
INSERT INTO river_job (args, kind, max_attempts, queue, state, attempt, attempted_at, finalized_at)
SELECT jsonb_build_object('contact_id', $1::text), 'enrich_contact', 10, 'enrichment', s::river_job_state, 1, now(),
       CASE WHEN s = 'completed' THEN now() END
FROM unnest(ARRAY['running', 'completed', 'scheduled']) s`, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.EraseContact(ctx, c.ID, nil); err != nil {
		t.Fatalf("erase: %v", err)
	}
	var states string
	if err := pool.QueryRow(ctx, `SELECT string_agg(state::text, ',' ORDER BY state::text) FROM river_job`).Scan(&states); err != nil {
		t.Fatal(err)
	}
	if states != "completed,running" {
		t.Errorf("jobs left = %s, want completed,running (the scheduled one deleted)", states)
	}
}
