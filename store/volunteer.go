package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"lotse/domain"
)

type languageDoc struct {
	Code  string `bson:"code"`
	Level string `bson:"level"`
}

type volunteerDoc struct {
	ID                bson.ObjectID `bson:"_id"`
	TenantID          bson.ObjectID `bson:"tenant_id"`
	Municipality      string        `bson:"municipality"`
	Name              string        `bson:"name"`
	Email             string        `bson:"email"`
	Phone             string        `bson:"phone,omitempty"`
	PLZ               string        `bson:"plz"`
	Lat               float64       `bson:"lat"`
	Lon               float64       `bson:"lon"`
	RadiusKm          int           `bson:"radius_km"`
	Transport         []string      `bson:"transport"`
	Languages         []languageDoc `bson:"languages"`
	Skills            []string      `bson:"skills"`
	Availability      []string      `bson:"availability"`
	Capacity          int           `bson:"capacity"`
	MaxHoursPerMonth  int           `bson:"max_hours_per_month"`
	Neighbouring      bool          `bson:"neighbouring"`
	PrivacyVersion    string        `bson:"privacy_version"`
	PrivacyConsentAt  time.Time     `bson:"privacy_consent_at"`
	Locale            string        `bson:"locale"`
	Status            string        `bson:"status"`
	ActiveAssignments int           `bson:"active_assignments"`
	HoursCommitted    int           `bson:"hours_committed"`
	PausedUntil       time.Time     `bson:"paused_until,omitempty"`
	BackgroundCheck   *bgCheckDoc   `bson:"background_check,omitempty"`
	BankIBAN          string        `bson:"bank_iban,omitempty"`
	BankHolder        string        `bson:"bank_holder,omitempty"`
	Notes             string        `bson:"notes,omitempty"`
	CreatedAt         time.Time     `bson:"created_at"`
	ConfirmedAt       time.Time     `bson:"confirmed_at,omitempty"`
	UpdatedAt         time.Time     `bson:"updated_at"`
}

// bgCheckDoc is the inspection record of a Führungszeugnis: facts, no copy.
type bgCheckDoc struct {
	InspectedOn     string        `bson:"inspected_on"`
	CertificateDate string        `bson:"certificate_date"`
	Suitable        bool          `bson:"suitable"`
	InspectedBy     bson.ObjectID `bson:"inspected_by"`
	RecheckDue      string        `bson:"recheck_due"`
}

func bgCheckToDoc(b *domain.BackgroundCheck) *bgCheckDoc {
	if b == nil {
		return nil
	}
	return &bgCheckDoc{InspectedOn: b.InspectedOn, CertificateDate: b.CertificateDate, Suitable: b.Suitable,
		InspectedBy: oid(b.InspectedBy), RecheckDue: b.RecheckDue}
}

func (d *bgCheckDoc) domain() *domain.BackgroundCheck {
	if d == nil {
		return nil
	}
	return &domain.BackgroundCheck{InspectedOn: d.InspectedOn, CertificateDate: d.CertificateDate, Suitable: d.Suitable,
		InspectedBy: did(d.InspectedBy), RecheckDue: d.RecheckDue}
}

// SetBackgroundCheck stores the inspection record of a volunteer of the
// tenant, or removes it when b is nil.
func (s *Store) SetBackgroundCheck(ctx context.Context, tenant, id domain.ID, b *domain.BackgroundCheck) error {
	update := bson.D{{Key: "$unset", Value: bson.D{{Key: "background_check", Value: ""}}},
		{Key: "$set", Value: bson.D{{Key: "updated_at", Value: s.now()}}}}
	if b != nil {
		update = bson.D{{Key: "$set", Value: bson.D{{Key: "background_check", Value: bgCheckToDoc(b)}, {Key: "updated_at", Value: s.now()}}}}
	}
	return s.updateGuarded(ctx, s.volunteers, oid(id), tenant, nil, update)
}

