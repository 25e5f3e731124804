package icp

import (
	"encoding/json"
	"testing"
)

func TestParseEmployeeRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    EmployeeRange
		wantErr bool
	}{
		{"51-200", EmployeeRange{Min: 51, Max: 200}, false},
		{" 51 - 200 ", EmployeeRange{Min: 51, Max: 200}, false},
		{"51–200", EmployeeRange{Min: 51, Max: 200}, false},
		{"1,001-5,000", EmployeeRange{Min: 1001, Max: 5000}, false},
		{"10001+", EmployeeRange{Min: 10001}, false},
		{"10,001+", EmployeeRange{Min: 10001}, false},
		{"0-10", EmployeeRange{Min: 0, Max: 10}, false},
		{"120", EmployeeRange{Min: 120, Max: 120}, false},
		{"", EmployeeRange{}, true},
		{"0", EmployeeRange{}, true},
		{"abc", EmployeeRange{}, true},
		{"200-51", EmployeeRange{}, true},
		{"-5", EmployeeRange{}, true},
		{"5-", EmployeeRange{}, true},
		{"1-0", EmployeeRange{}, true},
		{"+5", EmployeeRange{}, true},
		{"51-200+", EmployeeRange{}, true},
		{"999999999999", EmployeeRange{}, true},
	}
	for _, tt := range tests {
		got, err := ParseEmployeeRange(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseEmployeeRange(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestEmployeeRangeString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    EmployeeRange
		want string
	}{
		{EmployeeRange{Min: 51, Max: 200}, "51-200"},
		{EmployeeRange{Min: 10001}, "10001+"},
		{EmployeeRange{Min: 7, Max: 7}, "7"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestEmployeeRangeJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string // want is the re-encoded form
	}{
		{`{"min":51,"max":200}`, `{"min":51,"max":200}`},
		{`{"min":10001}`, `{"min":10001}`},
		{`{"min":10001,"max":0}`, `{"min":10001}`},
		{`"51-200"`, `{"min":51,"max":200}`},
		{`"10001+"`, `{"min":10001}`},
		{`500`, `{"min":500,"max":500}`},
		{`"lots"`, `"lots"`},
		{`""`, `"\"\""`},
		{`null`, `"null"`},
		{`true`, `"true"`},
	}
	for _, tt := range tests {
		var r EmployeeRange
		if err := json.Unmarshal([]byte(tt.in), &r); err != nil {
			t.Errorf("Unmarshal(%s) = %v, want no error", tt.in, err)
			continue
		}
		got, err := json.Marshal(r)
		if err != nil || string(got) != tt.want {
			t.Errorf("Marshal(Unmarshal(%s)) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	var r EmployeeRange
	if err := json.Unmarshal([]byte(`{"min":"x"}`), &r); err == nil {
		t.Errorf(`Unmarshal({"min":"x"}) = nil error, want a type error`)
	}
}

// FuzzParseEmployeeRange checks that any text either fails or yields a
// range that is well formed and survives a trip through its own String.
func FuzzParseEmployeeRange(f *testing.F) {
	for _, s := range []string{"51-200", "10001+", "1,001-5,000", "7", "", "-", "+", "1-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseEmployeeRange(s)
		if err != nil {
			return
		}
		if r.Min < 0 || r.Min > maxCount || r.Max < 0 || r.Max > maxCount || (r.Max != 0 && r.Max < r.Min) {
			t.Fatalf("ParseEmployeeRange(%q) = %+v, out of bounds", s, r)
		}
		again, err := ParseEmployeeRange(r.String())
		if err != nil || again != r {
			t.Fatalf("ParseEmployeeRange(%q) = %+v; its String %q reads back as %+v, %v", s, r, r.String(), again, err)
		}
	})
}
