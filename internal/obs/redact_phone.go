package obs

import "strings"

// redactPhones masks the candidate digit runs in s that read as phone
// numbers. A pattern alone cannot tell 2024-01-15 10 or 192.168.100.200 from
// a phone, so each candidate is judged on its digit groups.
func redactPhones(s string) string {
	var b strings.Builder
	last := 0
	for i, j := nextPhoneCandidate(s, 0); i >= 0; i, j = nextPhoneCandidate(s, j) {
		if !boundaryBefore(s, i) {
			continue
		}
		c := s[i:j]
		// A bare digit run glued to a following letter is a hex id, a hash
		// or a unit (12345678901ms), not a phone.
		if j < len(s) && isWordByte(s[j]) && isAllDigits(c) {
			continue
		}
		skip, ok := phoneIn(c)
		if !ok {
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last : i+skip])
		b.WriteString(maskedPhone)
		last = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// nextPhoneCandidate returns the bounds of the first phone candidate in s at
// or after from, or -1, -1: an optional '+', an optional '(', then digits
// joined by up to two separators (space, no-break space, . - + ( )). It
// does by hand what the regexp \+?\(?\d(?:[ .()+\x{00A0}-]{0,2}\d)* would,
// several times faster, as most lines carry a timestamp or an id with
// enough digits to get here.
func nextPhoneCandidate(s string, from int) (start, end int) {
	for i := from; i < len(s); i++ {
		k := i
		if s[k] == '+' {
			k++
		}
		if k < len(s) && s[k] == '(' {
			k++
		}
		if k >= len(s) || !isDigit(s[k]) {
			continue
		}
		j := k + 1
		for {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			w := phoneSepLen(s, j)
			if w > 0 && j+w < len(s) && isDigit(s[j+w]) {
				j += w + 1
				continue
			}
			if w > 0 {
				if w2 := phoneSepLen(s, j+w); w2 > 0 && j+w+w2 < len(s) && isDigit(s[j+w+w2]) {
					j += w + w2 + 1
					continue
				}
			}
			return i, j
		}
	}
	return -1, -1
}

// phoneSepLen returns the byte length of the phone separator at s[i], or 0.
func phoneSepLen(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	switch s[i] {
	case ' ', '.', '-', '+', '(', ')':
		return 1
	case 0xC2: // U+00A0 no-break space is C2 A0 in UTF-8.
		if i+1 < len(s) && s[i+1] == 0xA0 {
			return 2
		}
	}
	return 0
}

// boundaryBefore reports whether a candidate starting at s[i] starts a token
// rather than continuing one, as the last group of a UUID (a716-446655440000)
// or of a version (v1.2.3456789) does.
func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	c := s[i-1]
	if isWordByte(c) {
		// A percent-encoded separator such as %2B (+) or %20 still
		// separates, as in a logged query string.
		return i >= 3 && s[i-3] == '%' && isHexByte(s[i-2]) && isHexByte(c)
	}
	if (c == '-' || c == '.') && i >= 2 && isWordByte(s[i-2]) {
		return false
	}
	return true
}

// digitRun is the half-open byte range of one group of digits in a candidate.
type digitRun struct{ start, end int }

// phoneIn reports whether candidate c holds a phone number, and how many
// leading bytes are a date, an IPv4 address or a decimal to keep, as in
// "2024-01-15 555-123-4567".
func phoneIn(c string) (skip int, ok bool) {
	var runs []digitRun
	for i := 0; i < len(c); {
		if !isDigit(c[i]) {
			i++
			continue
		}
		start := i
		for i < len(c) && isDigit(c[i]) {
			i++
		}
		runs = append(runs, digitRun{start, i})
	}
	k := 0
	for {
		switch {
		case dateAt(c, runs, k):
			k += 3
			continue
		case ipv4At(c, runs, k):
			k += 4
			continue
		case decimalAt(c, runs, k):
			k += 2
			continue
		}
		break
	}
	if k == len(runs) {
		return 0, false
	}
	if k > 0 {
		// Start the phone at its first digit, or at a '(' or '+' just
		// before it, so the separator after the date stays.
		skip = runs[k].start
		for skip > runs[k-1].end && (c[skip-1] == '(' || c[skip-1] == '+') {
			skip--
		}
	}
	return skip, isPhone(c[skip:], runs[k:], skip)
}

// isPhone judges candidate c, whose digit groups are runs (offsets into the
// original candidate, which starts off bytes before c).
func isPhone(c string, runs []digitRun, off int) bool {
	n := 0
	for _, r := range runs {
		n += r.end - r.start
	}
	sep := func(i int) string { return c[runs[i-1].end-off : runs[i].start-off] }
	switch {
	case n < 7:
		return false
	case isAllDigits(c):
		// Bare runs need more digits: 7 or 8 bare digits are more often a
		// count or a compact date than a local number.
		return n >= 9 && n <= 15
	case len(runs) == 5 && runLens(runs, 8, 4, 4, 4, 12):
		// An all-digit UUID.
		return false
	case c[0] == '+':
		return true
	}
	for i := 1; i < len(runs); i++ {
		// A lone digit after the first group reads as a list or a version
		// ("1 2 3 4 5 6 7"), unless it is a trunk prefix such as (0).
		if runs[i].end-runs[i].start == 1 && !strings.HasSuffix(sep(i), "(") {
			return false
		}
	}
	// More than 15 digits with separators is two numbers in a row or a card
	// number: masked too.
	return true
}

// dateAt reports whether runs[k:] open with a date: 2024-01-15 or
// 15.01.2024, one separator throughout.
func dateAt(c string, runs []digitRun, k int) bool {
	if k+3 > len(runs) {
		return false
	}
	s1, s2 := c[runs[k].end:runs[k+1].start], c[runs[k+1].end:runs[k+2].start]
	if s1 != s2 || (s1 != "-" && s1 != ".") {
		return false
	}
	l := func(i int) int { return runs[k+i].end - runs[k+i].start }
	return (l(0) == 4 && l(1) <= 2 && l(2) <= 2) || (l(0) <= 2 && l(1) <= 2 && l(2) == 4)
}

// decimalAt reports whether runs[k:] open with a decimal number standing
// alone or followed by a sign: 1234567.89, the monotonic reading
// m=+0.000012345 of a time, or the seconds of 10:30:00.123456789+02:00 and
// of Go's 10:30:00.123456 +0000 UTC.
func decimalAt(c string, runs []digitRun, k int) bool {
	if k+2 > len(runs) || c[runs[k].end:runs[k+1].start] != "." {
		return false
	}
	if k+2 == len(runs) {
		return true
	}
	next := strings.TrimPrefix(c[runs[k+1].end:runs[k+2].start], " ")
	return next == "+" || next == "-"
}

// ipv4At reports whether runs[k:] open with a dotted IPv4 address.
func ipv4At(c string, runs []digitRun, k int) bool {
	if k+4 > len(runs) {
		return false
	}
	for i := k; i < k+4; i++ {
		if runs[i].end-runs[i].start > 3 {
			return false
		}
		if i > k && c[runs[i-1].end:runs[i].start] != "." {
			return false
		}
	}
	return k+4 == len(runs) || c[runs[k+3].end:runs[k+4].start] != "."
}

func runLens(runs []digitRun, lens ...int) bool {
	for i, l := range lens {
		if runs[i].end-runs[i].start != l {
			return false
		}
	}
	return true
}

func isAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexByte(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isWordByte(c byte) bool {
	return isDigit(c) || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
