package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"lotse/domain"
)

// travelRatesDoc is one of a tenant's own rate tables, inside the tenant
// document: a tenant has a handful, read with every claim.
type travelRatesDoc struct {
	ValidFrom       string        `bson:"valid_from"`
	Name            string        `bson:"name"`
	Car             int64         `bson:"car"`
	Motorbike       int64         `bson:"motorbike"`
	Bicycle         int64         `bson:"bicycle"`
	EBike           int64         `bson:"ebike"`
	Passenger       int64         `bson:"passenger"`
	RaisedCar       int64         `bson:"raised_car"`
	RaisedRule      string        `bson:"raised_rule,omitempty"`
	PerTripCapCents int64         `bson:"per_trip_cap_cents"`
	CapRaised       bool          `bson:"cap_raised"`
	DTicket         bool          `bson:"dticket"`
	ExclusionMonths int           `bson:"exclusion_months,omitempty"`
	DetourPerMille  int           `bson:"detour_per_mille,omitempty"`
	Source          string        `bson:"source,omitempty"`
	CreatedBy       bson.ObjectID `bson:"created_by"`
	CreatedAt       time.Time     `bson:"created_at"`
}

func ratesToDocs(rs []domain.TravelRates) []travelRatesDoc {
	out := make([]travelRatesDoc, len(rs))
	for i, r := range rs {
		out[i] = travelRatesDoc{ValidFrom: r.ValidFrom, Name: r.Name, Car: r.Car, Motorbike: r.Motorbike,
			Bicycle: r.Bicycle, EBike: r.EBike, Passenger: r.Passenger, RaisedCar: r.RaisedCar, RaisedRule: r.RaisedRule,
			PerTripCapCents: r.PerTripCapCents, CapRaised: r.CapRaised, DTicket: r.DTicket, Source: r.Source,
			ExclusionMonths: r.ExclusionMonths, DetourPerMille: r.DetourPerMille, CreatedBy: oid(r.CreatedBy), CreatedAt: r.CreatedAt}
	}
	return out
}

func ratesOfDocs(ds []travelRatesDoc) []domain.TravelRates {
	var out []domain.TravelRates
	for _, d := range ds {
		out = append(out, domain.TravelRates{ValidFrom: d.ValidFrom, Name: d.Name, Car: d.Car, Motorbike: d.Motorbike,
			Bicycle: d.Bicycle, EBike: d.EBike, Passenger: d.Passenger, RaisedCar: d.RaisedCar, RaisedRule: d.RaisedRule,
			PerTripCapCents: d.PerTripCapCents, CapRaised: d.CapRaised, DTicket: d.DTicket, Source: d.Source,
			ExclusionMonths: d.ExclusionMonths, DetourPerMille: d.DetourPerMille, CreatedBy: did(d.CreatedBy), CreatedAt: d.CreatedAt})
	}
	return out
}

// SetTravelRates replaces the tenant's own rate tables with next, if they
// are still old (compared by each table's day and name): an admin's change
// is computed from what they saw, and a change made meanwhile by someone
// else is ErrConflict instead of being lost. The lock keeps two changes in
// this process apart; the guard in the filter covers other replicas.
func (s *Store) SetTravelRates(ctx context.Context, tenant domain.ID, old, next []domain.TravelRates) error {
	defer s.locks.lock(s.tenants.Name() + "\x00" + oid(tenant).Hex())()
	var cur tenantDoc
	if err := s.tenants.FindOne(ctx, bson.D{{Key: "_id", Value: oid(tenant)}}).Decode(&cur); err != nil {
		return wrap(err, "find tenant")
	}
	if !sameRates(ratesOfDocs(cur.Rates), old) {
		return domain.ErrConflict
	}
	filter := bson.D{{Key: "_id", Value: oid(tenant)}, Guard{"rates_version", int(cur.RatesVersion)}.filter()}
	res, err := s.tenants.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{
		{Key: "rates", Value: ratesToDocs(next)}, {Key: "rates_version", Value: cur.RatesVersion + 1}}}})
	if err != nil {
		return wrap(err, "set travel rates")
	}
	if res.MatchedCount == 0 {
		return domain.ErrConflict
	}
	return nil
}

func sameRates(a, b []domain.TravelRates) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ValidFrom != b[i].ValidFrom || a[i].Name != b[i].Name {
			return false
		}
	}
	return true
}
