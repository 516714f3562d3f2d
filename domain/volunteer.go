package domain

import (
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// VolunteerStatus is where a volunteer stands.
type VolunteerStatus string

// Volunteer statuses. Only active volunteers are ever matched.
const (
	VolunteerPending  VolunteerStatus = "pending"  // signed up, email not yet confirmed
	VolunteerActive   VolunteerStatus = "active"   // confirmed, may be matched
	VolunteerInactive VolunteerStatus = "inactive" // paused by themselves or a coordinator
	VolunteerFormer   VolunteerStatus = "former"   // left; kept until the retention period ends
)

// IsVolunteerStatus reports whether s is a known status.
func IsVolunteerStatus(s VolunteerStatus) bool {
	switch s {
	case VolunteerPending, VolunteerActive, VolunteerInactive, VolunteerFormer:
		return true
	}
	return false
}

// LanguageSkill is one language a volunteer speaks, with a CEFR level or "native".
type LanguageSkill struct {
	Code  string `json:"code"`
	Level string `json:"level"`
}

// Volunteer is an Ehrenamtliche(r). Personal fields are minimal: what matching and
// contact need, nothing more.
type Volunteer struct {
	ID                ID
	Tenant            ID
	Municipality      string // AGS
	Name              string
	Email             string
	Phone             string
	PLZ               string
	Lat, Lon          float64 // centroid of PLZ
	RadiusKm          int
	Transport         []string
	Languages         []LanguageSkill
	Skills            []string
	Availability      []string
	Capacity          int // concurrent assignments
	MaxHoursPerMonth  int
	Neighbouring      bool // may help in neighbouring municipalities
	PrivacyVersion    string
	PrivacyConsentAt  time.Time
	Locale            string
	Status            VolunteerStatus
	ActiveAssignments int
	HoursCommitted    int              // hours a month of the approved and accepted matches
	PausedUntil       time.Time        // set by the volunteer: not proposed before this instant (UTC); zero when not paused
	BackgroundCheck   *BackgroundCheck // nil: no Führungszeugnis inspected
	// Bank details for refunds: the IBAN (normalised, checked) and the
	// account holder exactly as at the bank, for the payee verification.
	// Never logged; shown masked except to accountants.
	BankIBAN, BankHolder string
	Notes                string // coordinator's note; free text, never logged
	CreatedAt            time.Time
	ConfirmedAt          time.Time
	UpdatedAt            time.Time
}

// Load is how much of what v offers is taken: the larger of the share of their
// capacity and the share of their monthly hours. It exceeds 1 when a limit was
// lowered below what they already carry; with nothing offered it is 1.
func (v *Volunteer) Load() float64 {
	load := 1.0
	if v.Capacity > 0 {
		load = float64(v.ActiveAssignments) / float64(v.Capacity)
	}
	if v.MaxHoursPerMonth > 0 {
		load = max(load, float64(v.HoursCommitted)/float64(v.MaxHoursPerMonth))
	}
	return load
}

// LanguageCodes returns the codes of v's languages.
func (v *Volunteer) LanguageCodes() []string {
	out := make([]string, len(v.Languages))
	for i, l := range v.Languages {
		out[i] = l.Code
	}
	return out
}

// Limits of volunteer fields; the forms show them as hints.
const (
	MaxNameLen     = 100
	MaxRadiusKm    = 100
	MaxCapacity    = 10
	MaxHoursMonth  = 200
	MaxNotesLen    = 2000
	MaxEmailLen    = 254
	maxPhoneDigits = 20
)

// SignupInput is what a volunteer enters on the sign-up form or sends to
// POST /api/v1/signup. Field names match the API.
type SignupInput struct {
	Name             string          `json:"name"`
	Email            string          `json:"email"`
	Phone            string          `json:"phone"`
	PLZ              string          `json:"plz"`
	Municipality     string          `json:"municipality"` // AGS, only needed when the PLZ is shared
	RadiusKm         int             `json:"radius_km"`
	Transport        []string        `json:"transport"`
	Languages        []LanguageSkill `json:"languages"`
	Skills           []string        `json:"skills"`
	Availability     []string        `json:"availability"`
	Capacity         int             `json:"capacity"`
	MaxHoursPerMonth int             `json:"max_hours_per_month"`
	Neighbouring     bool            `json:"neighbouring_municipalities"`
	PrivacyConsent   bool            `json:"privacy_consent"`
	Locale           string          `json:"locale"`
}

// Clean returns the canonical form of in (trimmed, lower-case email, vocabulary
// lists sorted and deduplicated, default locale) and the field errors of everything
// that needs no outside data; the caller checks the postal code against the
// gazetteer.
func (in SignupInput) Clean() (SignupInput, FieldErrors) {
	out := in
	out.Name = CleanText(in.Name)
	out.Email = strings.ToLower(strings.TrimSpace(in.Email))
	out.Phone = strings.TrimSpace(in.Phone)
	out.PLZ = strings.TrimSpace(in.PLZ)
	out.Municipality = strings.TrimSpace(in.Municipality)
	out.Transport = normalizeSet(in.Transport, TransportModes)
	out.Skills = normalizeSet(in.Skills, Skills)
	out.Availability = normalizeSet(in.Availability, Slots())
	out.Locale = strings.TrimSpace(in.Locale)
	if out.Locale == "" {
		out.Locale = "de"
	}

	fe := FieldErrors{}
	ValidateName(fe, "name", out.Name)
	ValidateEmail(fe, "email", out.Email)
	ValidatePhone(fe, "phone", out.Phone)
	if out.PLZ == "" {
		fe.Add("plz", "field.required")
	}
	ValidateRange(fe, "radius_km", out.RadiusKm, 1, MaxRadiusKm)
	ValidateLanguages(fe, "languages", out.Languages)
	// Unknown entries are dropped from the clean lists; check the raw input so the
	// user learns about them instead of losing them silently.
	checkVocab(fe, "transport", in.Transport, out.Transport, IsTransport)
	checkVocab(fe, "skills", in.Skills, out.Skills, IsSkill)
	checkVocab(fe, "availability", in.Availability, out.Availability, IsSlot)
	ValidateRange(fe, "capacity", out.Capacity, 1, MaxCapacity)
	ValidateRange(fe, "max_hours_per_month", out.MaxHoursPerMonth, 1, MaxHoursMonth)
	if !out.PrivacyConsent {
		fe.Add("privacy_consent", "field.privacy.required")
	}
	if !IsLocale(out.Locale) {
		fe.Add("locale", "field.choice.unknown")
	}
	return out, fe
}

// Paused reports whether the volunteer has paused themselves at now, so the
// engine must not propose them.
func (v *Volunteer) Paused(now time.Time) bool { return v.PausedUntil.After(now) }

// MaxPauseDays is how far ahead a volunteer may pause themselves.
const MaxPauseDays = 365

// ProfileInput is what a volunteer may change about themselves in the portal:
// when and how far they help, how much, and in which language Lotse writes.
// Field names match the sign-up's.
type ProfileInput struct {
	RadiusKm         int
	Transport        []string
	Availability     []string
	Capacity         int
	MaxHoursPerMonth int
	Neighbouring     bool
	Locale           string
}

// Clean returns the canonical form of in and its field errors, with the
// sign-up's rules for each field. active and hours are the assignments and
// the hours a month the volunteer holds now: the limits may not drop below them.
func (in ProfileInput) Clean(active, hours int) (ProfileInput, FieldErrors) {
	out := in
	out.Transport = normalizeSet(in.Transport, TransportModes)
	out.Availability = normalizeSet(in.Availability, Slots())
	out.Locale = strings.TrimSpace(in.Locale)
	fe := FieldErrors{}
	ValidateRange(fe, "radius_km", out.RadiusKm, 1, MaxRadiusKm)
	checkVocab(fe, "transport", in.Transport, out.Transport, IsTransport)
	checkVocab(fe, "availability", in.Availability, out.Availability, IsSlot)
	ValidateRange(fe, "capacity", out.Capacity, 1, MaxCapacity)
	if out.Capacity < active {
		fe.Add("capacity", "field.capacity.below_active")
	}
	ValidateRange(fe, "max_hours_per_month", out.MaxHoursPerMonth, 1, MaxHoursMonth)
	if out.MaxHoursPerMonth < hours {
		fe.Add("max_hours_per_month", "field.hours.below_committed")
	}
	if !IsLocale(out.Locale) {
		fe.Add("locale", "field.choice.unknown")
	}
	return out, fe
}

// ValidateRange checks lo <= n <= hi; the message keys carry the bound as a
// parameter name the templates fill in.
func ValidateRange(fe FieldErrors, field string, n, lo, hi int) {
	switch {
	case n < lo:
		fe.Add(field, "field.number.min")
	case n > hi:
		fe.Add(field, "field.number.max")
	}
}

// checkVocab requires at least one entry and rejects unknown ones.
func checkVocab(fe FieldErrors, field string, raw, clean []string, ok func(string) bool) {
	for _, r := range raw {
		if !ok(r) {
			fe.Add(field, "field.choice.unknown")
			return
		}
	}
	if len(clean) == 0 {
		fe.Add(field, "field.choose_one")
	}
}

// ValidateName checks a person's name: present, not too long, printable.
func ValidateName(fe FieldErrors, field, s string) {
	switch {
	case s == "":
		fe.Add(field, "field.required")
	case utf8.RuneCountInString(s) > MaxNameLen:
		fe.Add(field, "field.too_long")
	case utf8.RuneCountInString(s) < 2:
		fe.Add(field, "field.too_short")
	}
}

// ValidateEmail checks a bare address (no display name) of sane length.
func ValidateEmail(fe FieldErrors, field, s string) {
	if s == "" {
		fe.Add(field, "field.required")
		return
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > MaxEmailLen || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		fe.Add(field, "field.email.invalid")
	}
}

// ValidatePhone accepts an optional number with digits, spaces, + - / ( ).
func ValidatePhone(fe FieldErrors, field, s string) {
	if s == "" {
		return
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-/()", r):
		default:
			fe.Add(field, "field.phone.invalid")
			return
		}
	}
	if digits < 5 || digits > maxPhoneDigits {
		fe.Add(field, "field.phone.invalid")
	}
}

