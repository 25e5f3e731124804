package spec

import "encoding/json"

// testCatalog is the action catalog the tests validate against: a few of the real actions'
// shapes, written out here so the tests do not depend on the registry.
type testCatalog map[string]ActionSchema

func (c testCatalog) Action(name string) (ActionSchema, bool) {
	a, ok := c[name]
	return a, ok
}

func schema(s string) json.RawMessage { return json.RawMessage(s) }

var catalog = testCatalog{
	"create_icp_profile": {Input: schema(`{
		"type": "object",
		"properties": {
			"market_segment": {
				"type": "object",
				"properties": {"industry": {"type": "string"}, "size": {"type": "string"}},
				"required": ["industry"]
			}
		},
		"required": ["market_segment"],
		"additionalProperties": false
	}`), Output: schema(`{"type": "object"}`)},
	"execute_company_search": {Input: schema(`{
		"type": "object",
		"properties": {
			"icp_profile": {"type": "object"},
			"limit": {"type": "integer", "minimum": 1}
		},
		"required": ["icp_profile"]
	}`)},
	"enrich_contacts": {Input: schema(`{
		"type": "object",
		"properties": {"company": {"type": "object"}, "position": {"type": "integer"}}
	}`)},
	"enroll_in_campaign": {Input: schema(`{
		"type": "object",
		"properties": {"campaign_id": {"type": "string"}, "contacts": {"type": "array"}}
	}`)},
	"send_email": {Input: schema(`{
		"type": "object",
		"properties": {
			"to": {"type": "string"},
			"subject": {"type": "string"},
			"body": {"type": "string"}
		},
		"required": ["to", "subject"]
	}`)},
	"notify": {Input: schema(`{
		"type": "object",
		"properties": {
			"channel": {"type": "string", "enum": ["slack", "email"]},
			"message": {"type": "string"}
		},
		"required": ["message"],
		"additionalProperties": false
	}`)},
	"sync_hubspot": {},
}
