package main

import (
	"strings"
	"testing"
)

// TestServeChecksJobSpecs: a wrong schedule or an unknown job name stops serve
// before it listens, naming the variable.
func TestServeChecksJobSpecs(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"LOTSE_JOB_NIGHTLY_PROPOSALS", "0 61 2 * * *", `LOTSE_JOB_NIGHTLY_PROPOSALS="0 61 2 * * *"`},
		{"LOTSE_JOB_NIGHTLY_PROPOSAL", "@daily", `LOTSE_JOB_NIGHTLY_PROPOSAL: there is no job "nightly_proposal" (jobs: allowance_statements, appointment_reminders, background_check_reminders, claim_reminders, coordinator_digest, monthly_claims_summary, nightly_proposals, offer_followup, payout_recovery, purge)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("LOTSE_DATA_DIR", t.TempDir())
			t.Setenv("LOTSE_ADDR", "127.0.0.1:0")
			t.Setenv("LOTSE_LOG_LEVEL", "error")
			t.Setenv(tc.name, tc.value)
			code, _, stderr := runLotse("serve")
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("%s=%s: exit %d, stderr %q; want 2 and %q", tc.name, tc.value, code, stderr, tc.want)
			}
		})
	}
}

func TestJobCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"job"}, {"job", "run"}, {"job", "start", "x"}, {"job", "list", "x"}} {
		if code, _, stderr := runLotse(args...); code != 2 || !strings.Contains(stderr, "usage: lotse job") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}
