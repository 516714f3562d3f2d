package store

import (
	"context"
	"reflect"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"lotse/domain"
)

// The requests collection holds only what is still to be done or was recently
// closed. Every filter but a plain _id equality scans the whole collection on the
// embedded backend, so done and cancelled requests are to be moved to an archive
// collection by a later scheduled job; the lists here must stay small.

type lawyerDoc struct {
	Name    string `bson:"name"`
	Contact string `bson:"contact"`
}

type requestDoc struct {
	ID                      bson.ObjectID `bson:"_id"`
	TenantID                bson.ObjectID `bson:"tenant_id"`
	Municipality            string        `bson:"municipality"`
	PLZ                     string        `bson:"plz"`
	Lat                     float64       `bson:"lat"`
	Lon                     float64       `bson:"lon"`
	Category                string        `bson:"category"`
	Title                   string        `bson:"title"`
	Description             string        `bson:"description,omitempty"`
	LanguagesAny            []string      `bson:"languages_any"`
	Slots                   []string      `bson:"slots"`
	Date                    string        `bson:"date,omitempty"`
	Time                    string        `bson:"time,omitempty"`
	Needed                  int           `bson:"needed"`
	HoursPerMonth           int           `bson:"hours_per_month"`
	Priority                int           `bson:"priority"`
	RequiresBackgroundCheck bool          `bson:"requires_background_check"`
	BeneficiaryRef          string        `bson:"beneficiary_ref,omitempty"`
	Lawyer                  *lawyerDoc    `bson:"lawyer,omitempty"`
	Status                  string        `bson:"status"`
	CreatedBy               bson.ObjectID `bson:"created_by"`
	CreatedAt               time.Time     `bson:"created_at"`
	UpdatedAt               time.Time     `bson:"updated_at"`
	// Held are the volunteers holding a place (approved or accepted matches);
	// len(Held) <= Needed is kept by ClaimRequestPlace.
	Held []bson.ObjectID `bson:"held,omitempty"`
	// Rev changes with every write, so an update can be guarded against any
	// change made since the caller read the document.
	Rev string `bson:"rev"`
}

