package vendorsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// explFetchRequest is the body of Explorium's fetch endpoints.
type explFetchRequest struct {
	Mode     string                     `json:"mode"`
	Size     int                        `json:"size"`
	PageSize int                        `json:"page_size"`
	Page     *int                       `json:"page"`
	Filters  *map[string]map[string]any `json:"filters"`
	Exclude  []string                   `json:"exclude"`
}

// explFetchPage is where one fetch page starts and ends in its result set.
type explFetchPage struct {
	seed             uint64
	total, cap       int
	page, pageSize   int
	first, last      int // indices of this page's records: [first, last)
	totalPages       int
	charged          bool
	companySize      []string
	countryCode      []string
	businessIDFilter []string
}

// validate applies Explorium's documented limits. Its two pages disagree:
// the fetch page has page_size ≤ 100 and size ≤ 60,000, the error page
// says size ≤ 100. Both forms are accepted: with page_size given, size is
// the overall cap (≤ 60,000); without it, size is the page size (≤ 100).
func (q *explFetchRequest) validate() ([]explInvalid, explFetchPage) {
	var bad []explInvalid
	p := explFetchPage{page: 1, pageSize: q.PageSize, cap: q.Size, charged: q.Mode != "preview"}
	if q.Filters == nil {
		bad = append(bad, explInvalid{Loc: []any{"body", "filters"}, Msg: "field required", Type: "value_error.missing"})
	}
	if q.Mode != "" && q.Mode != "full" && q.Mode != "preview" {
		bad = append(bad, explInvalid{Loc: []any{"body", "mode"}, Msg: "value is not a valid enumeration member; permitted: 'full', 'preview'", Type: "type_error.enum"})
	}
	if q.Page != nil {
		p.page = *q.Page
		if p.page < 1 {
			bad = append(bad, explInvalid{Loc: []any{"body", "page"}, Msg: "ensure this value is greater than or equal to 1", Type: "value_error.number.not_ge"})
		}
	}
	le := func(field string, limit int) explInvalid {
		return explInvalid{Loc: []any{"body", field}, Msg: fmt.Sprintf("ensure this value is less than or equal to %d", limit), Type: "value_error.number.not_le"}
	}
	switch {
	case q.PageSize > 100:
		bad = append(bad, le("page_size", 100))
	case q.PageSize == 0 && q.Size > 100:
		bad = append(bad, le("size", 100))
	case q.Size > 60000:
		bad = append(bad, le("size", 60000))
	}
	if bad != nil {
		return bad, p
	}
	if p.pageSize == 0 {
		p.pageSize = explOrInt(q.Size, 100)
	}
	canon, _ := json.Marshal(q.Filters) // map keys are sorted: same filters, same seed
	p.seed = Hash(string(canon))
	if p.seed%10 != 0 { // a tenth of the filter sets find nothing
		p.total = 1 + int(p.seed%5000)
	}
	p.cap = min(p.total, explOrInt(p.cap, p.total))
	p.first = min((p.page-1)*p.pageSize, p.cap)
	p.last = min(p.page*p.pageSize, p.cap)
	p.totalPages = (p.cap + p.pageSize - 1) / p.pageSize
	f := *q.Filters
	p.companySize = explValues(f["company_size"])
	p.countryCode = explValues(f["country_code"])
	p.businessIDFilter = explValues(f["business_id"])
	return nil, p
}

func explOrInt(a, b int) int {
	if a > 0 {
		return a
	}
	return b
}

// explValues reads a filter's "values" list of strings.
func explValues(f map[string]any) []string {
	vs, _ := f["values"].([]any)
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (e *Explorium) fetchBusinesses(w http.ResponseWriter, r *http.Request) {
	var req explFetchRequest
	if !e.decode(w, r, &req) {
		return
	}
	bad, p := req.validate()
	if bad != nil {
		e.write422(w, bad...)
		return
	}
	data := make([]map[string]any, 0, p.last-p.first)
	for i := p.first; i < p.last; i++ {
		domain := explPick(explFirstNames, p.seed, 3) + "-" + strconv.FormatUint(p.seed%1000, 10) + "-" + strconv.Itoa(i) + ".example"
		id := explBusinessID(domain)
		e.rememberBusiness(id, domain)
		rec := explFirmographics(id, domain)
		rec["business_id"], rec["domain"] = id, domain
		if len(p.companySize) > 0 {
			rec["number_of_employees_range"] = p.companySize[i%len(p.companySize)]
		}
		if len(p.countryCode) > 0 {
			rec["country_name"] = explCountryName(p.countryCode[i%len(p.countryCode)])
		}
		data = append(data, rec)
	}
	e.writeFetch(w, r, p, data)
}

func (e *Explorium) fetchProspects(w http.ResponseWriter, r *http.Request) {
	var req explFetchRequest
	if !e.decode(w, r, &req) {
		return
	}
	bad, p := req.validate()
	if bad != nil {
		e.write422(w, bad...)
		return
	}
	data := make([]map[string]any, 0, p.last-p.first)
	for i := p.first; i < p.last; i++ {
		id := explProspectID(fmt.Sprintf("fetch:%d:%d", p.seed, i))
		in := &explProspectInput{}
		var businessID any
		if len(p.businessIDFilter) > 0 {
			bid := p.businessIDFilter[i%len(p.businessIDFilter)]
			businessID = bid
			e.mu.Lock()
			in.CompanyName = explTitle(explOr(e.businesses[bid], "company-"+bid+".example"))
			e.mu.Unlock()
		}
		e.rememberProspect(id, in)
		person := explPersonFor(id, in)
		prof := explProfile(person)
		country := prof["country_name"]
		if len(p.countryCode) > 0 {
			country = explCountryName(p.countryCode[i%len(p.countryCode)])
		}
		data = append(data, map[string]any{
			"prospect_id": id, "business_id": businessID, "full_name": prof["full_name"], "job_title": prof["job_title"],
			"company_name": prof["company_name"], "country_name": country, "linkedin": prof["linkedin"],
		})
	}
	e.writeFetch(w, r, p, data)
}

// writeFetch charges one credit per record in full mode and writes the page.
func (e *Explorium) writeFetch(w http.ResponseWriter, r *http.Request, p explFetchPage, data []map[string]any) {
	var cost int64
	if p.charged {
		cost = int64(len(data))
	}
	if !e.charge(w, cost) {
		return
	}
	body := map[string]any{"total_results": p.total, "page": p.page, "total_pages": p.totalPages, "data": data}
	e.ok(w, r, body, explStatus(len(data)), len(data), cost)
}

func explCountryName(code string) string {
	for _, pl := range explPlaces {
		if pl.Code == code {
			return pl.Country
		}
	}
	return code
}