func volunteerToDoc(v *domain.Volunteer) volunteerDoc {
	d := volunteerDoc{
		ID: oid(v.ID), TenantID: oid(v.Tenant), Municipality: v.Municipality,
		Name: v.Name, Email: v.Email, Phone: v.Phone, PLZ: v.PLZ, Lat: v.Lat, Lon: v.Lon,
		RadiusKm: v.RadiusKm, Transport: v.Transport, Skills: v.Skills, Availability: v.Availability,
		Capacity: v.Capacity, MaxHoursPerMonth: v.MaxHoursPerMonth, Neighbouring: v.Neighbouring,
		PrivacyVersion: v.PrivacyVersion, PrivacyConsentAt: v.PrivacyConsentAt, Locale: v.Locale,
		Status: string(v.Status), ActiveAssignments: v.ActiveAssignments, HoursCommitted: v.HoursCommitted, PausedUntil: v.PausedUntil, BackgroundCheck: bgCheckToDoc(v.BackgroundCheck),
		BankIBAN: v.BankIBAN, BankHolder: v.BankHolder, Notes: v.Notes,
		CreatedAt: v.CreatedAt, ConfirmedAt: v.ConfirmedAt, UpdatedAt: v.UpdatedAt,
	}
	for _, l := range v.Languages {
		d.Languages = append(d.Languages, languageDoc(l))
	}
	return d
}

func (d *volunteerDoc) domain() *domain.Volunteer {
	v := &domain.Volunteer{
		ID: did(d.ID), Tenant: did(d.TenantID), Municipality: d.Municipality,
		Name: d.Name, Email: d.Email, Phone: d.Phone, PLZ: d.PLZ, Lat: d.Lat, Lon: d.Lon,
		RadiusKm: d.RadiusKm, Transport: d.Transport, Skills: d.Skills, Availability: d.Availability,
		Capacity: d.Capacity, MaxHoursPerMonth: d.MaxHoursPerMonth, Neighbouring: d.Neighbouring,
		PrivacyVersion: d.PrivacyVersion, PrivacyConsentAt: d.PrivacyConsentAt, Locale: d.Locale,
		Status: domain.VolunteerStatus(d.Status), ActiveAssignments: d.ActiveAssignments, HoursCommitted: d.HoursCommitted, PausedUntil: d.PausedUntil.UTC(), BackgroundCheck: d.BackgroundCheck.domain(),
		BankIBAN: d.BankIBAN, BankHolder: d.BankHolder, Notes: d.Notes,
		CreatedAt: d.CreatedAt, ConfirmedAt: d.ConfirmedAt, UpdatedAt: d.UpdatedAt,
	}
	for _, l := range d.Languages {
		v.Languages = append(v.Languages, domain.LanguageSkill(l))
	}
	return v
}

// emailKey is the _id of a volunteer's email claim: tenant plus a hash of the
// address, so uniqueness is a primary-key insert and the key reveals no address.
func emailKey(tenant domain.ID, email string) string {
	h := sha256.Sum256([]byte(email))
	return tenant.Hex() + ":" + hex.EncodeToString(h[:])
}

type emailClaimDoc struct {
	ID          string        `bson:"_id"`
	TenantID    bson.ObjectID `bson:"tenant_id"`
	VolunteerID bson.ObjectID `bson:"volunteer_id"`
}

// CreateVolunteer stores a new volunteer; v.ID and timestamps are set when zero.
// It returns ErrConflict if the tenant already has a volunteer with this email.
// The email is claimed first by inserting its key, so two simultaneous sign-ups
// with one address cannot both succeed, on any backend.
func (s *Store) CreateVolunteer(ctx context.Context, v *domain.Volunteer) error {
	if v.ID.IsZero() {
		v.ID = domain.NewID(s.now())
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = s.now()
	}
	v.UpdatedAt = v.CreatedAt
	claim := emailClaimDoc{ID: emailKey(v.Tenant, v.Email), TenantID: oid(v.Tenant), VolunteerID: oid(v.ID)}
	if _, err := s.volunteerEmails.InsertOne(ctx, claim); err != nil {
		return wrap(err, "claim volunteer email")
	}
	if _, err := s.volunteers.InsertOne(ctx, volunteerToDoc(v)); err != nil {
		_, _ = s.volunteerEmails.DeleteOne(ctx, bson.D{{Key: "_id", Value: claim.ID}})
		return wrap(err, "create volunteer")
	}
	return nil
}