func requestToDoc(r *domain.HelpRequest) requestDoc {
	return requestDoc{
		ID: oid(r.ID), TenantID: oid(r.Tenant), Municipality: r.Municipality, PLZ: r.PLZ,
		Lat: r.Lat, Lon: r.Lon, Category: r.Category, Title: r.Title, Description: r.Description,
		LanguagesAny: nonNil(r.LanguagesAny), Slots: nonNil(r.Slots), Date: r.Date, Time: r.Time,
		Needed: r.Needed, HoursPerMonth: r.HoursPerMonth, Priority: r.Priority, RequiresBackgroundCheck: r.RequiresBackgroundCheck,
		BeneficiaryRef: r.BeneficiaryRef, Lawyer: lawyerToDoc(r.Lawyer), Status: string(r.Status),
		CreatedBy: oid(r.CreatedBy), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func lawyerToDoc(l *domain.Lawyer) *lawyerDoc {
	if l == nil {
		return nil
	}
	return &lawyerDoc{Name: l.Name, Contact: l.Contact}
}

func (d *requestDoc) domain() *domain.HelpRequest {
	r := &domain.HelpRequest{
		ID: did(d.ID), Tenant: did(d.TenantID), Municipality: d.Municipality, PLZ: d.PLZ,
		Lat: d.Lat, Lon: d.Lon, Category: d.Category, Title: d.Title, Description: d.Description,
		LanguagesAny: nonNil(d.LanguagesAny), Slots: nonNil(d.Slots), Date: d.Date, Time: d.Time,
		Needed: d.Needed, HoursPerMonth: d.HoursPerMonth, Priority: d.Priority, RequiresBackgroundCheck: d.RequiresBackgroundCheck,
		BeneficiaryRef: d.BeneficiaryRef, Status: domain.RequestStatus(d.Status),
		CreatedBy: did(d.CreatedBy), CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	if d.Lawyer != nil {
		r.Lawyer = &domain.Lawyer{Name: d.Lawyer.Name, Contact: d.Lawyer.Contact}
	}
	if r.HoursPerMonth == 0 { // stored before requests stated their hours
		r.HoursPerMonth = domain.UsualHoursPerMonth(r.Category)
	}
	return r
}

// newRev returns a fresh revision marker for a request document.
func (s *Store) newRev() string { return domain.NewID(s.now()).Hex() }

// CreateRequest stores a new help request in the scope's tenant. r.ID, r.Status
// (open), r.CreatedBy (the scope's user) and the timestamps are set when zero. It
// returns ErrForbidden if the scope may not see r's municipality; the caller has
// validated everything else.
func (s *Store) CreateRequest(ctx context.Context, sc domain.Scope, r *domain.HelpRequest) error {
	if !sc.SeesMunicipality(r.Municipality) {
		return domain.ErrForbidden
	}
	r.Tenant = sc.Tenant
	if r.ID.IsZero() {
		r.ID = domain.NewID(s.now())
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now()
	}
	if r.CreatedBy.IsZero() {
		r.CreatedBy = sc.User
	}
	if r.Status == "" {
		r.Status = domain.RequestOpen
	}
	r.UpdatedAt = r.CreatedAt
	r.LanguagesAny, r.Slots = nonNil(r.LanguagesAny), nonNil(r.Slots)
	d := requestToDoc(r)
	d.Rev = s.newRev()
	_, err := s.requests.InsertOne(ctx, d)
	return wrap(err, "create request")
}

// Request returns the help request if the scope may see it, else ErrNotFound (also
// for another tenant's or another municipality's request, and always for
// accountants, so IDs leak nothing).
func (s *Store) Request(ctx context.Context, sc domain.Scope, id domain.ID) (*domain.HelpRequest, error) {
	d, err := s.requestDoc(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	return d.domain(), nil
}

func (s *Store) requestDoc(ctx context.Context, sc domain.Scope, id domain.ID) (*requestDoc, error) {
	var d requestDoc
	if err := s.findOwned(ctx, s.requests, oid(id), sc.Tenant, &d); err != nil {
		return nil, err
	}
	if !sc.SeesMunicipality(d.Municipality) {
		return nil, domain.ErrNotFound
	}
	return &d, nil
}

// RequestFilter narrows a request list; zero fields do not filter.
type RequestFilter struct {
	Municipality string
	Category     string
	Status       domain.RequestStatus
	Language     string // requests that list this language in languages_any
	Offset       int
	Limit        int // 0 means 50
}

// Requests lists the scope's help requests, newest first. Coordinators get only
// their municipalities' requests, accountants none.
func (s *Store) Requests(ctx context.Context, sc domain.Scope, f RequestFilter) (Page[*domain.HelpRequest], error) {
	filter := bson.D{{Key: "tenant_id", Value: oid(sc.Tenant)}}
	if f.Municipality != "" {
		if !sc.SeesMunicipality(f.Municipality) {
			return Page[*domain.HelpRequest]{Limit: f.Limit}, nil
		}
		filter = append(filter, bson.E{Key: "municipality", Value: f.Municipality})
	} else if sc.Role != domain.RoleAdmin {
		// Coordinators: their municipalities; accountants: an empty $in, so nothing.
		var own []string
		if sc.Role == domain.RoleCoordinator {
			own = sc.Municipalities
		}
		filter = append(filter, bson.E{Key: "municipality", Value: bson.D{{Key: "$in", Value: nonNil(own)}}})
	}
	if f.Category != "" {
		filter = append(filter, bson.E{Key: "category", Value: f.Category})
	}
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: string(f.Status)})
	}
	if f.Language != "" {
		filter = append(filter, bson.E{Key: "languages_any", Value: f.Language})
	}
	var docs []requestDoc
	page, err := findPage(ctx, s, s.requests, filter, f.Offset, f.Limit, &docs)
	if err != nil {
		return Page[*domain.HelpRequest]{}, err
	}
	out := Page[*domain.HelpRequest]{Total: page.Total, Offset: page.Offset, Limit: page.Limit}
	for i := range docs {
		out.Items = append(out.Items, docs[i].domain())
	}
	return out, nil
}

// RequestPatch holds the fields of a help request that may be edited; nil fields
// stay as they are. The status is not among them: it changes only through
// SetRequestStatus.
type RequestPatch struct {
	Category                *string
	Title                   *string
	Description             *string
	Municipality            *string
	PLZ                     *string
	Lat, Lon                *float64 // both or neither; not reported as changed fields
	LanguagesAny            *[]string
	Slots                   *[]string
	Date                    *string
	Time                    *string
	Needed                  *int
	HoursPerMonth           *int
	Priority                *int
	RequiresBackgroundCheck *bool
	BeneficiaryRef          *string
	// Lawyer replaces the supervising lawyer; a pointer to a zero Lawyer removes it.
	Lawyer *domain.Lawyer

	// Base, when set, is the request as the caller read it with Request and
	// validated it. The
	// update then returns ErrConflict if the stored request differs from it, so two
	// edits validated against the same old state cannot together break a rule
	// (e.g. one sets legal_help, the other removes the lawyer).
	Base *domain.HelpRequest
}

// UpdateRequest applies p and returns the names of the fields that changed (for
// the audit log). It returns ErrNotFound outside the scope and ErrConflict if the
// request changed since p.Base or while this update was being applied.
func (s *Store) UpdateRequest(ctx context.Context, sc domain.Scope, id domain.ID, p RequestPatch) ([]string, error) {
	d, err := s.requestDoc(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	cur := d.domain()
	if p.Base != nil && !reflect.DeepEqual(cur, p.Base) {
		return nil, domain.ErrConflict
	}
	set := bson.D{}
	var changed []string
	put := func(field string, differs bool, v any) {
		if differs {
			set = append(set, bson.E{Key: field, Value: v})
			changed = append(changed, field)
		}
	}
	str := func(field string, p *string, cur string) {
		if p != nil {
			put(field, *p != cur, *p)
		}
	}
	num := func(field string, p *int, cur int) {
		if p != nil {
			put(field, *p != cur, *p)
		}
	}
	list := func(field string, p *[]string, cur []string) {
		if p != nil {
			put(field, !slices.Equal(*p, cur), nonNil(*p))
		}
	}
	str("category", p.Category, cur.Category)
	str("title", p.Title, cur.Title)
	str("description", p.Description, cur.Description)
	str("municipality", p.Municipality, cur.Municipality)
	str("plz", p.PLZ, cur.PLZ)
	if p.Lat != nil && p.Lon != nil && (*p.Lat != cur.Lat || *p.Lon != cur.Lon) {
		set = append(set, bson.E{Key: "lat", Value: *p.Lat}, bson.E{Key: "lon", Value: *p.Lon})
	}
	list("languages_any", p.LanguagesAny, cur.LanguagesAny)
	list("slots", p.Slots, cur.Slots)
	str("date", p.Date, cur.Date)
	str("time", p.Time, cur.Time)
	num("needed", p.Needed, cur.Needed)
	num("hours_per_month", p.HoursPerMonth, cur.HoursPerMonth)
	num("priority", p.Priority, cur.Priority)
	if p.RequiresBackgroundCheck != nil {
		put("requires_background_check", *p.RequiresBackgroundCheck != cur.RequiresBackgroundCheck, *p.RequiresBackgroundCheck)
	}
	str("beneficiary_ref", p.BeneficiaryRef, cur.BeneficiaryRef)
	if p.Lawyer != nil {
		next := p.Lawyer
		if *next == (domain.Lawyer{}) {
			next = nil
		}
		differs := (next == nil) != (cur.Lawyer == nil) || (next != nil && *next != *cur.Lawyer)
		put("lawyer", differs, lawyerToDoc(next))
	}
	if len(changed) == 0 {
		return nil, nil
	}
	set = append(set, bson.E{Key: "updated_at", Value: s.now()}, bson.E{Key: "rev", Value: s.newRev()})
	// Guarding on the status as read keeps an edit from landing on a request that
	// was closed meanwhile; the revision catches every other change in between.
	guards := []Guard{{"status", d.Status}}
	if d.Rev != "" {
		guards = append(guards, Guard{"rev", d.Rev})
	}
	if err := s.updateGuarded(ctx, s.requests, oid(id), sc.Tenant, guards, bson.D{{Key: "$set", Value: set}}); err != nil {
		return nil, err
	}
	return changed, nil
}

// SetRequestStatus moves a request from one status to another. It returns
// ErrNotFound outside the scope and ErrConflict if the request is no longer in
// status from (someone else changed it first). The caller checks that the move is
// allowed (domain.RequestStatus.CanMove).
func (s *Store) SetRequestStatus(ctx context.Context, sc domain.Scope, id domain.ID, from, to domain.RequestStatus) error {
	d, err := s.requestDoc(ctx, sc, id)
	if err != nil {
		return err
	}
	// The municipality guard keeps a coordinator from closing a request that was
	// just moved out of their municipalities.
	return s.updateGuarded(ctx, s.requests, oid(id), sc.Tenant,
		[]Guard{{"status", string(from)}, {"municipality", d.Municipality}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "status", Value: string(to)},
			{Key: "updated_at", Value: s.now()},
			{Key: "rev", Value: s.newRev()},
		}}})
}
