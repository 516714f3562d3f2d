package accounting

import (
	"errors"
	"fmt"
)

// AllowanceBasis is the tax rule under which a flat Aufwandsentschädigung is
// paid. Expense reimbursements (Auslagenersatz, e.g. travel costs) have none:
// they are not income and never count against an allowance.
type AllowanceBasis string

// The three tax-free bases for flat payments to volunteers.
const (
	// Nr26 is the Übungsleiterfreibetrag, § 3 Nr. 26 EStG: teaching,
	// training, caring (e.g. German tutoring, mentoring).
	Nr26 AllowanceBasis = "3_26"
	// Nr26a is the Ehrenamtspauschale, § 3 Nr. 26a EStG: all other volunteer
	// work (organising, administration, driving).
	Nr26a AllowanceBasis = "3_26a"
	// Nr12 is § 3 Nr. 12 Satz 2 EStG with R 3.12 LStR: Aufwandsentschädigung
	// from public funds for public duties. A third of it is tax-free, but at
	// least a monthly minimum; Lotse tracks the yearly sum of that minimum,
	// the amount that stays tax-free whatever the third.
	Nr12 AllowanceBasis = "3_12"
)

// AllowanceBases returns the three bases in the order forms and statements
// list them: Nr. 26, Nr. 26a, Nr. 12.
func AllowanceBases() []AllowanceBasis { return []AllowanceBasis{Nr26, Nr26a, Nr12} }

// AllowanceLimit is the yearly tax-free amount per basis from a tax year on.
// Each amount is per person and calendar year, not per payer, and is not
// pro-rated (BFH VIII R 28/15).
type AllowanceLimit struct {
	FromYear int
	Nr26     Money
	Nr26a    Money
	// Nr12Monthly is the monthly tax-free minimum of § 3 Nr. 12 (R 3.12 Abs. 3
	// LStR); the yearly limit is twelve times it.
	Nr12Monthly Money
	Source      string
}

// AllowanceLimits is the dated history of the limits; order does not matter.
type AllowanceLimits []AllowanceLimit

// Allowances is the history researched in domain-de.md § 2. Nr. 26: 2,400 €
// (2013), 3,000 € (2021), 3,300 € (2026); Nr. 26a: 720 €, 840 €, 960 €. The
// 2026 amounts come from the Steueränderungsgesetz 2025 (Bundesrat 19 Dec
// 2025). Nr. 12: 250 €/month, stated without a start date in the research, so
// it is only recorded from 2021 on; confirm with the Kämmerei before relying
// on it for earlier years.
func Allowances() AllowanceLimits {
	const hist = "https://blog.minijob-zentrale.de/hohere-steuerfreibetrage-ehrenamt-uebungsleiter/"
	return AllowanceLimits{
		{FromYear: 2013, Nr26: Euros(2400, 0), Nr26a: Euros(720, 0), Source: hist},
		{FromYear: 2021, Nr26: Euros(3000, 0), Nr26a: Euros(840, 0), Nr12Monthly: Euros(250, 0),
			Source: hist + " ; Nr. 12: https://www.deutsche-rentenversicherung.de/DRV/DE/Experten/Arbeitgeber-und-Steuerberater/summa-summarum/Lexikon/A/aufwandsentschaedigung_aus_oeffentlichen_kassen.html"},
		{FromYear: 2026, Nr26: Euros(3300, 0), Nr26a: Euros(960, 0), Nr12Monthly: Euros(250, 0),
			Source: "https://www.scheller-partner.de/aktuelles/ehrenamtspauschale-und-ubungsleiterfreibetrag"},
	}
}

// FirstAllowanceYear is the first tax year Allowances has a limit for.
func FirstAllowanceYear() int {
	first := 0
	for _, l := range Allowances() {
		if first == 0 || l.FromYear < first {
			first = l.FromYear
		}
	}
	return first
}

// Errors from AllowanceLimits.
var (
	ErrNoAllowanceLimit = errors.New("accounting: no allowance limit recorded for this year and basis")
	ErrAllowanceBasis   = errors.New("accounting: unknown allowance basis")
	ErrAllowanceAmount  = errors.New("accounting: allowance amounts must not be negative")
)