// InsertVolunteers stores many volunteers at once (demo data, imports, benchmarks);
// it claims their emails like CreateVolunteer.
func (s *Store) InsertVolunteers(ctx context.Context, vs []*domain.Volunteer) error {
	if len(vs) == 0 {
		return nil
	}
	claims := make([]any, len(vs))
	docs := make([]any, len(vs))
	for i, v := range vs {
		if v.ID.IsZero() {
			v.ID = domain.NewID(s.now())
		}
		if v.CreatedAt.IsZero() {
			v.CreatedAt = s.now()
		}
		v.UpdatedAt = v.CreatedAt
		claims[i] = emailClaimDoc{ID: emailKey(v.Tenant, v.Email), TenantID: oid(v.Tenant), VolunteerID: oid(v.ID)}
		docs[i] = volunteerToDoc(v)
	}
	if _, err := s.volunteerEmails.InsertMany(ctx, claims); err != nil {
		return wrap(err, "claim volunteer emails")
	}
	_, err := s.volunteers.InsertMany(ctx, docs)
	return wrap(err, "insert volunteers")
}

// VolunteerIDByEmail returns the ID of the tenant's volunteer with this address,
// or ErrNotFound.
func (s *Store) VolunteerIDByEmail(ctx context.Context, tenant domain.ID, email string) (domain.ID, error) {
	var c emailClaimDoc
	if err := s.volunteerEmails.FindOne(ctx, bson.D{{Key: "_id", Value: emailKey(tenant, email)}}).Decode(&c); err != nil {
		return domain.NilID, wrap(err, "find volunteer email")
	}
	return did(c.VolunteerID), nil
}

// Volunteer returns the volunteer if the scope may see it, else ErrNotFound (also
// for another tenant's or another municipality's volunteer, so IDs leak nothing).
func (s *Store) Volunteer(ctx context.Context, sc domain.Scope, id domain.ID) (*domain.Volunteer, error) {
	var d volunteerDoc
	if err := s.findOwned(ctx, s.volunteers, oid(id), sc.Tenant, &d); err != nil {
		return nil, err
	}
	if !sc.SeesMunicipality(d.Municipality) {
		return nil, domain.ErrNotFound
	}
	return d.domain(), nil
}

// VolunteerFilter narrows a volunteer list; zero fields do not filter.
type VolunteerFilter struct {
	Municipality string
	Skill        string
	Language     string
	Status       domain.VolunteerStatus
	Offset       int
	Limit        int // 0 means 50
}

// Page is one page of a list and the number of all matches.
type Page[T any] struct {
	Items  []T
	Total  int
	Offset int
	Limit  int
}

// Volunteers lists the scope's volunteers, newest first.
func (s *Store) Volunteers(ctx context.Context, sc domain.Scope, f VolunteerFilter) (Page[*domain.Volunteer], error) {
	filter := bson.D{{Key: "tenant_id", Value: oid(sc.Tenant)}}
	if f.Municipality != "" {
		if !sc.SeesMunicipality(f.Municipality) {
			return Page[*domain.Volunteer]{Limit: f.Limit}, nil
		}
		filter = append(filter, bson.E{Key: "municipality", Value: f.Municipality})
	} else if sc.Role != domain.RoleAdmin {
		filter = append(filter, bson.E{Key: "municipality", Value: bson.D{{Key: "$in", Value: nonNil(sc.Municipalities)}}})
	}
	if f.Skill != "" {
		filter = append(filter, bson.E{Key: "skills", Value: f.Skill})
	}
	if f.Language != "" {
		filter = append(filter, bson.E{Key: "languages.code", Value: f.Language})
	}
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: string(f.Status)})
	}
	var docs []volunteerDoc
	page, err := findPage(ctx, s, s.volunteers, filter, f.Offset, f.Limit, &docs)
	if err != nil {
		return Page[*domain.Volunteer]{}, err
	}
	out := Page[*domain.Volunteer]{Total: page.Total, Offset: page.Offset, Limit: page.Limit}
	for i := range docs {
		out.Items = append(out.Items, docs[i].domain())
	}
	return out, nil
}

