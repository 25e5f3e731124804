package vendorsim

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// hsType is a HubSpot property's type, which decides how search compares it.
type hsType int

const (
	hsString hsType = iota
	hsNumber
	hsDatetime
)

type hsProp struct {
	typ      hsType
	readOnly bool
}

// The properties the fake knows; writing any other is HubSpot's
// PROPERTY_DOESNT_EXIST. external_company_id stands for the custom
// unique-value property VENDORS.md recommends for company upserts.
var (
	hsContactProps = map[string]hsProp{
		"email": {}, "firstname": {}, "lastname": {}, "company": {}, "jobtitle": {}, "phone": {},
		"mobilephone": {}, "website": {}, "city": {}, "state": {}, "country": {}, "zip": {},
		"lifecyclestage": {}, "hs_lead_status": {}, "hs_linkedin_url": {}, "linkedin_url": {},
		"annualrevenue": {typ: hsNumber}, "numemployees": {typ: hsNumber},
		"hs_object_id":     {typ: hsNumber, readOnly: true},
		"createdate":       {typ: hsDatetime, readOnly: true},
		"lastmodifieddate": {typ: hsDatetime, readOnly: true},
	}
	hsCompanyProps = map[string]hsProp{
		"name": {}, "domain": {}, "website": {}, "industry": {}, "phone": {}, "city": {}, "state": {},
		"country": {}, "description": {}, "linkedin_company_page": {}, "external_company_id": {},
		"lifecyclestage": {}, "numberofemployees": {typ: hsNumber}, "annualrevenue": {typ: hsNumber},
		"founded_year":        {typ: hsNumber},
		"hs_object_id":        {typ: hsNumber, readOnly: true},
		"createdate":          {typ: hsDatetime, readOnly: true},
		"hs_lastmodifieddate": {typ: hsDatetime, readOnly: true},
	}
	hsDefaultProps = map[string][]string{
		"contacts":  {"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"},
		"companies": {"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"},
	}
)

type hsObject struct {
	id               string
	props            map[string]string
	created, updated time.Time
}

// hsStore holds one object type with unique-value indexes. The HubSpot
// fake's lock guards it.
type hsStore struct {
	kind   string
	next   uint64
	props  map[string]hsProp
	objs   map[string]*hsObject
	unique map[string]map[string]string // property -> lower-cased value -> id
}

func newHSStore(kind string, firstID uint64, props map[string]hsProp, unique ...string) *hsStore {
	s := &hsStore{kind: kind, next: firstID, props: props, objs: make(map[string]*hsObject), unique: make(map[string]map[string]string)}
	for _, u := range unique {
		s.unique[u] = make(map[string]string)
	}
	return s
}

func (s *hsStore) modifiedProp() string {
	if s.kind == "companies" {
		return "hs_lastmodifieddate"
	}
	return "lastmodifieddate"
}

// isUnique reports whether idProperty can identify objects.
func (s *hsStore) isUnique(idProperty string) bool {
	_, ok := s.unique[idProperty]
	return ok || idProperty == "" || idProperty == "hs_object_id"
}

// lookup finds an object by id or by a unique property's value.
func (s *hsStore) lookup(idProperty, id string) *hsObject {
	if idProperty == "" || idProperty == "hs_object_id" {
		return s.objs[id]
	}
	if oid, ok := s.unique[idProperty][strings.ToLower(id)]; ok {
		return s.objs[oid]
	}
	return nil
}

// owner is the id of the object other than self holding value in a unique
// property, "" when none.
func (s *hsStore) owner(prop, value, self string) string {
	if idx, ok := s.unique[prop]; ok && value != "" {
		if oid := idx[strings.ToLower(value)]; oid != self {
			return oid
		}
	}
	return ""
}

func (s *hsStore) create(props map[string]string, now time.Time) *hsObject {
	s.next++
	o := &hsObject{id: strconv.FormatUint(s.next, 10), props: make(map[string]string), created: now}
	s.objs[o.id] = o
	o.props["hs_object_id"] = o.id
	o.props["createdate"] = hsTime(now)
	s.update(o, props, now)
	return o
}

