package domain

import (
	"slices"
	"time"
)

// ClaimKind separates refunds of expenses from flat allowances: they have
// different tax rules (§ 3 Nr. 26/26a EStG count only allowances) and are
// never added up together.
type ClaimKind string

// Claim kinds.
const (
	ClaimTravel    ClaimKind = "travel"    // Fahrtkosten: trips at the tenant's rates
	ClaimAllowance ClaimKind = "allowance" // Aufwandsentschädigung under a tax basis
)

// ClaimStatus is where a claim stands on its way to the bank.
type ClaimStatus string

// Claim statuses. Two different people sign a claim off before it is paid:
// "sachlich richtig" (checked: the trips happened for the assignment) and
// "rechnerisch richtig" (released: the amounts are right, by an accountant).
const (
	ClaimSubmitted ClaimStatus = "submitted"
	ClaimChecked   ClaimStatus = "checked"
	ClaimReleased  ClaimStatus = "released" // locked: corrected only by a reversal
	ClaimRejected  ClaimStatus = "rejected"
	ClaimPaid      ClaimStatus = "paid" // in an exported payout batch; locked
)

// ClaimStatuses lists every status, for validation and the API description.
var ClaimStatuses = []ClaimStatus{ClaimSubmitted, ClaimChecked, ClaimReleased, ClaimRejected, ClaimPaid}

var claimTransitions = map[ClaimStatus][]ClaimStatus{
	ClaimSubmitted: {ClaimChecked, ClaimRejected},
	ClaimChecked:   {ClaimReleased, ClaimRejected},
	ClaimReleased:  {ClaimPaid},
}

// CanMove reports whether a claim may go from one status to another.
func (from ClaimStatus) CanMove(to ClaimStatus) bool {
	return slices.Contains(claimTransitions[from], to)
}

// Locked reports whether a claim in this status may no longer change: its
// money is released or paid, so a mistake is corrected by a reversal entry.
func (from ClaimStatus) Locked() bool { return from == ClaimReleased || from == ClaimPaid }

// ClaimTrip is one journey of a travel claim, with what it earned.
type ClaimTrip struct {
	Date         string // YYYY-MM-DD
	From, To     string // postal code or address, as entered
	Metres       int64
	Mode         string // car, motorbike, bicycle, public_transport, foot
	Passengers   int
	TicketCents  int64 // public transport: the ticket as entered
	Purpose      string
	RaisedReason string // reason for a raised car rate, recorded before the trip
	Table        string // the rate table that priced it
	AmountCents  int64
	Capped       bool // the table's cap per trip applied
	Detour       bool // longer than the straight line allows: for the checker to look at
}

// ClaimDTicket is a volunteer's own Deutschlandticket of a month, refunded
// by the claim whose trips made the month's single fares reach its price.
type ClaimDTicket struct {
	Month       string // YYYY-MM
	FaresCents  int64  // the single fares of the month's official trips on it, all claims together
	AmountCents int64  // the ticket's price that month
}

// Claim is a volunteer's request for money for one assignment, or a
// correction of one (ReversalOf). Amounts are integer cents.
type Claim struct {
	ID, Tenant, Volunteer ID
	Request               ID     // the assignment's request
	Municipality          string // the request's AGS: whose coordinator checks it
	Kind                  ClaimKind
	Trips                 []ClaimTrip
	DTickets              []ClaimDTicket // Deutschlandtickets this claim refunds, one per month at most
	AllowanceBasis        string         // allowance: the tax basis (e.g. "26a")
	AllowanceYear         int            // allowance: the calendar year it counts in
	DeclaredElsewhere     int64          // allowance: cents the volunteer used of the same basis with other payers that year
	OverrideReason        string         // allowance above the yearly limit: the accountant's reason
	AmountCents           int64          // the total; negative for a reversal
	Status                ClaimStatus
	Note                  string // the volunteer's remark; never logged
	SubmittedAt           time.Time
	CheckedBy             ID
	CheckedAt             time.Time
	ReleasedBy            ID
	ReleasedAt            time.Time
	RejectReason          string
	ReversalOf            ID // set on a reversal entry: the claim it cancels
	ReversedBy            ID // set on a cancelled claim: its reversal
	Batch                 ID // the payout batch that paid it
}

// Four-eyes errors, with message keys.
var (
	ErrClaimSameUser = &Error{Code: EConflict, Key: "claim.same_user"}
	ErrClaimLocked   = &Error{Code: EConflict, Key: "claim.locked"}
)

// MayCheck says whether sc may sign c off as "sachlich richtig": an
// accountant of the tenant, or a coordinator (or admin) who sees the
// assignment's municipality.
func MayCheck(sc Scope, c *Claim) error {
	switch {
	case sc.Tenant != c.Tenant:
		return ErrNotFound
	case sc.Role == RoleAccountant || sc.SeesMunicipality(c.Municipality):
		return nil
	case sc.Role == RoleCoordinator:
		return ErrNotFound // not theirs: it does not exist for them
	}
	return ErrForbidden
}

// MayRelease says whether sc may release c ("rechnerisch richtig"): only an
// accountant of the tenant, and never the person who checked it.
func MayRelease(sc Scope, c *Claim) error {
	switch {
	case sc.Tenant != c.Tenant:
		return ErrNotFound
	case sc.Role != RoleAccountant:
		return ErrForbidden
	case !c.CheckedBy.IsZero() && sc.User == c.CheckedBy:
		return ErrClaimSameUser
	}
	return nil
}
