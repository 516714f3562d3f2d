package domain

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// RequestStatus is where a help request stands.
type RequestStatus string

// Request statuses.
const (
	RequestOpen      RequestStatus = "open"
	RequestMatched   RequestStatus = "matched"
	RequestDone      RequestStatus = "done"
	RequestCancelled RequestStatus = "cancelled"
)

// requestTransitions lists the allowed moves: open → matched → done / cancelled;
// a match that falls through sends a request back to open.
var requestTransitions = map[RequestStatus][]RequestStatus{
	RequestOpen:    {RequestMatched, RequestCancelled, RequestDone},
	RequestMatched: {RequestOpen, RequestDone, RequestCancelled},
}

// CanMove reports whether a request may go from one status to another.
func (from RequestStatus) CanMove(to RequestStatus) bool {
	return slices.Contains(requestTransitions[from], to)
}

// IsRequestStatus reports whether s is a known status.
func IsRequestStatus(s RequestStatus) bool {
	switch s {
	case RequestOpen, RequestMatched, RequestDone, RequestCancelled:
		return true
	}
	return false
}

// Lawyer supervises legal help (RDG §6 Abs. 2): unpaid legal services to strangers
// are lawful only under a person qualified to be a judge.
type Lawyer struct {
	Name    string `json:"name"`
	Contact string `json:"contact"`
}

// HelpRequest is a request for help registered by a coordinator or partner. It is
// named so it never sits beside *http.Request under the same name.
type HelpRequest struct {
	ID                      ID
	Tenant                  ID
	Municipality            string // AGS
	PLZ                     string
	Lat, Lon                float64
	Category                string
	Title                   string
	Description             string // sensitive: never logged, shown only to staff
	LanguagesAny            []string
	Slots                   []string
	Date                    string // YYYY-MM-DD, optional
	Time                    string // HH:MM, optional
	Needed                  int
	HoursPerMonth           int // effort asked of each volunteer, counted against their monthly hours
	Priority                int // 0 normal … 3 urgent
	RequiresBackgroundCheck bool
	BeneficiaryRef          string // a pseudonym, never a name
	Lawyer                  *Lawyer
	Status                  RequestStatus
	CreatedBy               ID
	CreatedAt               time.Time
	UpdatedAt               time.Time
}

// Limits of request fields.
const (
	MaxTitleLen       = 120
	MaxDescriptionLen = 2000
	MaxNeeded         = 50
	MaxPriority       = 3
	MaxRefLen         = 40
	// MaxLawyerContactLen bounds the lawyer's contact (phone or email), as the
	// form's maxlength does.
	MaxLawyerContactLen = 200
)

// RequestInput is what a coordinator enters on the request form or sends to
// POST /api/v1/requests. A nil RequiresBackgroundCheck takes the category's default.
type RequestInput struct {
	Category                string   `json:"category"`
	Title                   string   `json:"title"`
	Description             string   `json:"description"`
	Municipality            string   `json:"municipality"`
	PLZ                     string   `json:"plz"`
	LanguagesAny            []string `json:"languages_any"`
	Slots                   []string `json:"slots"`
	Date                    string   `json:"date"`
	Time                    string   `json:"time"`
	Needed                  int      `json:"needed"`
	HoursPerMonth           int      `json:"hours_per_month"` // 0: the category's usual effort
	Priority                int      `json:"priority"`
	RequiresBackgroundCheck *bool    `json:"requires_background_check"`
	BeneficiaryRef          string   `json:"beneficiary_ref"`
	Lawyer                  *Lawyer  `json:"lawyer"`
}

// NeedsBackgroundCheckByDefault reports whether a category involves the kind of
// contact with minors for which an extended Führungszeugnis is inspected (§ 72a SGB VIII).
func NeedsBackgroundCheckByDefault(category string) bool {
	return category == "homework_help" || category == "mentoring"
}

// usualHours is the effort a category usually asks of one volunteer, in hours a
// month: what a coordinator would estimate when the form leaves it open.
var usualHours = map[string]int{
	"housing_search": 6, "legal_help": 4, "job_speed_dating": 3, "authority_accompaniment": 4,
	"language_cafe": 8, "homework_help": 8, "interpreting": 4, "mentoring": 6, "training": 6,
	"event_help": 4, "driving": 4,
}

// UsualHoursPerMonth is the hours a month a request of category usually asks of
// each volunteer; a request that states none counts with these.
func UsualHoursPerMonth(category string) int {
	if h, ok := usualHours[category]; ok {
		return h
	}
	return 4
}

