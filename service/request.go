package service

import (
	"context"
	"slices"

	"lotse/domain"
	"lotse/geo"
	"lotse/store"
)

// RegisterRequest validates a help request entered by staff and stores it as open
// in the scope's tenant. Only admins and coordinators may register requests
// (ErrForbidden otherwise); the municipality must be one of the tenant's that the
// scope may see, and the postal code must exist (and belong to the municipality
// when the tenant lists its codes). Invalid input is an EInvalid error with one
// message key per field, and nothing is written.
func (s *Service) RegisterRequest(ctx context.Context, sc domain.Scope, in domain.RequestInput) (*domain.HelpRequest, error) {
	if err := staffOnly(sc); err != nil {
		return nil, err
	}
	clean, fe := in.Clean()
	place, err := s.requestPlace(ctx, sc, fe, clean.PLZ, clean.Municipality)
	if err != nil {
		return nil, err
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	r := &domain.HelpRequest{
		Tenant: sc.Tenant, Municipality: clean.Municipality, PLZ: place.PLZ,
		Lat: place.Point.Lat, Lon: place.Point.Lon,
		Category: clean.Category, Title: clean.Title, Description: clean.Description,
		LanguagesAny: clean.LanguagesAny, Slots: clean.Slots, Date: clean.Date, Time: clean.Time,
		Needed: clean.Needed, HoursPerMonth: clean.HoursPerMonth, Priority: clean.Priority,
		RequiresBackgroundCheck: *clean.RequiresBackgroundCheck,
		BeneficiaryRef:          clean.BeneficiaryRef, Lawyer: clean.Lawyer,
		Status: domain.RequestOpen, CreatedBy: sc.User, CreatedAt: s.Now(),
	}
	if err := s.Store.CreateRequest(ctx, sc, r); err != nil {
		return nil, err
	}
	s.Log.Info("request registered", "tenant", sc.Tenant.Hex(), "request", r.ID.Hex(), "user", sc.User.Hex())
	s.audit(ctx, sc, "request.create", "request", r.ID, []string{"*"})
	s.Repropose(sc.Tenant, r.Municipality)
	return r, nil
}

// requestPlace checks the postal code against the gazetteer and the municipality
// against the scope's tenant, adding field errors to fe, and returns the postal
// code's place. An error is returned only when the tenant cannot be read.
func (s *Service) requestPlace(ctx context.Context, sc domain.Scope, fe domain.FieldErrors, plz, ags string) (geo.Place, error) {
	place, _ := s.lookupPLZ(fe, "plz", plz)
	if _, bad := fe["municipality"]; bad {
		return place, nil
	}
	t, err := s.Store.Tenant(ctx, sc.Tenant)
	if err != nil {
		return place, err
	}
	// One message for "not in this tenant" and "not yours", so a coordinator
	// learns nothing about other tenants' codes.
	m, ok := t.Municipality(ags)
	if !ok || !sc.SeesMunicipality(ags) {
		fe.Add("municipality", "field.municipality.not_yours")
		return place, nil
	}
	if place.PLZ != "" && len(m.PLZ) > 0 && !slices.Contains(m.PLZ, place.PLZ) {
		fe.Add("plz", "field.plz.not_in_municipality")
	}
	return place, nil
}

// Request returns a help request the scope may see, else ErrNotFound (also for
// another tenant's). Accountants get ErrForbidden.
func (s *Service) Request(ctx context.Context, sc domain.Scope, id domain.ID) (*domain.HelpRequest, error) {
	if err := staffOnly(sc); err != nil {
		return nil, err
	}
	return s.Store.Request(ctx, sc, id)
}

// Requests lists the scope's help requests, newest first. Unknown filter values
// are field errors, so a typo in an API query does not silently return everything.
func (s *Service) Requests(ctx context.Context, sc domain.Scope, f store.RequestFilter) (store.Page[*domain.HelpRequest], error) {
	if err := staffOnly(sc); err != nil {
		return store.Page[*domain.HelpRequest]{}, err
	}
	fe := domain.FieldErrors{}
	if f.Category != "" && !domain.IsSkill(f.Category) {
		fe.Add("category", "field.choice.unknown")
	}
	if f.Language != "" && !domain.IsLanguage(f.Language) {
		fe.Add("language", "field.language.unknown")
	}
	if f.Status != "" && !domain.IsRequestStatus(f.Status) {
		fe.Add("status", "field.choice.unknown")
	}
	if f.Offset < 0 {
		fe.Add("offset", "field.number.min")
	}
	switch {
	case f.Limit < 0:
		fe.Add("limit", "field.number.min")
	case f.Limit > store.MaxLimit:
		fe.Add("limit", "field.number.max")
	}
	if err := fe.Err(); err != nil {
		return store.Page[*domain.HelpRequest]{}, err
	}
	return s.Store.Requests(ctx, sc, f)
}

// RequestPatchInput is a partial change of a help request by staff; nil fields
// stay as they are. JSON names follow POST /api/v1/requests.
type RequestPatchInput struct {
	Category      *string   `json:"category"`
	Title         *string   `json:"title"`
	Description   *string   `json:"description"`
	Municipality  *string   `json:"municipality"`
	PLZ           *string   `json:"plz"`
	LanguagesAny  *[]string `json:"languages_any"`
	Slots         *[]string `json:"slots"`
	Date          *string   `json:"date"`
	Time          *string   `json:"time"`
	Needed        *int      `json:"needed"`
	HoursPerMonth *int      `json:"hours_per_month"`
	Priority      *int      `json:"priority"`
	// RequiresBackgroundCheck sets the flag. When it is nil and Category changes,
	// the new category's default applies.
	RequiresBackgroundCheck *bool   `json:"requires_background_check"`
	BeneficiaryRef          *string `json:"beneficiary_ref"`
	// Lawyer replaces the supervising lawyer; a zero Lawyer removes it.
	Lawyer *domain.Lawyer        `json:"lawyer"`
	Status *domain.RequestStatus `json:"status"`
}

// UpdateRequest applies in to a help request. The patched request is validated
// as a whole with the rules of RegisterRequest, so a patch cannot store what the
// form would refuse (e.g. legal_help without a supervising lawyer). A status
// change must be allowed by domain.RequestStatus.CanMove. Done and cancelled
// requests keep their content (EConflict "request.closed"). It returns the
// request as stored afterwards; EInvalid with field keys when the input is
// invalid (nothing is written), ErrNotFound outside the scope, and ErrConflict
// when someone else changed the request meanwhile.
func (s *Service) UpdateRequest(ctx context.Context, sc domain.Scope, id domain.ID, in RequestPatchInput) (*domain.HelpRequest, error) {
	if err := staffOnly(sc); err != nil {
		return nil, err
	}
	cur, err := s.Store.Request(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	clean, fe := in.apply(cur).Clean()
	place, err := s.requestPlace(ctx, sc, fe, clean.PLZ, clean.Municipality)
	if err != nil {
		return nil, err
	}
	to := cur.Status
	if in.Status != nil && *in.Status != cur.Status {
		switch {
		case !domain.IsRequestStatus(*in.Status):
			fe.Add("status", "field.choice.unknown")
		case !cur.Status.CanMove(*in.Status):
			fe.Add("status", "field.status.transition")
		default:
			to = *in.Status
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	p, edits := requestPatch(cur, clean, place)
	if edits && (cur.Status == domain.RequestDone || cur.Status == domain.RequestCancelled) {
		return nil, domain.Conflict("request.closed")
	}
	var changed []string
	if edits {
		// Base makes the store refuse the edit if the request changed since it was
		// validated above.
		p.Base = cur
		if changed, err = s.Store.UpdateRequest(ctx, sc, id, p); err != nil {
			return nil, err
		}
	}
	if to != cur.Status {
		if err := s.Store.SetRequestStatus(ctx, sc, id, cur.Status, to); err != nil {
			// The edit above stands even though the status move lost a race.
			if len(changed) > 0 {
				s.audit(ctx, sc, "request.update", "request", id, changed)
			}
			return nil, err
		}
		changed = append(changed, "status")
	}
	if len(changed) > 0 {
		s.audit(ctx, sc, "request.update", "request", id, changed)
	}
	if to == domain.RequestCancelled || to == domain.RequestDone {
		if err := s.closeMatches(ctx, sc, id, to); err != nil {
			return nil, err
		}
	}
	if len(changed) > 0 {
		// The change may open or close places, or free volunteers proposed here.
		s.Repropose(sc.Tenant, cur.Municipality)
		if p.Municipality != nil && *p.Municipality != cur.Municipality {
			s.Repropose(sc.Tenant, *p.Municipality)
		}
	}
	return s.Store.Request(ctx, sc, id)
}

// apply returns the input that cur would be with the patch applied.
func (in RequestPatchInput) apply(cur *domain.HelpRequest) domain.RequestInput {
	bg := cur.RequiresBackgroundCheck
	out := domain.RequestInput{
		Category: cur.Category, Title: cur.Title, Description: cur.Description,
		Municipality: cur.Municipality, PLZ: cur.PLZ,
		LanguagesAny: slices.Clone(cur.LanguagesAny), Slots: slices.Clone(cur.Slots),
		Date: cur.Date, Time: cur.Time, Needed: cur.Needed, HoursPerMonth: cur.HoursPerMonth, Priority: cur.Priority,
		RequiresBackgroundCheck: &bg, BeneficiaryRef: cur.BeneficiaryRef,
	}
	if cur.Lawyer != nil {
		l := *cur.Lawyer
		out.Lawyer = &l
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&out.Category, in.Category)
	set(&out.Title, in.Title)
	set(&out.Description, in.Description)
	set(&out.Municipality, in.Municipality)
	set(&out.PLZ, in.PLZ)
	set(&out.Date, in.Date)
	set(&out.Time, in.Time)
	set(&out.BeneficiaryRef, in.BeneficiaryRef)
	if in.LanguagesAny != nil {
		out.LanguagesAny = *in.LanguagesAny
	}
	if in.Slots != nil {
		out.Slots = *in.Slots
	}
	if in.Needed != nil {
		out.Needed = *in.Needed
	}
	if in.Priority != nil {
		out.Priority = *in.Priority
	}
	if in.HoursPerMonth != nil {
		out.HoursPerMonth = *in.HoursPerMonth
	}
	switch {
	case in.RequiresBackgroundCheck != nil:
		out.RequiresBackgroundCheck = in.RequiresBackgroundCheck
	case in.Category != nil && *in.Category != cur.Category:
		out.RequiresBackgroundCheck = nil // the new category's default
	}
	if in.Lawyer != nil {
		out.Lawyer = in.Lawyer // Clean turns an empty lawyer into none
	}
	return out
}

// requestPatch returns the store patch that turns cur into clean, and whether
// anything changes at all.
func requestPatch(cur *domain.HelpRequest, clean domain.RequestInput, place geo.Place) (store.RequestPatch, bool) {
	var p store.RequestPatch
	edits := false
	str := func(dst **string, next, old string) {
		if next != old {
			*dst, edits = &next, true
		}
	}
	num := func(dst **int, next, old int) {
		if next != old {
			*dst, edits = &next, true
		}
	}
	list := func(dst **[]string, next, old []string) {
		if !slices.Equal(next, old) {
			*dst, edits = &next, true
		}
	}
	str(&p.Category, clean.Category, cur.Category)
	str(&p.Title, clean.Title, cur.Title)
	str(&p.Description, clean.Description, cur.Description)
	str(&p.Municipality, clean.Municipality, cur.Municipality)
	if place.PLZ != cur.PLZ {
		p.PLZ, p.Lat, p.Lon, edits = &place.PLZ, &place.Point.Lat, &place.Point.Lon, true
	}
	list(&p.LanguagesAny, clean.LanguagesAny, cur.LanguagesAny)
	list(&p.Slots, clean.Slots, cur.Slots)
	str(&p.Date, clean.Date, cur.Date)
	str(&p.Time, clean.Time, cur.Time)
	num(&p.Needed, clean.Needed, cur.Needed)
	num(&p.HoursPerMonth, clean.HoursPerMonth, cur.HoursPerMonth)
	num(&p.Priority, clean.Priority, cur.Priority)
	if bg := *clean.RequiresBackgroundCheck; bg != cur.RequiresBackgroundCheck {
		p.RequiresBackgroundCheck, edits = &bg, true
	}
	str(&p.BeneficiaryRef, clean.BeneficiaryRef, cur.BeneficiaryRef)
	switch next := clean.Lawyer; {
	case next == nil && cur.Lawyer != nil:
		p.Lawyer, edits = &domain.Lawyer{}, true
	case next != nil && (cur.Lawyer == nil || *next != *cur.Lawyer):
		p.Lawyer, edits = next, true
	}
	return p, edits
}