// VolunteerPatch holds the fields a coordinator or the volunteer may change; nil
// fields stay as they are.
type VolunteerPatch struct {
	Name             *string
	Phone            *string
	PLZ              *string
	Municipality     *string
	Lat, Lon         *float64
	RadiusKm         *int
	Transport        *[]string
	Languages        *[]domain.LanguageSkill
	Skills           *[]string
	Availability     *[]string
	Capacity         *int
	MaxHoursPerMonth *int
	Neighbouring     *bool
	Status           *domain.VolunteerStatus
	Notes            *string
	Locale           *string
}

// UpdateVolunteer applies p and returns the names of the fields that changed
// (for the audit log). It returns ErrNotFound outside the scope.
func (s *Store) UpdateVolunteer(ctx context.Context, sc domain.Scope, id domain.ID, p VolunteerPatch) ([]string, error) {
	cur, err := s.Volunteer(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	set := bson.D{}
	var changed []string
	put := func(field string, differs bool, v any) {
		if differs {
			set = append(set, bson.E{Key: field, Value: v})
			changed = append(changed, field)
		}
	}
	if p.Name != nil {
		put("name", *p.Name != cur.Name, *p.Name)
	}
	if p.Phone != nil {
		put("phone", *p.Phone != cur.Phone, *p.Phone)
	}
	if p.PLZ != nil {
		put("plz", *p.PLZ != cur.PLZ, *p.PLZ)
	}
	if p.Municipality != nil {
		put("municipality", *p.Municipality != cur.Municipality, *p.Municipality)
	}
	if p.Lat != nil && p.Lon != nil && (*p.Lat != cur.Lat || *p.Lon != cur.Lon) {
		set = append(set, bson.E{Key: "lat", Value: *p.Lat}, bson.E{Key: "lon", Value: *p.Lon})
	}
	if p.RadiusKm != nil {
		put("radius_km", *p.RadiusKm != cur.RadiusKm, *p.RadiusKm)
	}
	if p.Transport != nil {
		put("transport", !slices.Equal(*p.Transport, cur.Transport), *p.Transport)
	}
	if p.Languages != nil {
		var ls []languageDoc
		for _, l := range *p.Languages {
			ls = append(ls, languageDoc(l))
		}
		put("languages", !slices.Equal(*p.Languages, cur.Languages), ls)
	}
	if p.Skills != nil {
		put("skills", !slices.Equal(*p.Skills, cur.Skills), *p.Skills)
	}
	if p.Availability != nil {
		put("availability", !slices.Equal(*p.Availability, cur.Availability), *p.Availability)
	}
	if p.Capacity != nil {
		put("capacity", *p.Capacity != cur.Capacity, *p.Capacity)
	}
	if p.MaxHoursPerMonth != nil {
		put("max_hours_per_month", *p.MaxHoursPerMonth != cur.MaxHoursPerMonth, *p.MaxHoursPerMonth)
	}
	if p.Neighbouring != nil {
		put("neighbouring", *p.Neighbouring != cur.Neighbouring, *p.Neighbouring)
	}
	if p.Status != nil {
		put("status", *p.Status != cur.Status, string(*p.Status))
	}
	if p.Notes != nil {
		put("notes", *p.Notes != cur.Notes, *p.Notes)
	}
	if p.Locale != nil {
		put("locale", *p.Locale != cur.Locale, *p.Locale)
	}
	if len(changed) == 0 {
		return nil, nil
	}
	set = append(set, bson.E{Key: "updated_at", Value: s.now()})
	if err := s.updateGuarded(ctx, s.volunteers, oid(id), sc.Tenant, nil, bson.D{{Key: "$set", Value: set}}); err != nil {
		return nil, err
	}
	return changed, nil
}

// ActivateVolunteer moves a pending volunteer to active. It returns ErrConflict if
// the volunteer is no longer pending.
func (s *Store) ActivateVolunteer(ctx context.Context, tenant, id domain.ID) error {
	now := s.now()
	return s.updateGuarded(ctx, s.volunteers, oid(id), tenant,
		[]Guard{{"status", string(domain.VolunteerPending)}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "status", Value: string(domain.VolunteerActive)},
			{Key: "confirmed_at", Value: now}, {Key: "updated_at", Value: now},
		}}})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// VolunteerForLink returns the volunteer with id in any tenant. Only callers that