// pseudonymPattern allows letters, digits and - _ . / #: a case number such as
// "WB-2026-0413", not a name with spaces.
var pseudonymPattern = regexp.MustCompile(`^[\p{L}\p{N}\-_./#]+$`)

var (
	datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	timePattern = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)
)

// Clean returns the canonical form of in and its field errors; the caller checks the
// postal code against the gazetteer and the municipality against the tenant.
func (in RequestInput) Clean() (RequestInput, FieldErrors) {
	out := in
	out.Category = strings.TrimSpace(in.Category)
	out.Title = CleanText(in.Title)
	out.Description = strings.TrimSpace(in.Description)
	out.Municipality = strings.TrimSpace(in.Municipality)
	out.PLZ = strings.TrimSpace(in.PLZ)
	out.LanguagesAny = normalizeSet(in.LanguagesAny, Languages)
	out.Slots = normalizeSet(in.Slots, Slots())
	out.Date = strings.TrimSpace(in.Date)
	out.Time = strings.TrimSpace(in.Time)
	out.BeneficiaryRef = strings.TrimSpace(in.BeneficiaryRef)
	if out.HoursPerMonth == 0 {
		out.HoursPerMonth = UsualHoursPerMonth(out.Category)
	}
	if out.RequiresBackgroundCheck == nil {
		v := NeedsBackgroundCheckByDefault(out.Category)
		out.RequiresBackgroundCheck = &v
	}
	if in.Lawyer != nil {
		l := Lawyer{Name: CleanText(in.Lawyer.Name), Contact: CleanText(in.Lawyer.Contact)}
		out.Lawyer = &l
		if l.Name == "" && l.Contact == "" {
			out.Lawyer = nil
		}
	}

	fe := FieldErrors{}
	switch {
	case out.Category == "":
		fe.Add("category", "field.required")
	case !IsSkill(out.Category):
		fe.Add("category", "field.choice.unknown")
	}
	switch n := utf8.RuneCountInString(out.Title); {
	case n == 0:
		fe.Add("title", "field.required")
	case n > MaxTitleLen:
		fe.Add("title", "field.too_long")
	}
	if utf8.RuneCountInString(out.Description) > MaxDescriptionLen {
		fe.Add("description", "field.too_long")
	}
	if out.Municipality == "" {
		fe.Add("municipality", "field.required")
	}
	if out.PLZ == "" {
		fe.Add("plz", "field.required")
	}
	for _, l := range in.LanguagesAny {
		if !IsLanguage(l) {
			fe.Add("languages_any", "field.language.unknown")
		}
	}
	for _, s := range in.Slots {
		if !IsSlot(s) {
			fe.Add("slots", "field.choice.unknown")
		}
	}
	if out.Date != "" {
		if _, err := time.Parse(time.DateOnly, out.Date); err != nil || !datePattern.MatchString(out.Date) {
			fe.Add("date", "field.date.invalid")
		}
	}
	if out.Time != "" && !timePattern.MatchString(out.Time) {
		fe.Add("time", "field.time.invalid")
	}
	if out.Time != "" && out.Date == "" {
		fe.Add("date", "field.date.required_with_time")
	}
	ValidateRange(fe, "needed", out.Needed, 1, MaxNeeded)
	ValidateRange(fe, "hours_per_month", out.HoursPerMonth, 1, MaxHoursMonth)
	ValidateRange(fe, "priority", out.Priority, 0, MaxPriority)
	if out.BeneficiaryRef != "" && (utf8.RuneCountInString(out.BeneficiaryRef) > MaxRefLen || !pseudonymPattern.MatchString(out.BeneficiaryRef)) {
		fe.Add("beneficiary_ref", "field.pseudonym.invalid")
	}
	if out.Category == "legal_help" {
		if out.Lawyer == nil || out.Lawyer.Name == "" {
			fe.Add("lawyer_name", "field.lawyer.required")
		}
		if out.Lawyer == nil || out.Lawyer.Contact == "" {
			fe.Add("lawyer_contact", "field.lawyer.contact_required")
		}
	}
	if out.Lawyer != nil && utf8.RuneCountInString(out.Lawyer.Name) > MaxNameLen {
		fe.Add("lawyer_name", "field.too_long")
	}
	if out.Lawyer != nil && utf8.RuneCountInString(out.Lawyer.Contact) > MaxLawyerContactLen {
		fe.Add("lawyer_contact", "field.too_long")
	}
	return out, fe
}
