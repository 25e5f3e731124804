package icp

import (
	"strings"
	"unicode"
)

// normalize folds s into the form every text match runs on: lower case,
// common Latin accents removed, "&" spelt "and", and every run of other
// punctuation or space turned into one space, with a space at each end.
// The spaces at the ends let a match test word boundaries with a plain
// strings.Contains, which keeps scoring 100k contacts cheap. Letters,
// digits, '+' and '#' are word characters so "C++" and "C#" stay apart
// from "C". It returns "" when s holds no word at all.
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(' ')
	space := true
	word := false
	for _, r := range s {
		switch {
		case r == '&':
			if !space {
				b.WriteByte(' ')
			}
			b.WriteString("and ")
			space, word = true, true
		case r == '+' || r == '#' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(fold(unicode.ToLower(r)))
			space, word = false, true
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	if !word {
		return ""
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

// latinFold maps U+00DF..U+00FF to their unaccented letters, so
// "Société" and "Societe", "Türkiye" and "Turkiye" compare equal. The '-'
// stands for '÷', which is not a letter and never reaches the table.
const latinFold = "saaaaaaaceeeeiiiidnooooo-ouuuuyty"

// fold removes the accent from a lower-case Latin-1 letter.
func fold(r rune) rune {
	if r >= 0xDF && r <= 0xFF {
		return rune(latinFold[r-0xDF])
	}
	return r
}

// hasWords reports whether the normalised text hay contains the normalised
// phrase needle as whole words: "software" is in "computer software" but
// "cto" is not in "director".
func hasWords(hay, needle string) bool {
	return needle != "" && strings.Contains(hay, needle)
}

// hasWordPrefix reports whether the normalised text hay contains needle
// starting at a word boundary, so "engineer" finds "engineering" and
// "sales" finds "salesforce" but "cto" still does not find "director".
func hasWordPrefix(hay, needle string) bool {
	return needle != "" && strings.Contains(hay, needle[:len(needle)-1])
}

// SeniorityLevels are the levels a seniority criterion may name, Apollo's
// vocabulary, which Explorium's and free text's spellings are mapped to.
var SeniorityLevels = []string{
	"owner", "founder", "c_suite", "partner", "vp", "head",
	"director", "manager", "senior", "entry", "intern",
}

// seniorityAliases maps normalised spellings to a level of SeniorityLevels.
var seniorityAliases = map[string]string{
	" owner ": "owner", " founder ": "founder", " co founder ": "founder", " cofounder ": "founder",
	" c suite ": "c_suite", " csuite ": "c_suite", " cxo ": "c_suite", " c level ": "c_suite",
	" executive ": "c_suite", " chief ": "c_suite",
	" partner ": "partner", " vp ": "vp", " vice president ": "vp", " svp ": "vp", " evp ": "vp",
	" head ": "head", " director ": "director", " manager ": "manager", " senior ": "senior",
	" entry ": "entry", " entry level ": "entry", " junior ": "entry", " intern ": "intern",
	" internship ": "intern", " training ": "intern",
	// Explorium's levels for people without reports.
	" senior non managerial ": "senior", " non managerial ": "entry",
}

// titleSeniority is the order in which a title's words decide its level
// when no seniority is given: "Founder & CEO" is a founder, as Apollo has it.
var titleSeniority = []struct {
	words []string
	level string
}{
	{[]string{" founder ", " cofounder "}, "founder"},
	{[]string{" owner "}, "owner"},
	{[]string{" chief ", " ceo ", " cto ", " cfo ", " coo ", " cmo ", " cro ", " cio ", " ciso ", " cpo "}, "c_suite"},
	{[]string{" vp ", " vice president ", " svp ", " evp "}, "vp"},
	{[]string{" head "}, "head"},
	{[]string{" director "}, "director"},
	{[]string{" partner "}, "partner"},
	{[]string{" manager "}, "manager"},
	{[]string{" senior ", " sr "}, "senior"},
	{[]string{" intern "}, "intern"},
}

// seniorityOf returns the level of SeniorityLevels a free-form seniority names,
// or "" when it names none.
func seniorityOf(s string) string {
	n := normalize(s)
	if n == "" {
		return ""
	}
	return seniorityAliases[n]
}

// seniorityFromTitle guesses the level from the normalised title; entry is
// never guessed, since a title without a rank says nothing.
func seniorityFromTitle(title string) string {
	for _, ts := range titleSeniority {
		for _, w := range ts.words {
			if strings.Contains(title, w) {
				return ts.level
			}
		}
	}
	return ""
}