// verified a signed link use it: the signature is the authority, and the link
// names one volunteer.
func (s *Store) VolunteerForLink(ctx context.Context, id domain.ID) (*domain.Volunteer, error) {
	var d volunteerDoc
	if err := s.volunteers.FindOne(ctx, bson.D{{Key: "_id", Value: oid(id)}}).Decode(&d); err != nil {
		return nil, wrap(err, "find volunteer")
	}
	return d.domain(), nil
}

// SetPausedUntil pauses the tenant's volunteer id until the instant until, or
// ends the pause when until is zero. It returns ErrNotFound for an unknown or
// foreign volunteer.
func (s *Store) SetPausedUntil(ctx context.Context, tenant, id domain.ID, until time.Time) error {
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "paused_until", Value: until}, {Key: "updated_at", Value: s.now()}}}}
	if until.IsZero() {
		update = bson.D{{Key: "$unset", Value: bson.D{{Key: "paused_until", Value: ""}}},
			{Key: "$set", Value: bson.D{{Key: "updated_at", Value: s.now()}}}}
	}
	return s.updateGuarded(ctx, s.volunteers, oid(id), tenant, nil, update)
}

// The volunteer portal's login links are single use: the volunteer document
// holds the SHA-256 of the one nonce whose link may still sign in, and its
// expiry. A newer link replaces it; signing in removes it.

// SetLoginNonce stores hash as the volunteer's one valid login nonce until exp,
// replacing any earlier one.
func (s *Store) SetLoginNonce(ctx context.Context, tenant, id domain.ID, hash string, exp time.Time) error {
	return s.updateGuarded(ctx, s.volunteers, oid(id), tenant, nil,
		bson.D{{Key: "$set", Value: bson.D{{Key: "login_nonce", Value: hash}, {Key: "login_nonce_exp", Value: exp}}}})
}

// LoginNonce returns the hash and expiry of the volunteer's valid login nonce,
// "" when there is none (used, or never issued).
func (s *Store) LoginNonce(ctx context.Context, tenant, id domain.ID) (string, time.Time, error) {
	var d struct {
		Nonce string    `bson:"login_nonce"`
		Exp   time.Time `bson:"login_nonce_exp"`
	}
	if err := s.findOwned(ctx, s.volunteers, oid(id), tenant, &d); err != nil {
		return "", time.Time{}, err
	}
	return d.Nonce, d.Exp.UTC(), nil
}

// ConsumeLoginNonce removes the volunteer's login nonce if it is hash, in one
// guarded update, so of two uses of one link only one succeeds. It returns
// ErrConflict when the nonce is no longer hash (used, or replaced by a newer
// link) and ErrNotFound for an unknown or foreign volunteer.
func (s *Store) ConsumeLoginNonce(ctx context.Context, tenant, id domain.ID, hash string) error {
	if hash == "" {
		return domain.ErrConflict
	}
	return s.updateGuarded(ctx, s.volunteers, oid(id), tenant, []Guard{{"login_nonce", hash}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "login_nonce", Value: ""}, {Key: "login_nonce_exp", Value: ""}}}})
}

// VolunteerRef names a volunteer across tenants, for the jobs that erase.
type VolunteerRef struct{ Tenant, ID domain.ID }

// StaleSignup is an unconfirmed sign-up old enough to be erased.
type StaleSignup struct {
	VolunteerRef
	Email string
}

