package jobs

import (
	"context"
	"strings"
	"time"

	"lotse/service"
)

// Catalog lists every job with its default schedule (Europe/Berlin). Adding a
// job is one line here: a name, a spec, and a function calling service that
// selects its work by state, so running it twice does nothing twice.
func Catalog(svc *service.Service) []Job {
	return []Job{
		{Name: "nightly_proposals", Spec: "0 30 2 * * *", Run: func(ctx context.Context, _ time.Time) (int, error) { return svc.ProposeAll(ctx) }},
		// Offers unanswered for 48 hours get a reminder, after 96 they lapse.
		{Name: "offer_followup", Spec: "0 5 * * * *", Run: svc.FollowUpOffers},
		// 24 hours before an assignment's date, with a calendar invitation;
		// a moved appointment at once.
		{Name: "appointment_reminders", Spec: "0 10 * * * *", Run: svc.RemindAppointments},
		{Name: "coordinator_digest", Spec: "0 0 7 * * *", Run: svc.SendDigests},
		{Name: "background_check_reminders", Spec: "0 0 8 * * *", Run: svc.RemindBackgroundChecks},
		// Unconfirmed sign-ups after 30 days, Führungszeugnis records three
		// months after the person left.
		{Name: "purge", Spec: "0 15 3 * * *", Run: svc.Purge},
		// Accounting: last month's claims to accountants (per cost centre,
		// CSV and PDF attached) and to each volunteer; unclaimed finished
		// assignments in the fifth month; last year's allowances in January.
		{Name: "monthly_claims_summary", Spec: "0 0 6 1 * *", Run: svc.MonthlyClaimSummaries},
		{Name: "claim_reminders", Spec: "0 30 9 * * *", Run: svc.RemindUnclaimedTrips},
		{Name: "allowance_statements", Spec: "0 0 9 10 1 *", Run: svc.AllowanceStatements},
		// A payout batch left "preparing" by a process that died is voided
		// and its claims released (CreatePayout does the same for its tenant
		// first); every 10 minutes, so claims come back soon after the
		// 15-minute safe age.
		{Name: "payout_recovery", Spec: "0 */10 * * * *", Run: svc.RecoverPayouts},
	}
}

// TickName is the name of the Tick job.
const TickName = "test_tick"

// Tick is a job that does nothing but leave its run record. It is not in the
// Catalog: LOTSE_JOB_TEST_TICK="@every 1s" adds it, so a test (or an operator
// checking a new multi-replica setup) can watch "exactly once per scheduled
// time" at a per-second pace without running real work.
func Tick(spec string) Job {
	return Job{Name: TickName, Spec: spec, Run: func(context.Context, time.Time) (int, error) { return 1, nil }}
}

// EnvVar is the variable that sets job name's spec: LOTSE_JOB_<NAME>.
func EnvVar(name string) string { return "LOTSE_JOB_" + strings.ToUpper(name) }