// ValidateLanguages requires at least one language, known codes and levels, no
// code twice.
func ValidateLanguages(fe FieldErrors, field string, ls []LanguageSkill) {
	if len(ls) == 0 {
		fe.Add(field, "field.languages.required")
		return
	}
	seen := map[string]bool{}
	for _, l := range ls {
		switch {
		case !IsLanguage(l.Code):
			fe.Add(field, "field.language.unknown")
		case !IsLanguageLevel(l.Level):
			fe.Add(field, "field.language.level")
		case seen[l.Code]:
			fe.Add(field, "field.language.twice")
		}
		seen[l.Code] = true
	}
}

// CleanText trims, collapses inner whitespace runs to one space and removes control
// characters, so names and titles cannot carry line breaks into mails or exports.
func CleanText(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r) || r == utf8.RuneError:
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// BackgroundCheck records the inspection of a volunteer's extended
// Führungszeugnis. § 72a Abs. 5 SGB VIII allows only these facts: that it was
// inspected, the certificate's date, and whether it shows a conviction that
// rules the person out; never a copy or its content.
type BackgroundCheck struct {
	InspectedOn     string // YYYY-MM-DD
	CertificateDate string // YYYY-MM-DD, the date the certificate was issued
	Suitable        bool   // no relevant conviction
	InspectedBy     ID
	RecheckDue      string // YYYY-MM-DD: a new certificate is needed from this day on
}

