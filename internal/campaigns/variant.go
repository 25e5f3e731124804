package campaigns

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// PickVariants chooses, for each step of t, the A/B variant an enrollment
// receives: by weight, deterministically from key (the enrollment id), so
// a job repeated after a crash sends the same arm. Each step is drawn
// independently (its own hash of key and step index), so arms of different
// steps are not correlated. A step without variants gets "".
func PickVariants(t Template, key []byte) []string {
	out := make([]string, len(t.Steps))
	for i, s := range t.Steps {
		total := 0
		for _, v := range s.Variants {
			total += max(v.Weight, 1)
		}
		if total == 0 {
			continue
		}
		h := sha256.New()
		h.Write(key)
		h.Write([]byte{0})
		h.Write([]byte(strconv.Itoa(i)))
		n := int(binary.BigEndian.Uint64(h.Sum(nil)[:8]) % uint64(total))
		for _, v := range s.Variants {
			n -= max(v.Weight, 1)
			if n < 0 {
				out[i] = v.Name
				break
			}
		}
	}
	return out
}

// FormatVariants writes the picks of PickVariants as an enrollment's
// variant column: "step:name" for each step that has variants, 1-based,
// comma separated ("1:B,3:control"); "" when no step has any.
func FormatVariants(picks []string) string {
	var parts []string
	for i, name := range picks {
		if name != "" {
			parts = append(parts, fmt.Sprintf("%d:%s", i+1, name))
		}
	}
	return strings.Join(parts, ",")
}

// LeadVariables are the custom variables of a lemlist lead for a rendered
// template and the variant picks: step<N>Subject and step<N>Body (1-based)
// of the arm the enrollment receives. The lemlist campaign's sequence
// refers to them ({{step1Subject}}, {{step1Body}}), so the text lemlist
// sends is exactly what our template rendered for the contact.
func LeadVariables(r Rendered, picks []string) map[string]string {
	vars := make(map[string]string, 2*len(r.Steps))
	for i, s := range r.Steps {
		subject, body := s.Subject, s.Body
		if i < len(picks) && picks[i] != "" {
			for _, v := range s.Variants {
				if v.Name == picks[i] {
					subject, body = v.Subject, v.Body
				}
			}
		}
		subjectVar, bodyVar := StepVariables(i)
		vars[subjectVar], vars[bodyVar] = subject, body
	}
	return vars
}

// StepVariables names the lead's custom variables that carry step i's
// (0-based) rendered subject and body: step1Subject, step1Body, ... The
// steps of a lemlist campaign the platform creates use them as their text.
func StepVariables(i int) (subject, body string) {
	return fmt.Sprintf("step%dSubject", i+1), fmt.Sprintf("step%dBody", i+1)
}
