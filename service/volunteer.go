package service

import (
	"context"
	"unicode/utf8"

	"lotse/domain"
	"lotse/store"
)

// staffOnly lets admins and coordinators through; accountants see money, not people.
func staffOnly(sc domain.Scope) error {
	if sc.Role != domain.RoleAdmin && sc.Role != domain.RoleCoordinator {
		return domain.ErrForbidden
	}
	return nil
}

// Volunteer returns a volunteer the scope may see, else ErrNotFound.
func (s *Service) Volunteer(ctx context.Context, sc domain.Scope, id domain.ID) (*domain.Volunteer, error) {
	if err := staffOnly(sc); err != nil {
		return nil, err
	}
	return s.Store.Volunteer(ctx, sc, id)
}

// Volunteers lists the scope's volunteers. Unknown filter values are field errors,
// so a typo in an API query does not silently return everything.
func (s *Service) Volunteers(ctx context.Context, sc domain.Scope, f store.VolunteerFilter) (store.Page[*domain.Volunteer], error) {
	if err := staffOnly(sc); err != nil {
		return store.Page[*domain.Volunteer]{}, err
	}
	fe := domain.FieldErrors{}
	if f.Skill != "" && !domain.IsSkill(f.Skill) {
		fe.Add("skill", "field.choice.unknown")
	}
	if f.Language != "" && !domain.IsLanguage(f.Language) {
		fe.Add("language", "field.language.unknown")
	}
	if f.Status != "" && !domain.IsVolunteerStatus(f.Status) {
		fe.Add("status", "field.choice.unknown")
	}
	if f.Offset < 0 {
		fe.Add("offset", "field.number.min")
	}
	if f.Limit < 0 || f.Limit > store.MaxLimit {
		fe.Add("limit", "field.number.max")
	}
	if err := fe.Err(); err != nil {
		return store.Page[*domain.Volunteer]{}, err
	}
	return s.Store.Volunteers(ctx, sc, f)
}

// VolunteerUpdate is a partial change by staff; nil fields stay. Field names in
// JSON follow the sign-up API.
type VolunteerUpdate struct {
	Name             *string                 `json:"name"`
	Phone            *string                 `json:"phone"`
	PLZ              *string                 `json:"plz"`
	Municipality     *string                 `json:"municipality"`
	RadiusKm         *int                    `json:"radius_km"`
	Transport        *[]string               `json:"transport"`
	Languages        *[]domain.LanguageSkill `json:"languages"`
	Skills           *[]string               `json:"skills"`
	Availability     *[]string               `json:"availability"`
	Capacity         *int                    `json:"capacity"`
	MaxHoursPerMonth *int                    `json:"max_hours_per_month"`
	Neighbouring     *bool                   `json:"neighbouring_municipalities"`
	Status           *domain.VolunteerStatus `json:"status"`
	Notes            *string                 `json:"notes"`
}