// Background check rules of practice (domain-de.md §5): a certificate counts
// when it is at most three months old at the inspection, and is renewed after
// five years.
const (
	BackgroundCheckMaxAgeMonths = 3
	BackgroundCheckValidYears   = 5
)

// ValidUntil returns the last day the check allows work with minors, "" when
// it does not.
func (b *BackgroundCheck) ValidUntil() string {
	if b == nil || !b.Suitable {
		return ""
	}
	due, err := time.Parse(time.DateOnly, b.RecheckDue)
	if err != nil {
		return ""
	}
	return due.AddDate(0, 0, -1).Format(time.DateOnly)
}

// BackgroundCheckInput is what a coordinator enters after inspecting a
// certificate.
type BackgroundCheckInput struct {
	CertificateDate string `json:"certificate_date"`
	InspectedOn     string `json:"inspected_on"` // empty: today
	Suitable        *bool  `json:"suitable"`
}

// Check validates in against today (YYYY-MM-DD, Berlin) and returns the record
// to store, without InspectedBy.
func (in BackgroundCheckInput) Check(today string) (BackgroundCheck, FieldErrors) {
	fe := FieldErrors{}
	b := BackgroundCheck{CertificateDate: strings.TrimSpace(in.CertificateDate), InspectedOn: strings.TrimSpace(in.InspectedOn)}
	if b.InspectedOn == "" {
		b.InspectedOn = today
	}
	cert, certErr := parseDay(b.CertificateDate)
	insp, inspErr := parseDay(b.InspectedOn)
	switch {
	case b.CertificateDate == "":
		fe.Add("certificate_date", "field.required")
	case certErr != nil:
		fe.Add("certificate_date", "field.date.invalid")
	case b.CertificateDate > today:
		fe.Add("certificate_date", "field.date.future")
	}
	switch {
	case inspErr != nil:
		fe.Add("inspected_on", "field.date.invalid")
	case b.InspectedOn > today:
		fe.Add("inspected_on", "field.date.future")
	case certErr == nil && b.InspectedOn < b.CertificateDate:
		fe.Add("inspected_on", "field.inspection.before_certificate")
	case certErr == nil && cert.Before(insp.AddDate(0, -BackgroundCheckMaxAgeMonths, 0)):
		fe.Add("certificate_date", "field.certificate.too_old")
	}
	if in.Suitable == nil {
		fe.Add("suitable", "field.required")
	} else {
		b.Suitable = *in.Suitable
	}
	if certErr == nil {
		b.RecheckDue = cert.AddDate(BackgroundCheckValidYears, 0, 0).Format(time.DateOnly)
	}
	return b, fe
}

func parseDay(s string) (time.Time, error) {
	if !datePattern.MatchString(s) {
		return time.Time{}, errBadDate
	}
	return time.Parse(time.DateOnly, s)
}

var errBadDate = errors.New("not a date")
