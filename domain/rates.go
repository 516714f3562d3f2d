package domain

import "time"

// TravelRates is one of a tenant's own travel-cost tables, in force from
// ValidFrom until the next table starts. Before the first of them the
// tenant's preset (Tenant.RateTable) applies. Rates per km are in tenths of
// a cent (1/1000 €) so that 0,125 €/km fits.
type TravelRates struct {
	ValidFrom string // YYYY-MM-DD, the first day it applies
	Name      string // unique within the tenant; claims record it on each trip

	Car, Motorbike, Bicycle, EBike int64
	Passenger                      int64 // per passenger and km, car and motorbike
	RaisedCar                      int64 // paid only with a reason recorded before the trip; 0: none
	RaisedRule                     string
	PerTripCapCents                int64 // 0: no cap
	CapRaised                      bool  // the cap also limits trips at the raised rate
	DTicket                        bool  // a Deutschlandticket that pays for itself is refunded
	ExclusionMonths                int   // claims lapse this many months after the trip; 0: six (§ 3 BRKG)
	DetourPerMille                 int   // routes longer than the straight line × this/1000 are flagged; 0: 1.5
	Source                         string

	CreatedBy ID
	CreatedAt time.Time
}
