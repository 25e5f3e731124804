package vendorsim

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Markers a prompt can carry to make the AI fakes answer the rarer ways a
// real model answers, so clients can be tested on them without a real model.
const (
	// AnthropicRefusalMarker in the last user message makes the fake
	// Anthropic answer stop_reason "refusal" with no text.
	AnthropicRefusalMarker = "sim:refuse"
	// GeminiBlockMarker in the last user message makes the fake Gemini block
	// the prompt: promptFeedback.blockReason SAFETY and no candidates.
	GeminiBlockMarker = "sim:block"
)

// aiSummaryWords is how many words of the prompt a fake AI answer repeats.
const aiSummaryWords = 12

// AnthropicReply is the text the fake Anthropic answers to prompt (the last
// user message) under system, before any max_tokens or stop-sequence cut:
//
//	[anthropic 1a2b3c4d5e6f7a8b] Re: <the prompt's first 12 words>
//
// The hex is Hash("anthropic", system, prompt), so the answer is the same in
// every run and changes with either input; tests can compute it.
func AnthropicReply(system, prompt string) string { return aiReply("anthropic", system, prompt) }

// GeminiReply is the text the fake Gemini answers, built like
// AnthropicReply with "gemini" as the vendor.
func GeminiReply(system, prompt string) string { return aiReply("gemini", system, prompt) }

func aiReply(vendor, system, prompt string) string {
	return fmt.Sprintf("[%s %016x] Re: %s", vendor, Hash(vendor, system, prompt), aiSummary(prompt, aiSummaryWords))
}

// aiSummary is the first n words of s with runs of white space collapsed.
func aiSummary(s string, n int) string {
	words := strings.Fields(s)
	if len(words) > n {
		return strings.Join(words[:n], " ") + " …"
	}
	return strings.Join(words, " ")
}

// aiTokens estimates the tokens of s the way vendors' own rules of thumb do:
// about four characters a token, at least one for any non-empty text.
func aiTokens(s string) int {
	if s == "" {
		return 0
	}
	return (utf8.RuneCountInString(s) + 3) / 4
}

// aiCut shortens text to at most maxTokens tokens by aiTokens' measure,
// reporting whether it had to; maxTokens ≤ 0 means no cap.
func aiCut(text string, maxTokens int) (string, bool) {
	if maxTokens <= 0 || aiTokens(text) <= maxTokens {
		return text, false
	}
	runes := []rune(text)
	return string(runes[:min(len(runes), maxTokens*4)]), true
}