// Limit returns the yearly limit for basis in year. It returns
// ErrAllowanceBasis for an unknown basis and ErrNoAllowanceLimit if the
// history has no amount for that year and basis.
func (ls AllowanceLimits) Limit(year int, basis AllowanceBasis) (Money, error) {
	best := -1
	for i, l := range ls {
		if l.FromYear <= year && (best < 0 || l.FromYear > ls[best].FromYear) {
			best = i
		}
	}
	var m Money
	if best >= 0 {
		l := ls[best]
		switch basis {
		case Nr26:
			m = l.Nr26
		case Nr26a:
			m = l.Nr26a
		case Nr12:
			m = 12 * l.Nr12Monthly
		default:
			return 0, fmt.Errorf("%w: %q", ErrAllowanceBasis, basis)
		}
	} else if basis != Nr26 && basis != Nr26a && basis != Nr12 {
		return 0, fmt.Errorf("%w: %q", ErrAllowanceBasis, basis)
	}
	if m <= 0 {
		return 0, fmt.Errorf("%w: %d %s", ErrNoAllowanceLimit, year, basis)
	}
	return m, nil
}

// AllowanceWarnPercent is the share of the limit from which a check warns, so
// the coordinator hears about it before the last payment, not after.
const AllowanceWarnPercent = 80

// AllowanceStatus is the outcome of an allowance check.
type AllowanceStatus string

// Allowance check outcomes.
const (
	AllowanceOK      AllowanceStatus = "ok"
	AllowanceWarn    AllowanceStatus = "warn"    // at or above AllowanceWarnPercent of the limit, not above it
	AllowanceBlocked AllowanceStatus = "blocked" // the new payment would exceed the limit
)

// AllowanceCheck is the result of checking a new flat payment against the
// yearly limit, with the numbers for "X of Y € used".
type AllowanceCheck struct {
	Year   int
	Basis  AllowanceBasis
	Status AllowanceStatus
	Limit  Money
	// Used is paid this year + declared elsewhere + the new payment.
	Used Money
	// Remaining is what is left of the limit after the new payment (0 if
	// exceeded); Excess is how far Used goes beyond the limit (0 if not).
	Remaining Money
	Excess    Money
	Percent   int // Used as a whole percentage of Limit, rounded down
}

// Check checks a new flat payment for a volunteer in year under basis: what
// Lotse already paid this year under that basis, what the volunteer declared
// as used elsewhere (the allowance is per person, not per payer) and the new
// amount. It returns AllowanceBlocked if the sum exceeds the limit,
// AllowanceWarn from AllowanceWarnPercent of it, else AllowanceOK; overriding a
// block is the caller's business. Errors: ErrAllowanceBasis,
// ErrNoAllowanceLimit, ErrAllowanceAmount.
func (ls AllowanceLimits) Check(year int, basis AllowanceBasis, alreadyPaid, declaredElsewhere, amount Money) (AllowanceCheck, error) {
	c := AllowanceCheck{Year: year, Basis: basis}
	if alreadyPaid < 0 || declaredElsewhere < 0 || amount < 0 {
		return c, ErrAllowanceAmount
	}
	if alreadyPaid >= maxMoney || declaredElsewhere >= maxMoney || amount >= maxMoney {
		return c, ErrMoneyRange
	}
	limit, err := ls.Limit(year, basis)
	if err != nil {
		return c, err
	}
	c.Limit = limit
	c.Used = alreadyPaid + declaredElsewhere + amount
	c.Percent = int(int64(c.Used) * 100 / int64(limit))
	switch {
	case c.Used > limit:
		c.Status, c.Excess = AllowanceBlocked, c.Used-limit
	case int64(c.Used)*100 >= int64(limit)*AllowanceWarnPercent:
		c.Status, c.Remaining = AllowanceWarn, limit-c.Used
	default:
		c.Status, c.Remaining = AllowanceOK, limit-c.Used
	}
	return c, nil
}

// CheckAllowance is Allowances().Check: the check against the researched
// limits. A tenant with its own table calls Check on it.
func CheckAllowance(year int, basis AllowanceBasis, alreadyPaid, declaredElsewhere, amount Money) (AllowanceCheck, error) {
	return Allowances().Check(year, basis, alreadyPaid, declaredElsewhere, amount)
}
