package imports

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"
)

// writeCSV writes a header and n generated contact rows (no real people:
// numbered names at example domains) to w.
func writeCSV(w io.Writer, n int) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "Email,First Name,Last Name,Job Title,Phone,Company,Website,Country,Tags,Notes")
	for i := range n {
		fmt.Fprintf(bw, "person%d@example%d.com,First%d,Last%d,\"Head of Sales, EMEA\",+1 555 %07d,Example %d Ltd,https://www.example%d.com/,GB,\"vip;q%d\",imported row %d\n",
			i, i%1000, i, i, i, i%1000, i%1000, i%4+1, i)
	}
	return bw.Flush()
}

func writeJSONL(w io.Writer, n int) error {
	bw := bufio.NewWriter(w)
	for i := range n {
		fmt.Fprintf(bw, `{"email":"person%d@example%d.com","first_name":"First%d","last_name":"Last%d","title":"Head of Sales, EMEA","phone":"+1 555 %07d","company":"Example %d Ltd","website":"https://www.example%d.com/","country":"GB","tags":["vip","q%d"],"notes":"imported row %d"}`+"\n",
			i, i%1000, i, i, i, i%1000, i%1000, i%4+1, i)
	}
	return bw.Flush()
}

// drain reads every row of r and returns how many were valid.
func drain(tb testing.TB, r *Reader) int {
	n := 0
	for {
		row, errs, err := r.Next()
		if len(errs) > 0 {
			tb.Fatalf("row errors: %v", errs[0])
		}
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			tb.Fatalf("Next: %v", err)
		}
		if row.Number > 0 {
			n++
		}
	}
}

// BenchmarkReadCSV reads 100,000 generated rows through the Reader, with
// encoding/csv splitting the same bytes (no mapping, no normalisation) as
// the anchor beside it.
func BenchmarkReadCSV(b *testing.B) {
	const rows = 100_000
	var data bytes.Buffer
	if err := writeCSV(&data, rows); err != nil {
		b.Fatal(err)
	}
	b.Run("imports", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(data.Len()))
		for b.Loop() {
			r, err := NewReader(bytes.NewReader(data.Bytes()), CSV, Options{})
			if err != nil {
				b.Fatal(err)
			}
			if n := drain(b, r); n != rows {
				b.Fatalf("read %d rows, want %d", n, rows)
			}
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("anchor=encoding_csv", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(data.Len()))
		for b.Loop() {
			cr := csv.NewReader(bytes.NewReader(data.Bytes()))
			cr.ReuseRecord = true
			n := -1 // the header
			for {
				_, err := cr.Read()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != rows {
				b.Fatalf("read %d rows, want %d", n, rows)
			}
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchmarkReadJSONL is BenchmarkReadCSV for the same rows as JSON Lines.
func BenchmarkReadJSONL(b *testing.B) {
	const rows = 100_000
	var data bytes.Buffer
	if err := writeJSONL(&data, rows); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(data.Len()))
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data.Bytes()), JSONL, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if n := drain(b, r); n != rows {
			b.Fatalf("read %d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestMillionRowsBoundedHeap streams a 1,000,000-row CSV (about 150 MB),
// generated on the fly through a pipe, and checks that the heap stays small
// throughout: the Reader holds one row, never the file.
func TestMillionRowsBoundedHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a million rows")
	}
	// Not parallel: the heap is measured process-wide, and the 10 MB
	// cells of the bad-input tests would count against this one.
	const rows = 1_000_000
	const maxHeapGrowth = 50 << 20
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeCSV(pw, rows)) }()

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	peak := uint64(0)
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}

	r, err := NewReader(pr, CSV, Options{})
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	n := 0
	for {
		row, errs, err := r.Next()
		if len(errs) > 0 {
			t.Fatalf("row errors: %v", errs[0])
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if row.Number > 0 {
			n++
		}
		if n%50_000 == 0 {
			sample()
		}
	}
	sample()
	if n != rows {
		t.Errorf("read %d rows, want %d", n, rows)
	}
	if st := r.Stats(); st.Rows != rows || st.Bytes < 100<<20 {
		t.Errorf("Stats() = %+v, want %d rows over more than 100 MiB", st, rows)
	}
	// Other parallel tests allocate too, so growth is measured against a
	// bound far below the file's size rather than against zero.
	if peak > base && peak-base > maxHeapGrowth {
		t.Errorf("heap in use grew by %d MiB reading %d rows, want at most %d MiB", (peak-base)>>20, rows, maxHeapGrowth>>20)
	}
	t.Logf("read %d rows, %d MiB, heap in use grew by at most %d KiB", n, r.Stats().Bytes>>20, (max(peak, base)-base)>>10)
}
