package enrichment

import (
	"strings"

	"github.com/google/uuid"
)

// PersonQuery is what the vendors are told about a contact to find it.
type PersonQuery struct {
	ID          uuid.UUID
	Email       string
	FirstName   string
	LastName    string
	CompanyName string
	Domain      string
	LinkedInURL string
}

func (q PersonQuery) fullName() string {
	return strings.TrimSpace(q.FirstName + " " + q.LastName)
}

// Person is what a vendor knows about a contact, in our columns. Stored
// fields fill only what the contact does not have yet.
type Person struct {
	FirstName   string
	LastName    string
	Title       string
	Seniority   string
	Phone       string
	LinkedInURL string
	Country     string
}

// CompanyQuery is what the vendors are told about a company to find it.
type CompanyQuery struct {
	ID     uuid.UUID
	Domain string
	Name   string
}

// Company is what a vendor knows about a company, in our columns. Name
// fills an empty name only; the other fields replace what the company had
// when the vendor gives them.
type Company struct {
	Name          string   `json:"name,omitempty"`
	Industry      string   `json:"industry,omitempty"`
	EmployeeCount *int     `json:"employee_count,omitempty"` // exact count, when the vendor gives one
	EmployeeRange string   `json:"employee_range,omitempty"` // the vendor's band, such as "51-200"
	Country       string   `json:"country,omitempty"`
	Technologies  []string `json:"technologies,omitempty"`
}
