package service

import (
	"context"
	"errors"
	"time"

	"lotse/domain"
	"lotse/geo"
)

// Sign-up limits per client address: generous for a family sharing a connection,
// tight for a script.
const (
	SignupWindow = time.Hour
	SignupLimit  = 10
)

// ErrRateLimited answers a client that sent too many forms.
var ErrRateLimited = &domain.Error{Code: domain.ETooMany, Key: "error.too_many"}

// SignUp registers a volunteer as pending and mails a confirmation link. A known
// email answers exactly like a new one (no leak of who is registered); the owner
// gets a mail instead. client is the caller's IP address; it is only hashed.
func (s *Service) SignUp(ctx context.Context, in domain.SignupInput, client string) error {
	ok, err := s.Store.Hit(ctx, "signup", s.keyedHash("ip", client), SignupWindow, SignupLimit)
	if err != nil {
		return err
	}
	if !ok {
		return ErrRateLimited
	}
	clean, fe := in.Clean()
	tenant, muni := s.resolveHome(ctx, fe, clean.PLZ, clean.Municipality)
	if err := fe.Err(); err != nil {
		return err
	}
	place, _ := s.Geo.Lookup(clean.PLZ)
	now := s.Now()
	v := &domain.Volunteer{
		Tenant: tenant.ID, Municipality: muni.AGS, Name: clean.Name, Email: clean.Email,
		Phone: clean.Phone, PLZ: place.PLZ, Lat: place.Point.Lat, Lon: place.Point.Lon,
		RadiusKm: clean.RadiusKm, Transport: clean.Transport, Languages: clean.Languages,
		Skills: clean.Skills, Availability: clean.Availability, Capacity: clean.Capacity,
		MaxHoursPerMonth: clean.MaxHoursPerMonth, Neighbouring: clean.Neighbouring,
		PrivacyVersion: tenant.PrivacyVersion, PrivacyConsentAt: now, Locale: clean.Locale,
		Status: domain.VolunteerPending, CreatedAt: now,
	}
	err = s.Store.CreateVolunteer(ctx, v)
	if errors.Is(err, domain.ErrConflict) {
		return s.signUpAgain(ctx, tenant, clean)
	}
	if err != nil {
		return err
	}
	s.Log.Info("volunteer signed up", "tenant", tenant.ID.Hex(), "volunteer", v.ID.Hex())
	s.audit(ctx, domain.System(tenant.ID), "volunteer.signup", "volunteer", v.ID, []string{"*"})
	return s.sendConfirmation(ctx, v, "confirm:"+v.ID.Hex())
}

// signUpAgain handles a sign-up with an address the tenant knows: a pending
// volunteer gets a fresh confirmation link, an active one a reminder that they are
// registered. At most one such mail per address and day.
func (s *Service) signUpAgain(ctx context.Context, tenant *domain.Tenant, in domain.SignupInput) error {
	id, err := s.Store.VolunteerIDByEmail(ctx, tenant.ID, in.Email)
	if err != nil {
		return err
	}
	v, err := s.Store.Volunteer(ctx, domain.System(tenant.ID), id)
	if err != nil {
		return err
	}
	day := s.Now().Format("2006-01-02")
	if v.Status == domain.VolunteerPending {
		return s.sendConfirmation(ctx, v, "confirm:"+v.ID.Hex()+":"+day)
	}
	return s.queueMail(ctx, v.Tenant, "already_registered:"+v.ID.Hex()+":"+day, v.Email, v.Locale,
		"already_registered", alreadyRegisteredData(v, tenant))
}

func (s *Service) sendConfirmation(ctx context.Context, v *domain.Volunteer, key string) error {
	return s.queueMail(ctx, v.Tenant, key, v.Email, v.Locale, "signup_confirm", s.confirmData(v))
}

// alreadyRegisteredData is what the already_registered mail shows. The mail
// render test uses it too, so a template field it lacks fails that test.
func alreadyRegisteredData(v *domain.Volunteer, tenant *domain.Tenant) map[string]any {
	return map[string]any{"Name": v.Name, "Tenant": tenant.Name}
}

// confirmData is what the signup_confirm mail shows: a confirmation link for v
// that is valid from now for ConfirmTTL.
func (s *Service) confirmData(v *domain.Volunteer) map[string]any {
	exp := s.Now().Add(ConfirmTTL)
	return map[string]any{
		"Name": v.Name, "Link": s.linkURL("/signup/confirm", PurposeConfirm, v.ID, exp),
		"Expires": exp, "Hours": int(ConfirmTTL.Hours()),
	}
}

// resolveHome checks the postal code and finds the tenant and municipality that
// serve it. When several municipalities share the code, the caller must name one.
func (s *Service) resolveHome(ctx context.Context, fe domain.FieldErrors, plz, ags string) (*domain.Tenant, domain.Municipality) {
	place, ok := s.lookupPLZ(fe, "plz", plz)
	if !ok {
		return nil, domain.Municipality{}
	}
	tenants, err := s.Store.Tenants(ctx)
	if err != nil {
		fe.Add("plz", "error.internal")
		return nil, domain.Municipality{}
	}
	var homes []home
	for _, t := range tenants {
		for _, m := range t.MunicipalitiesForPLZ(place.PLZ) {
			homes = append(homes, home{t, m})
		}
	}
	h, _ := chooseHome(fe, homes, ags)
	return h.t, h.m
}

// MunicipalitiesForPLZ lists the municipalities that serve a postal code, so the
// sign-up form can offer a choice when the code is shared.
func (s *Service) MunicipalitiesForPLZ(ctx context.Context, plz string) ([]domain.Municipality, error) {
	code, err := geo.NormalizePLZ(plz)
	if err != nil {
		return nil, nil
	}
	tenants, err := s.Store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	var out []domain.Municipality
	for _, t := range tenants {
		out = append(out, t.MunicipalitiesForPLZ(code)...)
	}
	return out, nil
}

// ConfirmEmail activates the volunteer named by a signed confirmation link. A
// second use of the link returns ErrLinkUsed.
func (s *Service) ConfirmEmail(ctx context.Context, l SignedLink) (*domain.Volunteer, error) {
	id, err := s.verifyLink(PurposeConfirm, l)
	if err != nil {
		return nil, err
	}
	v, err := s.Store.VolunteerForLink(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, err
	}
	switch err := s.Store.ActivateVolunteer(ctx, v.Tenant, v.ID); {
	case errors.Is(err, domain.ErrConflict):
		return v, ErrLinkUsed
	case err != nil:
		return nil, err
	}
	v.Status = domain.VolunteerActive
	s.audit(ctx, domain.System(v.Tenant), "volunteer.confirm", "volunteer", v.ID, []string{"status"})
	return v, nil
}