// update writes props, an empty value clearing the property.
func (s *hsStore) update(o *hsObject, props map[string]string, now time.Time) {
	for k, v := range props {
		if idx, ok := s.unique[k]; ok {
			delete(idx, strings.ToLower(o.props[k]))
			if v != "" {
				idx[strings.ToLower(v)] = o.id
			}
		}
		if v == "" {
			delete(o.props, k)
		} else {
			o.props[k] = v
		}
	}
	o.updated = now
	o.props[s.modifiedProp()] = hsTime(now)
}

// checkProps returns the 400 for unknown or read-only properties, which
// HubSpot refuses for the whole batch.
func (s *hsStore) checkProps(props map[string]string) *hsError {
	var errs []hsErrorDetail
	for _, k := range slices.Sorted(maps.Keys(props)) {
		p, ok := s.props[k]
		switch {
		case !ok:
			errs = append(errs, hsErrorDetail{Message: fmt.Sprintf("Property %q does not exist", k), Code: "PROPERTY_DOESNT_EXIST", Context: map[string][]string{"propertyName": {k}}})
		case p.readOnly:
			errs = append(errs, hsErrorDetail{Message: fmt.Sprintf("%q is a read only property; its value cannot be set.", k), Code: "READ_ONLY_VALUE", Context: map[string][]string{"propertyName": {k}}})
		}
	}
	if errs == nil {
		return nil
	}
	return &hsError{Category: "VALIDATION_ERROR", Message: "Property values were not valid: " + errs[0].Message, Errors: errs}
}

// badValue is the message for a value the property refuses, "" when fine.
func (s *hsStore) badValue(props map[string]string) string {
	for _, k := range slices.Sorted(maps.Keys(props)) {
		v := props[k]
		if v == "" {
			continue
		}
		if k == "email" && !validEmail(v) {
			return fmt.Sprintf("Property values were not valid: Email address %s is invalid", v)
		}
		if s.props[k].typ == hsNumber {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return fmt.Sprintf("Property values were not valid: %s was not a valid number for %s", v, k)
			}
		}
	}
	return ""
}

// view is an object as HubSpot answers it: the requested properties (null
// when unset) or the type's defaults.
func (s *hsStore) view(o *hsObject, props []string) hsObjectJSON {
	if len(props) == 0 {
		props = hsDefaultProps[s.kind]
	}
	out := hsObjectJSON{ID: o.id, Properties: make(map[string]*string, len(props)), CreatedAt: hsTime(o.created), UpdatedAt: hsTime(o.updated)}
	for _, p := range props {
		if v, ok := o.props[p]; ok {
			out.Properties[p] = &v
		} else {
			out.Properties[p] = nil
		}
	}
	return out
}

// written is a write result: the defaults plus every property written.
func (s *hsStore) written(o *hsObject, props map[string]string) hsObjectJSON {
	names := append(slices.Clone(hsDefaultProps[s.kind]), slices.Collect(maps.Keys(props))...)
	slices.Sort(names)
	return s.view(o, slices.Compact(names))
}

// hsObjectJSON is SimplePublicObject (plus the upsert and trace fields).
type hsObjectJSON struct {
	ID                 string             `json:"id"`
	Properties         map[string]*string `json:"properties"`
	CreatedAt          string             `json:"createdAt"`
	UpdatedAt          string             `json:"updatedAt"`
	Archived           bool               `json:"archived"`
	New                *bool              `json:"new,omitempty"`
	ObjectWriteTraceID string             `json:"objectWriteTraceId,omitempty"`
}

func hsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && !strings.ContainsAny(s, " \t<>,;\"") && !strings.Contains(domain, "@") &&
		strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// hsProps converts input property values: HubSpot takes strings, and
// coerces numbers and booleans; objects and arrays are refused.
func hsProps(raw map[string]json.RawMessage) (map[string]string, string) {
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var a any
		if err := json.Unmarshal(v, &a); err != nil {
			return nil, "Invalid input JSON: " + err.Error()
		}
		switch x := a.(type) {
		case string:
			out[k] = x
		case nil:
			out[k] = ""
		case bool:
			out[k] = strconv.FormatBool(x)
		case float64:
			out[k] = strings.TrimSpace(string(v))
		default:
			return nil, fmt.Sprintf("Invalid input JSON: property %q must be a scalar value", k)
		}
	}
	return out, ""
}
