package campaigns

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// allowedTags are the elements an email body may use: text formatting,
// lists, tables, links and images, what mail clients render. Anything else
// is refused, the dangerous ones (script, style, iframe, object, embed,
// form and its controls, base, link, meta, svg, ...) among them: an
// allowlist stays safe when browsers grow new elements.
var allowedTags = setOf(
	"a", "abbr", "address", "article", "b", "bdi", "bdo", "big", "blockquote", "body", "br",
	"caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt",
	"em", "figcaption", "figure", "font", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "head",
	"header", "hr", "html", "i", "img", "ins", "kbd", "li", "main", "mark", "ol", "p", "pre", "q",
	"s", "samp", "section", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody",
	"td", "tfoot", "th", "thead", "time", "title", "tr", "tt", "u", "ul", "var", "wbr",
)

// urlAttrs hold URLs a mail client may follow or load.
var urlAttrs = setOf("href", "src", "srcset", "background", "cite", "longdesc", "poster",
	"lowsrc", "dynsrc", "action", "formaction", "xlink:href", "data", "usemap")

// deniedAttrs are refused on any element, beyond the on* event handlers.
var deniedAttrs = setOf("srcdoc", "formaction", "action", "http-equiv")

// safeSchemes are the URL schemes a link or image may use; a URL without a
// scheme is relative and safe.
var safeSchemes = setOf("http", "https", "mailto", "tel", "cid")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// scanHTML walks body with the HTML tokenizer, reporting unsafe tags,
// attributes and URLs and variables where no value can go (a tag or
// attribute name, a style, the start of a URL), and sets the context of
// each of refs (body's variables, in order) so rendering escapes its value
// for where it sits.
func scanHTML(body string, refs []varRef, report func(off int, code, msg string)) {
	z := html.NewTokenizer(strings.NewReader(body))
	off, next := 0, 0 // byte offset of the token; index of the first ref not yet placed
	for {
		tt := z.Next()
		raw := z.Raw()
		start, end := off, off+len(raw)
		off = end
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				report(start, CodeInvalidHTML, "the HTML cannot be read: "+z.Err().Error())
			}
			for ; next < len(refs); next++ {
				refs[next].ctx = ctxText
			}
			return
		}
		first := next
		for next < len(refs) && refs[next].start < end {
			next++
		}
		inTag := refs[first:next]
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			checkTag(z, tt, raw, start, inTag, report)
		default: // text, comments, doctypes
			for i := range inTag {
				inTag[i].ctx = ctxText
			}
		}
	}
}

// tagPart is a piece of a tag in source order: its name, then each
// attribute's name and value.
type tagPart struct {
	attr    string // the attribute, "" for the tag name
	isValue bool
	text    string
}

func checkTag(z *html.Tokenizer, tt html.TokenType, raw []byte, start int, refs []varRef, report func(int, string, string)) {
	name, more := z.TagName()
	tag := string(name)
	parts := []tagPart{{text: tag}}
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		parts = append(parts, tagPart{attr: string(k), text: string(k)}, tagPart{attr: string(k), isValue: true, text: string(v)})
	}
	if tt != html.EndTagToken && !allowedTags[tag] {
		report(start, CodeUnsafeTag, fmt.Sprintf("tag <%s> is not allowed in an email body", tag))
	}
	if tt != html.EndTagToken {
		checkAttrs(parts, raw, start, report)
	}
	placeVariables(parts, refs, report)
}