// UpdateVolunteer applies u after validating the volunteer as a whole with the
// sign-up rules, so a patch cannot store what the form would refuse.
func (s *Service) UpdateVolunteer(ctx context.Context, sc domain.Scope, id domain.ID, u VolunteerUpdate) (*domain.Volunteer, error) {
	cur, err := s.Volunteer(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	in := domain.SignupInput{
		Name: cur.Name, Email: cur.Email, Phone: cur.Phone, PLZ: cur.PLZ, Municipality: cur.Municipality,
		RadiusKm: cur.RadiusKm, Transport: cur.Transport, Languages: cur.Languages, Skills: cur.Skills,
		Availability: cur.Availability, Capacity: cur.Capacity, MaxHoursPerMonth: cur.MaxHoursPerMonth,
		Neighbouring: cur.Neighbouring, PrivacyConsent: true, Locale: cur.Locale,
	}
	if u.Name != nil {
		in.Name = *u.Name
	}
	if u.Phone != nil {
		in.Phone = *u.Phone
	}
	if u.PLZ != nil {
		in.PLZ = *u.PLZ
	}
	if u.Municipality != nil {
		in.Municipality = *u.Municipality
	}
	if u.RadiusKm != nil {
		in.RadiusKm = *u.RadiusKm
	}
	if u.Transport != nil {
		in.Transport = *u.Transport
	}
	if u.Languages != nil {
		in.Languages = *u.Languages
	}
	if u.Skills != nil {
		in.Skills = *u.Skills
	}
	if u.Availability != nil {
		in.Availability = *u.Availability
	}
	if u.Capacity != nil {
		in.Capacity = *u.Capacity
	}
	if u.MaxHoursPerMonth != nil {
		in.MaxHoursPerMonth = *u.MaxHoursPerMonth
	}
	if u.Neighbouring != nil {
		in.Neighbouring = *u.Neighbouring
	}
	clean, fe := in.Clean()
	if u.Status != nil {
		switch *u.Status {
		case domain.VolunteerInactive, domain.VolunteerFormer:
		case domain.VolunteerActive:
			if cur.ConfirmedAt.IsZero() {
				fe.Add("status", "field.status.unconfirmed")
			}
		default:
			fe.Add("status", "field.choice.unknown")
		}
	}
	if u.Notes != nil && utf8.RuneCountInString(*u.Notes) > domain.MaxNotesLen {
		fe.Add("notes", "field.too_long")
	}
	p := store.VolunteerPatch{
		Name: &clean.Name, Phone: &clean.Phone, RadiusKm: &clean.RadiusKm, Transport: &clean.Transport,
		Languages: &clean.Languages, Skills: &clean.Skills, Availability: &clean.Availability,
		Capacity: &clean.Capacity, MaxHoursPerMonth: &clean.MaxHoursPerMonth, Neighbouring: &clean.Neighbouring,
		Status: u.Status, Notes: u.Notes,
	}
	if u.PLZ != nil || u.Municipality != nil {
		muni := s.homeInTenant(ctx, sc, fe, clean.PLZ, clean.Municipality)
		if place, ok := s.Geo.Lookup(clean.PLZ); ok && muni != "" {
			p.PLZ, p.Municipality, p.Lat, p.Lon = &place.PLZ, &muni, &place.Point.Lat, &place.Point.Lon
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	changed, err := s.Store.UpdateVolunteer(ctx, sc, id, p)
	if err != nil {
		return nil, err
	}
	if len(changed) > 0 {
		s.audit(ctx, sc, "volunteer.update", "volunteer", id, changed)
	}
	return s.Store.Volunteer(ctx, sc, id)
}

// homeInTenant checks that plz belongs to a municipality of the scope's tenant
// that the scope may see, and returns its AGS (ags picks one when the code is
// shared).
func (s *Service) homeInTenant(ctx context.Context, sc domain.Scope, fe domain.FieldErrors, plz, ags string) string {
	place, ok := s.lookupPLZ(fe, "plz", plz)
	if !ok {
		return ""
	}
	t, err := s.Store.Tenant(ctx, sc.Tenant)
	if err != nil {
		fe.Add("plz", "error.internal")
		return ""
	}
	var visible []home
	for _, m := range t.MunicipalitiesForPLZ(place.PLZ) {
		if sc.SeesMunicipality(m.AGS) {
			visible = append(visible, home{t, m})
		}
	}
	h, _ := chooseHome(fe, visible, ags)
	return h.m.AGS
}

// VisibleMunicipalities lists the tenant's municipalities the scope may see, for
// filters and forms.
func (s *Service) VisibleMunicipalities(ctx context.Context, sc domain.Scope) ([]domain.Municipality, error) {
	t, err := s.Store.Tenant(ctx, sc.Tenant)
	if err != nil {
		return nil, err
	}
	var out []domain.Municipality
	for _, m := range t.Municipalities {
		if sc.SeesMunicipality(m.AGS) {
			out = append(out, m)
		}
	}
	return out, nil
}