// StaleSignups returns the pending (unconfirmed) volunteers of every tenant
// who signed up before before.
func (s *Store) StaleSignups(ctx context.Context, before time.Time) ([]StaleSignup, error) {
	var docs []struct {
		ID       bson.ObjectID `bson:"_id"`
		TenantID bson.ObjectID `bson:"tenant_id"`
		Email    string        `bson:"email"`
	}
	if err := s.findAll(ctx, s.volunteers, bson.D{{Key: "status", Value: string(domain.VolunteerPending)},
		{Key: "created_at", Value: bson.D{{Key: "$lt", Value: before}}}}, &docs); err != nil {
		return nil, err
	}
	out := make([]StaleSignup, len(docs))
	for i, d := range docs {
		out[i] = StaleSignup{VolunteerRef{did(d.TenantID), did(d.ID)}, d.Email}
	}
	return out, nil
}

// EraseSignup deletes an unconfirmed volunteer and its email claim, so the
// address may sign up afresh. The claim goes first and only if it is still
// this volunteer's; a crash between the two leaves a pending volunteer the
// next run erases. A volunteer confirmed meanwhile is kept (ErrConflict).
func (s *Store) EraseSignup(ctx context.Context, st StaleSignup) error {
	if s.embedded {
		defer s.locks.lock(s.volunteers.Name() + "\x00" + keyString(oid(st.ID)))()
		var d volunteerDoc
		if err := s.findOwned(ctx, s.volunteers, oid(st.ID), st.Tenant, &d); err != nil {
			return err
		}
		if d.Status != string(domain.VolunteerPending) {
			return domain.ErrConflict
		}
	}
	if _, err := s.volunteerEmails.DeleteOne(ctx, bson.D{{Key: "_id", Value: emailKey(st.Tenant, st.Email)},
		{Key: "volunteer_id", Value: oid(st.ID)}}); err != nil {
		return wrap(err, "erase volunteer email")
	}
	res, err := s.volunteers.DeleteOne(ctx, bson.D{{Key: "_id", Value: oid(st.ID)}, {Key: "tenant_id", Value: oid(st.Tenant)},
		{Key: "status", Value: string(domain.VolunteerPending)}})
	if err != nil {
		return wrap(err, "erase volunteer")
	}
	if res.DeletedCount == 0 {
		// Confirmed between the two deletes (MongoDB; the embedded backend
		// holds the lock): give the address back its claim.
		claim := emailClaimDoc{ID: emailKey(st.Tenant, st.Email), TenantID: oid(st.Tenant), VolunteerID: oid(st.ID)}
		if _, err := s.volunteerEmails.InsertOne(ctx, claim); err != nil && !errors.Is(wrap(err, ""), domain.ErrConflict) {
			return wrap(err, "restore volunteer email")
		}
		return domain.ErrConflict
	}
	return nil
}

// LapsedChecks returns the volunteers of every tenant who left (status
// former) before before and still have a Führungszeugnis record.
func (s *Store) LapsedChecks(ctx context.Context, before time.Time) ([]VolunteerRef, error) {
	var docs []struct {
		ID       bson.ObjectID `bson:"_id"`
		TenantID bson.ObjectID `bson:"tenant_id"`
	}
	if err := s.findAll(ctx, s.volunteers, bson.D{{Key: "status", Value: string(domain.VolunteerFormer)},
		{Key: "background_check", Value: bson.D{{Key: "$exists", Value: true}}},
		{Key: "updated_at", Value: bson.D{{Key: "$lt", Value: before}}}}, &docs); err != nil {
		return nil, err
	}
	out := make([]VolunteerRef, len(docs))
	for i, d := range docs {
		out[i] = VolunteerRef{did(d.TenantID), did(d.ID)}
	}
	return out, nil
}

// SetBankDetails stores the volunteer's IBAN and account holder (both "" to
// remove them).
func (s *Store) SetBankDetails(ctx context.Context, tenant, id domain.ID, iban, holder string) error {
	return s.updateGuarded(ctx, s.volunteers, oid(id), tenant, nil,
		bson.D{{Key: "$set", Value: bson.D{{Key: "bank_iban", Value: iban}, {Key: "bank_holder", Value: holder},
			{Key: "updated_at", Value: s.now()}}}})
}
