package vendorsim

import (
	"encoding/json"
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
	// AIReplyMarker makes both AI fakes answer exactly the text after it,
	// to the end of its line, with each literal \n as a line break
	// ("sim:reply I'm sorry, I cannot help"): a stand-in for a model that
	// answers badly, or obeys text it should have treated as data.
	AIReplyMarker = "sim:reply"
	// AIDataOpen and AIDataClose delimit the JSON data block of a
	// personalisation prompt. A prompt holding one is answered with an
	// opening line built from its "company" and "company_industry"
	// (OpeningLine), as a model asked for one would.
	AIDataOpen  = "<contact_data>"
	AIDataClose = "</contact_data>"
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
	if text, ok := aiScripted(prompt); ok {
		return text
	}
	if line, ok := aiOpeningLine(prompt); ok {
		return line
	}
	return fmt.Sprintf("[%s %016x] Re: %s", vendor, Hash(vendor, system, prompt), aiSummary(prompt, aiSummaryWords))
}

// aiScripted is the text after the first AIReplyMarker of prompt.
func aiScripted(prompt string) (string, bool) {
	i := strings.Index(prompt, AIReplyMarker)
	if i < 0 {
		return "", false
	}
	rest := prompt[i+len(AIReplyMarker):]
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	rest = strings.TrimPrefix(rest, " ")
	return strings.ReplaceAll(rest, `\n`, "\n"), true
}

// OpeningLine is the fake models' opening line for a recipient at company
// in industry (either may be empty).
func OpeningLine(company, industry string) string {
	switch {
	case company != "" && industry != "":
		return fmt.Sprintf("Saw how %s keeps growing in %s, congrats on the momentum.", company, industry)
	case company != "":
		return fmt.Sprintf("Saw how %s keeps growing, congrats on the momentum.", company)
	}
	return "Hope the quarter is off to a strong start."
}

// aiOpeningLine answers a prompt with a data block: the last block's
// JSON, read for its company and industry. Text elsewhere in the data
// (an "instruction" inside an enrichment field) is ignored, as a well
// behaved model would.
func aiOpeningLine(prompt string) (string, bool) {
	open := strings.LastIndex(prompt, AIDataOpen)
	if open < 0 {
		return "", false
	}
	rest := prompt[open+len(AIDataOpen):]
	end := strings.Index(rest, AIDataClose)
	if end < 0 {
		return "", false
	}
	var data struct {
		Company  string `json:"company"`
		Industry string `json:"company_industry"`
	}
	if json.Unmarshal([]byte(rest[:end]), &data) != nil {
		return "", false
	}
	return OpeningLine(strings.TrimSpace(data.Company), strings.TrimSpace(data.Industry)), true
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
