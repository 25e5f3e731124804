package icp

// Explanation is a score as stored with a contact and shown to a user: the
// profile it was scored against, that profile's bar, whether the contact
// clears it, and the Result with one Match per criterion group.
type Explanation struct {
	// Profile is the profile's name when the contact was scored; the id
	// is stored beside it (contacts.icp_profile_id).
	Profile string `json:"profile"`
	// MinScore is the score the profile asks of a good fit.
	MinScore int `json:"min_score"`
	// Qualified says the score reached MinScore with no required group
	// failing: the contact is a fit and is synced to the CRM.
	Qualified bool `json:"qualified"`
	Result
}

// Explain is r as scored against the profile named profile, whose bar is
// minScore.
func Explain(profile string, minScore int, r Result) Explanation {
	return Explanation{
		Profile:   profile,
		MinScore:  minScore,
		Qualified: !r.Disqualified && r.Score >= minScore,
		Result:    r,
	}
}

// Beats reports whether e is a better fit than o, for a contact scored
// against several profiles: a profile the contact qualifies for beats one
// it does not, whatever the numbers (it is the one the contact is synced
// and approached for), then the higher score wins. Equal ones do not beat
// each other, so the first of a stable order is kept.
func (e Explanation) Beats(o Explanation) bool {
	if e.Qualified != o.Qualified {
		return e.Qualified
	}
	return e.Score > o.Score
}