// checkAttrs refuses event handlers, denied attributes, script URLs and
// scripted styles, each reported where its attribute starts.
func checkAttrs(parts []tagPart, raw []byte, start int, report func(int, string, string)) {
	lower := asciiLower(raw)
	cursor := 1 + len(parts[0].text)
	for i := 1; i+1 < len(parts); i += 2 {
		key, val := parts[i].text, parts[i+1].text
		at := start
		if j := bytes.Index(lower[min(cursor, len(lower)):], []byte(key)); j >= 0 && key != "" {
			at = start + cursor + j
			cursor += j + len(key)
			// Skip the value when it follows nearby as written, so a key
			// named inside it is not taken for the next attribute.
			window := raw[cursor:min(len(raw), cursor+len(val)+64)]
			if k := bytes.Index(window, []byte(val)); val != "" && k >= 0 {
				cursor += k + len(val)
			}
		}
		switch {
		case strings.HasPrefix(key, "on"):
			report(at, CodeUnsafeAttribute, fmt.Sprintf("event handler attribute %s is not allowed", key))
		case deniedAttrs[key]:
			report(at, CodeUnsafeAttribute, fmt.Sprintf("attribute %s is not allowed", key))
		case urlAttrs[key]:
			for _, u := range attrURLs(key, val) {
				if !strings.HasPrefix(strings.TrimSpace(u), "{{") && !safeURL(u) {
					report(at, CodeUnsafeURL, fmt.Sprintf("%s=%s uses a scheme other than http, https, mailto, tel or cid", key, excerpt(u)))
					break
				}
			}
		case key == "style" && unsafeStyle(val):
			report(at, CodeUnsafeStyle, "the style can run script (expression, javascript:, behavior, -moz-binding or @import)")
		}
	}
}

// placeVariables matches the tag's variables, in source order, to the part
// each sits in, and reports those that no value may fill. The parts are
// decoded text; when they hold a different number of variables than the raw
// tag (a brace written as a character reference), the tag's variables are
// refused rather than guessed at.
func placeVariables(parts []tagPart, refs []varRef, report func(int, string, string)) {
	if len(refs) == 0 {
		return
	}
	var owners []tagPart
	for _, p := range parts {
		for range scanVariables(p.text, func(int, string, string) {}) {
			owners = append(owners, p)
		}
	}
	if len(owners) != len(refs) {
		for _, r := range refs {
			report(r.start, CodeVariableInMarkup, "variable inside a tag but not inside an attribute value")
		}
		return
	}
	for i, p := range owners {
		r := &refs[i]
		switch {
		case !p.isValue:
			report(r.start, CodeVariableInMarkup, "a variable cannot name a tag or an attribute")
		case strings.HasPrefix(p.attr, "on") || p.attr == "style":
			report(r.start, CodeVariableInMarkup, fmt.Sprintf("a variable cannot go in the %s attribute", p.attr))
		case urlAttrs[p.attr]:
			r.ctx = ctxURL
			for _, u := range attrURLs(p.attr, p.text) {
				if strings.HasPrefix(strings.TrimSpace(u), "{{") {
					report(r.start, CodeVariableURLStart, fmt.Sprintf("the %s URL must start with a literal scheme such as https://, not a variable", p.attr))
					break
				}
			}
		default:
			r.ctx = ctxAttr
		}
	}
}

// attrURLs splits a URL attribute into its URLs: srcset lists several.
func attrURLs(key, val string) []string {
	if key != "srcset" {
		return []string{val}
	}
	var out []string
	for _, c := range strings.Split(val, ",") {
		if f := strings.Fields(c); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}

// safeURL reports whether u is relative or uses a safe scheme, read the way
// a browser reads it: tabs and line breaks anywhere and leading control
// characters and spaces ignored, the scheme case-insensitive (character
// references are already decoded by the tokenizer).
func safeURL(u string) bool {
	u = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, u)
	u = strings.TrimLeft(u, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	colon := strings.IndexByte(u, ':')
	if colon < 0 || strings.ContainsAny(u[:colon], "/?#") {
		return true
	}
	return safeSchemes[strings.ToLower(u[:colon])]
}

// unsafeStyle reports whether a style attribute can run script in some mail
// client, after dropping what CSS ignores or decodes (whitespace, comments,
// backslash escapes).
func unsafeStyle(s string) bool {
	var b strings.Builder
	for rest := strings.ToLower(s); rest != ""; {
		if strings.HasPrefix(rest, "/*") {
			end := strings.Index(rest[2:], "*/")
			if end < 0 {
				break
			}
			rest = rest[2+end+2:]
			continue
		}
		switch c := rest[0]; c {
		case '\\', ' ', '\t', '\n', '\r', '\f':
		default:
			b.WriteByte(c)
		}
		rest = rest[1:]
	}
	s = b.String()
	for _, bad := range []string{"expression(", "javascript:", "vbscript:", "behavior:", "-moz-binding", "@import"} {
		if strings.Contains(s, bad) {
			return true
		}
	}
	return false
}

// asciiLower lower-cases ASCII letters only, so byte offsets stay those of
// the source.
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
