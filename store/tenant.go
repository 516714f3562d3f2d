package store

import (
	"context"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"lotse/domain"
)

type municipalityDoc struct {
	AGS  string   `bson:"ags"`
	Name string   `bson:"name"`
	PLZ  []string `bson:"plz"`
}

type tenantDoc struct {
	ID             bson.ObjectID      `bson:"_id"`
	Slug           string             `bson:"slug"`
	Name           string             `bson:"name"`
	Kind           string             `bson:"kind"`
	Municipalities []municipalityDoc  `bson:"municipalities"`
	PrivacyVersion string             `bson:"privacy_version"`
	Contact        string             `bson:"contact,omitempty"`
	RateTable      string             `bson:"rate_table,omitempty"`
	Payout         *payoutSettingsDoc `bson:"payout,omitempty"`
	Rates          []travelRatesDoc   `bson:"rates,omitempty"`
	RatesVersion   int64              `bson:"rates_version"` // counts changes of Rates: the guard of SetTravelRates
	CreatedAt      time.Time          `bson:"created_at"`
}

func (d *tenantDoc) domain() *domain.Tenant {
	t := &domain.Tenant{
		ID: did(d.ID), Slug: d.Slug, Name: d.Name, Kind: domain.TenantKind(d.Kind),
		PrivacyVersion: d.PrivacyVersion, Contact: d.Contact, RateTable: d.RateTable, CreatedAt: d.CreatedAt,
	}
	for _, m := range d.Municipalities {
		t.Municipalities = append(t.Municipalities, domain.Municipality{AGS: m.AGS, Name: m.Name, PLZ: m.PLZ})
	}
	t.Payout = d.Payout.domain()
	t.Rates = ratesOfDocs(d.Rates)
	return t
}

// CreateTenant stores a new tenant; t.ID and t.CreatedAt are set when zero. A taken
// slug is ErrConflict.
func (s *Store) CreateTenant(ctx context.Context, t *domain.Tenant) error {
	if t.ID.IsZero() {
		t.ID = domain.NewID(s.now())
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.now()
	}
	d := tenantDoc{
		ID: oid(t.ID), Slug: t.Slug, Name: t.Name, Kind: string(t.Kind),
		PrivacyVersion: t.PrivacyVersion, Contact: t.Contact, RateTable: t.RateTable, CreatedAt: t.CreatedAt,
	}
	for _, m := range t.Municipalities {
		d.Municipalities = append(d.Municipalities, municipalityDoc(m))
	}
	_, err := s.tenants.InsertOne(ctx, d)
	return wrap(err, "create tenant")
}

// Tenant returns the tenant with the given ID, or ErrNotFound.
func (s *Store) Tenant(ctx context.Context, id domain.ID) (*domain.Tenant, error) {
	var d tenantDoc
	if err := s.tenants.FindOne(ctx, bson.D{{Key: "_id", Value: oid(id)}}).Decode(&d); err != nil {
		return nil, wrap(err, "find tenant")
	}
	return d.domain(), nil
}

// Tenants returns all tenants sorted by slug. The collection holds one document
// per Landkreis or city, so reading it whole is cheap.
func (s *Store) Tenants(ctx context.Context) ([]*domain.Tenant, error) {
	cur, err := s.tenants.Find(ctx, bson.D{})
	if err != nil {
		return nil, wrap(err, "list tenants")
	}
	var docs []tenantDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "list tenants")
	}
	out := make([]*domain.Tenant, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Slug < out[j].Slug })
	return out, nil
}

// TenantBySlug returns the tenant with the given slug, or ErrNotFound.
func (s *Store) TenantBySlug(ctx context.Context, slug string) (*domain.Tenant, error) {
	ts, err := s.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.Slug == slug {
			return t, nil
		}
	}
	return nil, domain.ErrNotFound
}
