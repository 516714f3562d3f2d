package handlers_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/handlers"
	"lotse/jobs"
	"lotse/service"
	"lotse/store"
)

// Callers of the authorization table. Every route is requested by each of them.
const (
	anonymous            = iota
	volunteerLink        // a confirmed volunteer holding their signed link
	accountant           // right tenant, wrong role
	coordinatorElsewhere // coordinator of another municipality of the tenant
	adminOtherTenant     // admin of another tenant
	coordinator          // coordinator of the target's municipality
	admin                // admin of the target's tenant
	nCallers
)

var callerNames = [nCallers]string{"anonymous", "volunteer_link", "accountant",
	"coordinator_elsewhere", "admin_other_tenant", "coordinator", "admin"}

// caller is one signed-in (or not) party: a cookie jar for pages, a bearer token
// for the API, and for the volunteer the query of their signed link.
type caller struct {
	name   string
	ip     string // X-Forwarded-For, so each caller has its own rate-limit bucket
	jar    *http.Client
	csrf   string
	token  string
	linkQ  string
	cookie *http.Cookie
}

// authzRow is one route and the status each caller must get.
type authzRow struct {
	method, route string
	body          func(f *authzFixture, who int) url.Values // form (pages) or nil
	json          string                                    // JSON body (API) or ""
	want          [nCallers]int
	// scoped: a caller outside the target's scope gets 200 but must not see the
	// target; a caller inside must see it.
	scoped bool
	// fresh: each caller gets a new target request, so one caller's change does
	// not decide the next caller's status.
	fresh bool
	// setup, when set, builds the row's target once, before its first caller;
	// all callers of the row share it.
	setup func(t *testing.T, a *testApp, f *authzFixture) domain.ID
	// each, when set, builds a new target for every caller.
	each func(t *testing.T, a *testApp, f *authzFixture) domain.ID
}

type authzFixture struct {
	volunteer, request domain.ID
	server             string
	decided            domain.ID // the last decision row's target
	ratesFrom          string    // the first day of the last table authzRates added
}

// Statuses in the table, named for what they mean here.
const (
	ok        = http.StatusOK
	accepted  = http.StatusAccepted
	created   = http.StatusCreated
	redirect  = http.StatusSeeOther // pages: on success, or to the login page
	unauth    = http.StatusUnauthorized
	forbidden = http.StatusForbidden
	notFound  = http.StatusNotFound
	noContent = http.StatusNoContent
	invalid   = http.StatusUnprocessableEntity
)

var (
	public      = [nCallers]int{ok, ok, ok, ok, ok, ok, ok}
	staffList   = [nCallers]int{redirect, redirect, forbidden, ok, ok, ok, ok}
	staffAPI    = [nCallers]int{unauth, unauth, forbidden, ok, ok, ok, ok}
	staffPageID = [nCallers]int{redirect, redirect, forbidden, notFound, notFound, ok, ok}
	staffAPIID  = [nCallers]int{unauth, unauth, forbidden, notFound, notFound, ok, ok}
	linkOnly    = [nCallers]int{notFound, notFound, notFound, notFound, notFound, notFound, notFound}
	allRedirect = [nCallers]int{redirect, redirect, redirect, redirect, redirect, redirect, redirect}
	// The portal: only the volunteer's portal session enters; she finds no
	// match of hers on another request.
	volunteerOnly    = [nCallers]int{redirect, ok, redirect, redirect, redirect, redirect, redirect}
	volunteerNotHers = [nCallers]int{redirect, notFound, redirect, redirect, redirect, redirect, redirect}
	// A payout batch: its tenant's accountants and admins read it.
	payoutRead    = [nCallers]int{redirect, redirect, ok, forbidden, notFound, forbidden, ok}
	payoutReadAPI = [nCallers]int{unauth, unauth, ok, forbidden, notFound, forbidden, ok}
)

func authzTable() []authzRow {
	signupForm := func(f *authzFixture, who int) url.Values {
		v := validSignupForm("")
		v.Set("email", fmt.Sprintf("form-%s@example.org", callerNames[who]))
		return v
	}
	requestForm := func(*authzFixture, int) url.Values {
		return url.Values{"category": {"authority_accompaniment"}, "title": {"Begleitung zum Landratsamt"},
			"municipality": {"08336050"}, "plz": {"79539"}, "languages_any": {"ar"}, "slots": {"tue_am"},
			"needed": {"1"}, "priority": {"2"}, "beneficiary_ref": {"WB-2026-0101"}}
	}
	return []authzRow{
		{method: "GET", route: "/healthz", want: public},
		{method: "GET", route: "/readyz", want: public},
		{method: "GET", route: "/static/*filepath", want: public},
		{method: "GET", route: "/", want: public},
		{method: "GET", route: "/about", want: public},
		{method: "GET", route: "/signup", want: public},
		{method: "POST", route: "/signup", body: signupForm,
			want: [nCallers]int{redirect, redirect, redirect, redirect, redirect, redirect, redirect}},
		{method: "GET", route: "/signup/thanks", want: public},
		// Without a link: "not found" for everybody, signed in or not. The
		// volunteer sends their link again: already used.
		{method: "GET", route: "/signup/confirm", want: [nCallers]int{notFound, http.StatusConflict, notFound, notFound, notFound, notFound, notFound}},
		// Signed-in staff are sent on from the login page.
		{method: "GET", route: "/login", want: [nCallers]int{ok, ok, redirect, redirect, redirect, redirect, redirect}},
		{method: "POST", route: "/login", body: func(*authzFixture, int) url.Values {
			return url.Values{"email": {"nobody@example.org"}, "password": {"not the password"}}
		}, want: [nCallers]int{unauth, unauth, unauth, unauth, unauth, unauth, unauth}},

		{method: "GET", route: "/volunteers", want: staffList, scoped: true},
		{method: "GET", route: "/volunteers/load", want: staffList},
		{method: "GET", route: "/volunteers/:id", want: staffPageID},
		{method: "POST", route: "/volunteers/:id/background-check", body: func(*authzFixture, int) url.Values {
			return url.Values{"certificate_date": {time.Now().AddDate(0, 0, -7).Format(time.DateOnly)}, "suitable": {"yes"}}
		}, want: [nCallers]int{redirect, redirect, forbidden, notFound, notFound, redirect, redirect}},
		{method: "POST", route: "/volunteers/:id/background-check/delete", body: func(*authzFixture, int) url.Values { return url.Values{} },
			want: [nCallers]int{redirect, redirect, forbidden, notFound, notFound, redirect, redirect}},
		// The allowance form: RecordAllowance's people, accountants too (who
		// do not see the volunteer page); each allowed caller records 1 €.
		{method: "GET", route: "/volunteers/:id/allowance", want: [nCallers]int{redirect, redirect, ok, notFound, notFound, ok, ok}},
		{method: "POST", route: "/volunteers/:id/allowance", body: func(*authzFixture, int) url.Values {
			return url.Values{"basis": {"3_26a"}, "year": {strconv.Itoa(time.Now().Year())}, "amount": {"1,00"}}
		}, want: [nCallers]int{redirect, redirect, redirect, notFound, notFound, redirect, redirect}},
		{method: "GET", route: "/admin/outbox", want: [nCallers]int{redirect, redirect, forbidden, forbidden, ok, forbidden, ok}, scoped: true},
		// Run records are global: admins of every tenant see them and may
		// start a job (the test tick; the scheduler's clock moves a second per
		// call, so the two admins' starts do not share a key).
		{method: "GET", route: "/admin/jobs", want: [nCallers]int{redirect, redirect, forbidden, forbidden, ok, forbidden, ok}},
		{method: "POST", route: "/admin/jobs/:name/run", body: func(*authzFixture, int) url.Values { return url.Values{} },
			want: [nCallers]int{redirect, redirect, forbidden, forbidden, redirect, forbidden, redirect}},
		// A failed mail of the target's tenant: the other tenant's admin does
		// not find it; the admin, last, sends it again.
		{method: "POST", route: "/admin/outbox/:key/resend", setup: failedMail, body: func(*authzFixture, int) url.Values { return url.Values{} },
			want: [nCallers]int{redirect, redirect, forbidden, forbidden, notFound, forbidden, redirect}},
		{method: "GET", route: "/requests", want: staffList, scoped: true},
		{method: "GET", route: "/requests/new", want: [nCallers]int{redirect, redirect, forbidden, ok, ok, ok, ok}},
		// Outside callers may open the form but cannot file in a municipality not theirs.
		{method: "POST", route: "/requests", body: requestForm,
			want: [nCallers]int{redirect, redirect, forbidden, invalid, invalid, redirect, redirect}},
		{method: "GET", route: "/requests/:id", want: staffPageID},
		{method: "POST", route: "/requests/:id/status", fresh: true, body: func(*authzFixture, int) url.Values {
			return url.Values{"status": {"cancelled"}}
		}, want: [nCallers]int{redirect, redirect, forbidden, notFound, notFound, redirect, redirect}},

		{method: "GET", route: "/api/v1/openapi.json", want: public},
		{method: "POST", route: "/api/v1/signup", want: [nCallers]int{accepted, accepted, accepted, accepted, accepted, accepted, accepted},
			json: `{"name":"Jonas Becker","email":"api-%s@example.org","plz":"79589","radius_km":10,"transport":["car"],
				"languages":[{"code":"de","level":"native"}],"skills":["driving"],"availability":["sat_am"],
				"capacity":1,"max_hours_per_month":6,"privacy_consent":true}`},
		{method: "GET", route: "/api/v1/volunteers", want: staffAPI, scoped: true},
		{method: "GET", route: "/api/v1/volunteers/load", want: staffAPI},
		{method: "PUT", route: "/api/v1/volunteers/:id/background-check", want: staffAPIID,
			json: `{"certificate_date":"` + time.Now().AddDate(0, 0, -7).Format(time.DateOnly) + `","suitable":true}`},
		{method: "DELETE", route: "/api/v1/volunteers/:id/background-check", want: staffAPIID},
		{method: "GET", route: "/api/v1/volunteers/:id", want: staffAPIID},
		{method: "PATCH", route: "/api/v1/volunteers/:id", want: staffAPIID, json: `{"notes":"Rückruf %s"}`},
		{method: "GET", route: "/api/v1/requests", want: staffAPI, scoped: true},
		{method: "POST", route: "/api/v1/requests", want: [nCallers]int{unauth, unauth, forbidden, invalid, invalid, created, created},
			json: `{"category":"housing_search","title":"Wohnung %s","municipality":"08336050","plz":"79539",
				"languages_any":["uk"],"slots":["mon_pm"],"needed":1,"beneficiary_ref":"WB-2026-0102"}`},
		{method: "GET", route: "/api/v1/requests/:id", want: staffAPIID},
		{method: "PATCH", route: "/api/v1/requests/:id", want: staffAPIID, json: `{"priority":3,"title":"Geändert %s"}`},

		// The runs come before the lists, so staff inside the scope find the
		// target request's proposal there; outsiders' runs see none of it.
		{method: "POST", route: "/proposals/run", body: func(*authzFixture, int) url.Values { return url.Values{} },
			want: [nCallers]int{redirect, redirect, forbidden, redirect, redirect, redirect, redirect}},
		{method: "POST", route: "/api/v1/proposals/run", want: staffAPI, json: `{}`},
		{method: "GET", route: "/proposals", want: staffList, scoped: true},
		{method: "GET", route: "/api/v1/proposals", want: staffAPI, scoped: true},

		// Decisions: each row gets a request whose current proposal names the
		// target volunteer. Outsiders do not find the request; the coordinator
		// decides, and the admin then takes the same decision again, which
		// succeeds too: a repeated approval returns the match it made (taking
		// no second place), a repeated rejection replaces the first. The
		// rejections come first: each approval takes one unit of the
		// volunteer's capacity of two, and a full volunteer is proposed no more.
		{method: "POST", route: "/proposals/:request/reject", setup: decisionTarget, body: decisionForm("not_suitable"),
			want: [nCallers]int{redirect, redirect, forbidden, notFound, notFound, redirect, redirect}},
		{method: "POST", route: "/api/v1/proposals/:request/reject", setup: decisionTarget, want: staffAPIID,
			json: `{"volunteer":"{volunteer}","reason":"other","note":"Rückmeldung %s"}`},
		{method: "POST", route: "/proposals/:request/approve", setup: decisionTarget, body: decisionForm(""),
			want: [nCallers]int{redirect, redirect, forbidden, notFound, notFound, redirect, redirect}},
		{method: "POST", route: "/api/v1/proposals/:request/approve", setup: decisionTarget, want: staffAPIID,
			json: `{"volunteer":"{volunteer}","note":"passt, %s"}`},
		// Bulk approval at a perfect score only, so it leaves the later rows'
		// proposals alone; outsiders approve nothing of the target's scope.
		{method: "POST", route: "/proposals/approve-above", body: func(*authzFixture, int) url.Values {
			return url.Values{"min_score": {"100"}}
		}, want: [nCallers]int{redirect, redirect, forbidden, redirect, redirect, redirect, redirect}},
		{method: "POST", route: "/api/v1/proposals/approve-above", want: staffAPI, json: `{"min_score":1}`},

		// Claims: accountants see the tenant's, coordinators their
		// municipality's; only an accountant releases (never the checker) and
		// reverses. Each caller gets a claim of its own in the needed state.
		{method: "GET", route: "/claims", want: [nCallers]int{redirect, redirect, ok, ok, ok, ok, ok}},
		{method: "POST", route: "/claims/:id/check", each: authzClaim(domain.ClaimSubmitted), body: func(*authzFixture, int) url.Values { return url.Values{} },
			want: [nCallers]int{redirect, redirect, redirect, notFound, notFound, redirect, redirect}},
		{method: "POST", route: "/claims/:id/release", each: authzClaim(domain.ClaimChecked), body: func(*authzFixture, int) url.Values { return url.Values{} },
			want: [nCallers]int{redirect, redirect, redirect, forbidden, notFound, forbidden, forbidden}},
		{method: "POST", route: "/claims/:id/reject", each: authzClaim(domain.ClaimSubmitted), body: func(*authzFixture, int) url.Values { return url.Values{"reason": {"privat"}} },
			want: [nCallers]int{redirect, redirect, redirect, notFound, notFound, redirect, redirect}},
		{method: "POST", route: "/claims/:id/reverse", each: authzClaim(domain.ClaimReleased), body: func(*authzFixture, int) url.Values { return url.Values{"reason": {"doppelt"}} },
			want: [nCallers]int{redirect, redirect, redirect, forbidden, forbidden, forbidden, forbidden}},
		{method: "GET", route: "/api/v1/claims", want: [nCallers]int{unauth, unauth, ok, ok, ok, ok, ok}},
		{method: "POST", route: "/api/v1/allowances", json: `{"volunteer":"{volunteer}","basis":"3_26a","year":2026,"amount":"1,00"}`,
			want: [nCallers]int{unauth, unauth, created, notFound, notFound, created, created}},
		{method: "POST", route: "/api/v1/claims/:id/check", each: authzClaim(domain.ClaimSubmitted), json: `{}`,
			want: [nCallers]int{unauth, unauth, ok, notFound, notFound, ok, ok}},
		{method: "POST", route: "/api/v1/claims/:id/release", each: authzClaim(domain.ClaimChecked), json: `{}`,
			want: [nCallers]int{unauth, unauth, ok, forbidden, notFound, forbidden, forbidden}},
		{method: "POST", route: "/api/v1/claims/:id/reject", each: authzClaim(domain.ClaimSubmitted), json: `{"reason":"privat"}`,
			want: [nCallers]int{unauth, unauth, ok, notFound, notFound, ok, ok}},
		{method: "POST", route: "/api/v1/claims/:id/reverse", each: authzClaim(domain.ClaimReleased), json: `{"reason":"doppelt"}`,
			want: [nCallers]int{unauth, unauth, ok, forbidden, forbidden, forbidden, forbidden}},

		// Payouts: admins keep the settings; accountants make batches, admins
		// read them and their files. Each creating caller gets a released
		// claim of a volunteer with bank details; the batch rows get a batch.
		{method: "GET", route: "/admin/payout", want: [nCallers]int{redirect, redirect, forbidden, forbidden, ok, forbidden, ok}},
		{method: "POST", route: "/admin/payout", body: func(*authzFixture, int) url.Values { return authzPayoutForm() },
			want: [nCallers]int{redirect, redirect, forbidden, forbidden, redirect, forbidden, redirect}},
		{method: "GET", route: "/api/v1/settings/payout", want: [nCallers]int{unauth, unauth, forbidden, forbidden, ok, forbidden, ok}},
		{method: "PUT", route: "/api/v1/settings/payout", json: authzPayoutJSON,
			want: [nCallers]int{unauth, unauth, forbidden, forbidden, ok, forbidden, ok}},
		{method: "GET", route: "/payouts", want: [nCallers]int{redirect, redirect, ok, forbidden, ok, forbidden, ok}},
		{method: "POST", route: "/payouts", each: authzReleased, body: func(*authzFixture, int) url.Values {
			return url.Values{"execution_date": {time.Now().Format(time.DateOnly)}}
		}, want: [nCallers]int{redirect, redirect, redirect, forbidden, forbidden, forbidden, forbidden}},
		{method: "GET", route: "/payouts/:id", setup: authzPayout, want: payoutRead},
		{method: "GET", route: "/payouts/:id/pain001.xml", setup: authzPayout, want: payoutRead},
		{method: "GET", route: "/payouts/:id/datev.csv", setup: authzPayout, want: payoutRead},
		{method: "GET", route: "/payouts/:id/export.csv", setup: authzPayout, want: payoutRead},
		{method: "GET", route: "/payouts/:id/anordnung.pdf", setup: authzPayout, want: payoutRead},
		{method: "GET", route: "/payouts/:id/mitteilungen.pdf", setup: authzPayout, want: payoutRead},
		{method: "GET", route: "/api/v1/payouts", want: [nCallers]int{unauth, unauth, ok, forbidden, ok, forbidden, ok}},
		{method: "POST", route: "/api/v1/payouts", each: authzReleased, json: `{}`,
			want: [nCallers]int{unauth, unauth, created, forbidden, forbidden, forbidden, forbidden}},
		{method: "GET", route: "/api/v1/payouts/:id", setup: authzPayout, want: payoutReadAPI},
		{method: "GET", route: "/api/v1/payouts/:id/pain001.xml", setup: authzPayout, want: payoutReadAPI},
		{method: "GET", route: "/api/v1/payouts/:id/datev.csv", setup: authzPayout, want: payoutReadAPI},
		{method: "GET", route: "/api/v1/payouts/:id/export.csv", setup: authzPayout, want: payoutReadAPI},
		{method: "GET", route: "/api/v1/payouts/:id/anordnung.pdf", setup: authzPayout, want: payoutReadAPI},
		{method: "GET", route: "/api/v1/payouts/:id/mitteilungen.pdf", setup: authzPayout, want: payoutReadAPI},

		// Rates: admins add and delete their tenant's tables; accountants
		// read them. Each caller adds under its own name and day; each
		// deleting caller gets a fresh table of the target tenant.
		{method: "GET", route: "/admin/rates", want: [nCallers]int{redirect, redirect, ok, forbidden, ok, forbidden, ok}},
		{method: "POST", route: "/admin/rates", body: func(_ *authzFixture, who int) url.Values {
			return url.Values{"valid_from": {time.Now().AddDate(0, 1, who).Format(time.DateOnly)}, "name": {"Seite " + callerNames[who]}, "car": {"0,30"}}
		}, want: [nCallers]int{redirect, redirect, forbidden, forbidden, redirect, forbidden, redirect}},
		{method: "POST", route: "/admin/rates/:from/delete", each: authzRates, body: func(*authzFixture, int) url.Values { return url.Values{} },
			want: [nCallers]int{redirect, redirect, forbidden, forbidden, notFound, forbidden, redirect}},
		{method: "GET", route: "/api/v1/settings/rates", want: [nCallers]int{unauth, unauth, ok, forbidden, ok, forbidden, ok}},
		{method: "POST", route: "/api/v1/settings/rates", json: `{"valid_from":"` + time.Now().AddDate(0, 2, 0).Format(time.DateOnly) + `","name":"API %s","car":"0.30"}`,
			want: [nCallers]int{unauth, unauth, forbidden, forbidden, created, forbidden, created}},
		{method: "DELETE", route: "/api/v1/settings/rates/:from", each: authzRates,
			want: [nCallers]int{unauth, unauth, forbidden, forbidden, notFound, forbidden, noContent}},

		// Offers: public signed-link routes. Without a valid link everybody
		// gets "not found", signed in or not; no session grants anything. The
		// volunteer sends her confirmation link's query, which is no offer
		// link; the forms name the target pair with a forged signature.
		{method: "GET", route: "/offers", want: linkOnly},
		{method: "POST", route: "/offers/accept", body: forgedOffer, want: linkOnly},
		{method: "POST", route: "/offers/decline", body: forgedOffer, want: linkOnly},

		// The volunteer portal. Asking for a link gets every caller the same
		// answer; without a valid link nobody enters, signed in or not. The
		// /me pages are the volunteer's alone: she holds a portal session, and
		// staff and anonymous callers are sent to /me/login (a redirect, as
		// her own successful forms are: `do` tells them apart by the
		// Location, and a refused one must write nothing). Her session
		// reaches only her own matches: on the target request she has none.
		{method: "GET", route: "/me/login", want: [nCallers]int{ok, redirect, ok, ok, ok, ok, ok}},
		{method: "POST", route: "/me/login", body: func(_ *authzFixture, who int) url.Values {
			return url.Values{"email": {fmt.Sprintf("portal-%s@example.org", callerNames[who])}}
		}, want: public},
		{method: "GET", route: "/me/enter", want: linkOnly},
		{method: "POST", route: "/me/enter", body: forgedPortalLink, want: linkOnly},
		{method: "GET", route: "/me", want: volunteerOnly},
		{method: "POST", route: "/me/profile", body: portalProfileForm, want: allRedirect},
		{method: "POST", route: "/me/pause", body: func(*authzFixture, int) url.Values {
			return url.Values{"until": {time.Now().AddDate(0, 0, 7).Format("2006-01-02")}}
		}, want: allRedirect},
		{method: "POST", route: "/me/resume", body: func(*authzFixture, int) url.Values { return url.Values{} }, want: allRedirect},
		{method: "POST", route: "/me/offers/:request/accept", body: func(*authzFixture, int) url.Values { return url.Values{} },
			want: volunteerNotHers},
		{method: "POST", route: "/me/offers/:request/decline", body: func(*authzFixture, int) url.Values { return url.Values{} },
			want: volunteerNotHers},
		{method: "POST", route: "/me/assignments/:request/withdraw", body: func(*authzFixture, int) url.Values {
			return url.Values{"reason": {"krank"}}
		}, want: volunteerNotHers},
		// Refunds: her bank details are hers to set; the claim form and a
		// claim need an assignment of hers, and the target request is none.
		{method: "GET", route: "/me/bank", want: volunteerOnly},
		{method: "GET", route: "/me/statement.pdf", want: volunteerOnly},
		{method: "POST", route: "/me/bank", body: func(*authzFixture, int) url.Values {
			return url.Values{"iban": {"DE89 3704 0044 0532 0130 00"}, "holder": {"Sabine Müller"}}
		}, want: allRedirect},
		{method: "GET", route: "/me/claims/new", want: volunteerNotHers},
		{method: "POST", route: "/me/claims", body: func(f *authzFixture, _ int) url.Values {
			return url.Values{"request": {f.request.Hex()}, "trips[0].date": {time.Now().AddDate(0, 0, -1).Format("2006-01-02")},
				"trips[0].from": {"79539"}, "trips[0].to": {"79540"}, "trips[0].km": {"5"}, "trips[0].mode": {"car"},
				"trips[0].purpose": {"Begleitung"}}
		}, want: volunteerNotHers},

		// Last: logging out ends the caller's session (the portal's first:
		// the staff logout drops the CSRF cookie the forms use).
		{method: "POST", route: "/me/logout", body: func(*authzFixture, int) url.Values { return url.Values{} },
			want: allRedirect},
		{method: "POST", route: "/logout", body: func(*authzFixture, int) url.Values { return url.Values{} },
			want: allRedirect},
	}
}

// TestAuthorizationTable requests every registered route as every kind of
// caller and checks the status, that outsiders never see the target, and that
// a refused request wrote nothing. A route without a row fails the test.
func TestAuthorizationTable(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()

	// A second router on the same service that believes X-Forwarded-For from
	// loopback, so every caller has its own sign-up rate-limit bucket.
	h, err := handlers.New(a.svc, a.svc.T, slog.New(slog.DiscardHandler), a.srv.URL, false)
	if err != nil {
		t.Fatal(err)
	}
	h.Proxies = []string{"127.0.0.1", "::1"}
	h.Jobs = newTestJobs(t, a.svc)
	engine := h.Router()
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)

	rows := authzTable()
	checkRoutesCovered(t, engine.Routes(), rows)

	f := &authzFixture{server: srv.URL}
	callers := make([]*caller, nCallers)
	for i := range callers {
		callers[i] = &caller{name: callerNames[i], ip: fmt.Sprintf("192.0.2.%d", i+1)}
	}
	f.volunteer, callers[volunteerLink].linkQ = a.confirmedVolunteer(t)
	callers[volunteerLink].cookie = &http.Cookie{Name: "lotse_me", Value: a.portalToken(t, "sabine@example.org"), Path: "/"}
	f.request = a.authzRequest(t)
	a.staffCaller(t, callers[accountant], a.tenant.Slug, "acct@example.org", domain.RoleAccountant)
	a.staffCaller(t, callers[coordinatorElsewhere], a.tenant.Slug, "binzen@example.org", domain.RoleCoordinator, "08336006")
	a.staffCaller(t, callers[adminOtherTenant], a.other.Slug, "admin@freiburg.example.org", domain.RoleAdmin)
	a.staffCaller(t, callers[coordinator], a.tenant.Slug, "loerrach@example.org", domain.RoleCoordinator, "08336050")
	a.staffCaller(t, callers[admin], a.tenant.Slug, "admin@example.org", domain.RoleAdmin)
	for _, c := range callers {
		if c.jar == nil {
			c.jar = a.client()
		}
		if c.cookie != nil {
			u, _ := url.Parse(srv.URL)
			c.jar.Jar.SetCookies(u, []*http.Cookie{c.cookie})
		}
		c.csrf = csrfFrom(t, c, srv.URL)
	}

	for _, row := range rows {
		rowTarget := f.request
		if row.setup != nil {
			rowTarget = row.setup(t, a, f)
		}
		for who, c := range callers {
			target := rowTarget
			if row.fresh {
				target = a.authzRequest(t)
			}
			if row.each != nil {
				target = row.each(t, a, f)
			}
			path := strings.Replace(row.route, "*filepath", "style.css", 1)
			if strings.Contains(path, "/volunteers/") {
				path = strings.Replace(path, ":id", f.volunteer.Hex(), 1)
			}
			path = strings.Replace(path, ":id", target.Hex(), 1)
			path = strings.Replace(path, ":request", target.Hex(), 1)
			path = strings.Replace(path, ":name", jobs.TickName, 1)
			path = strings.Replace(path, ":key", failedMailKey(target), 1)
			path = strings.Replace(path, ":from", f.ratesFrom, 1)

			before := a.auditCount(t)
			status, page := c.do(t, srv.URL, row, path, f, who)
			name := row.method + " " + row.route + " as " + c.name
			if want := row.want[who]; status != want {
				t.Errorf("%s: status %d, want %d", name, status, want)
				continue
			}
			if refused(status, page) && a.auditCount(t) != before {
				t.Errorf("%s: refused with %d but wrote an audit record", name, status)
			}
			if row.scoped && status == ok {
				sees := strings.Contains(page, f.volunteer.Hex()) || strings.Contains(page, f.request.Hex()) ||
					strings.Contains(page, "Sabine Müller")
				if inside := who == coordinator || who == admin; sees != inside {
					t.Errorf("%s: sees the target: %v, want %v", name, sees, inside)
				}
			}
		}
	}

	// Nothing an outsider sent reached the target volunteer or request.
	v, err := a.st.VolunteerForLink(ctx, f.volunteer)
	if err != nil {
		t.Fatal(err)
	}
	if v.Notes != "Rückruf admin" {
		t.Errorf("volunteer notes %q: want the admin's, the last allowed write", v.Notes)
	}
	r, err := a.svc.Request(ctx, domain.System(a.tenant.ID), f.request)
	if err != nil {
		t.Fatal(err)
	}
	if r.Title != "Geändert admin" {
		t.Errorf("request title %q: want the admin's, the last allowed write", r.Title)
	}

	// The decision rows approved twice and rejected twice, the repeated
	// approvals taking nothing twice.
	ms, err := a.st.Matches(ctx, domain.System(a.tenant.ID))
	if err != nil {
		t.Fatal(err)
	}
	decided := map[domain.MatchStatus]int{}
	for _, m := range ms {
		decided[m.Status]++
	}
	if decided[domain.MatchApproved] != 2 || decided[domain.MatchRejected] != 2 || len(ms) != 4 {
		t.Errorf("decisions %v, want 2 approved and 2 rejected", decided)
	}
	if v.ActiveAssignments != 2 {
		t.Errorf("volunteer holds %d assignments, want 2", v.ActiveAssignments)
	}

	// The allowance rows recorded one allowance for each allowed caller, three
	// from the form and three through the API; nobody else's went through.
	claims, err := a.st.Claims(ctx, a.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	allowances := 0
	for _, c := range claims {
		if c.Kind == domain.ClaimAllowance && c.Volunteer == f.volunteer {
			allowances++
		}
	}
	if allowances != 6 {
		t.Errorf("%d allowances recorded for the target, want 6", allowances)
	}

	// The portal forms the volunteer sent went through, as her.
	log, err := a.st.AuditLog(ctx, a.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	hers := map[string]bool{}
	for _, e := range log {
		if e.Actor == f.volunteer {
			hers[e.Action] = true
		}
	}
	for _, action := range []string{"volunteer.update", "volunteer.pause", "volunteer.resume", "volunteer.bank"} {
		if !hers[action] {
			t.Errorf("no %s by the volunteer in the audit log", action)
		}
	}
}

// failedMail puts a mail to the target volunteer into the tenant's outbox
// as failed and returns the ID its key is made of (see failedMailKey).
func failedMail(t *testing.T, a *testApp, f *authzFixture) domain.ID {
	t.Helper()
	ctx := context.Background()
	id := domain.NewID(time.Now())
	key := failedMailKey(id)
	if _, err := a.st.Enqueue(ctx, a.tenant.ID, store.OutboxMessage{Key: key, To: "sabine@example.org",
		Subject: "Test", Text: "Hallo"}); err != nil {
		t.Fatal(err)
	}
	m, err := a.st.ClaimMail(ctx, key, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.st.MailFailed(ctx, m, "mail: permanent failure"); err != nil {
		t.Fatal(err)
	}
	return id
}

// authzClaim returns a builder of a claim of the target tenant's Lörrach in
// status st; checked and released ones were checked by somebody else.
func authzClaim(st domain.ClaimStatus) func(t *testing.T, a *testApp, f *authzFixture) domain.ID {
	return func(t *testing.T, a *testApp, f *authzFixture) domain.ID {
		t.Helper()
		now := time.Now()
		c := &domain.Claim{Tenant: a.tenant.ID, Volunteer: f.volunteer, Request: f.request, Municipality: "08336050",
			Kind: domain.ClaimTravel, AmountCents: 1260, Status: st}
		if st != domain.ClaimSubmitted {
			c.CheckedBy, c.CheckedAt = domain.NewID(now), now
		}
		if err := a.st.CreateClaim(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
}

func failedMailKey(id domain.ID) string { return "authz-failed:" + id.Hex() }

// refused reports whether a caller was turned away: an error status, or a
// redirect to the login page.
func refused(status int, page string) bool {
	return status >= 400 || status == redirect && page == "→ login"
}

// checkRoutesCovered fails for a registered route without a row and for a row
// naming no route, so a new route cannot ship without its authorization line.
func checkRoutesCovered(t *testing.T, routes gin.RoutesInfo, rows []authzRow) {
	t.Helper()
	have := map[string]bool{}
	for _, r := range rows {
		have[r.method+" "+r.route] = true
	}
	registered := map[string]bool{}
	for _, r := range routes {
		if r.Method == "HEAD" {
			continue
		}
		k := r.Method + " " + r.Path
		registered[k] = true
		if !have[k] {
			t.Errorf("route %s has no row in the authorization table", k)
		}
	}
	for k := range have {
		if !registered[k] {
			t.Errorf("row %s names no registered route", k)
		}
	}
}

// do sends row's request as c and returns the status and body.
func (c *caller) do(t *testing.T, server string, row authzRow, path string, f *authzFixture, who int) (int, string) {
	t.Helper()
	api := strings.HasPrefix(path, "/api/")
	u := server + path
	if c.linkQ != "" {
		u += "?" + c.linkQ
	}
	var payload, ctype string
	switch {
	case row.body != nil:
		v := row.body(f, who)
		v.Set("csrf", c.csrf)
		payload, ctype = v.Encode(), "application/x-www-form-urlencoded"
	case row.json != "":
		payload, ctype = strings.ReplaceAll(row.json, "{volunteer}", f.volunteer.Hex()), "application/json"
		if strings.Contains(payload, "%s") {
			payload = fmt.Sprintf(payload, c.name)
		}
	}
	req, err := http.NewRequest(row.method, u, strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("X-Forwarded-For", c.ip)
	req.Header.Set("Accept-Language", "de")
	client := c.jar
	if api {
		// The API is called as tools do: a bearer token, no cookies.
		client = &http.Client{CheckRedirect: c.jar.CheckRedirect}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page := body(t, res)
	if loc := res.Header.Get("Location"); strings.HasPrefix(loc, "/login") || strings.HasPrefix(loc, "/me/login") {
		page = "→ login"
	}
	return res.StatusCode, page
}

// staffCaller adds a user to tenant slug and signs c in with a session cookie
// and a personal API token.
func (a *testApp) staffCaller(t *testing.T, c *caller, slug, email string, role domain.Role, munis ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := a.svc.AddUser(ctx, slug, domain.UserInput{Email: email, Role: role, Municipalities: munis, Password: staffPassword}); err != nil {
		t.Fatal(err)
	}
	session, _, err := a.svc.Login(ctx, email, staffPassword, c.ip)
	if err != nil {
		t.Fatal(err)
	}
	c.cookie = &http.Cookie{Name: "lotse_session", Value: session, Path: "/"}
	if c.token, err = a.svc.CreateToken(ctx, email, "authz"); err != nil {
		t.Fatal(err)
	}
}

// csrfFrom loads the sign-up page as c and returns the form's CSRF token.
func csrfFrom(t *testing.T, c *caller, server string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", server+"/signup", nil)
	req.Header.Set("X-Forwarded-For", c.ip)
	res, err := c.jar.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	m := csrfField.FindStringSubmatch(body(t, res))
	if m == nil {
		t.Fatalf("%s: no CSRF token on /signup", c.name)
	}
	return m[1]
}

var confirmLink = regexp.MustCompile(`/signup/confirm\?([^\s"<>]+)`)

// confirmedVolunteer signs "Sabine Müller" up in Lörrach, confirms her by the
// mailed link and returns her ID and the link's query.
func (a *testApp) confirmedVolunteer(t *testing.T) (domain.ID, string) {
	t.Helper()
	ctx := context.Background()
	in := domain.SignupInput{Name: "Sabine Müller", Email: "sabine@example.org", PLZ: "79539", RadiusKm: 15,
		Transport: []string{"bicycle"}, Languages: []domain.LanguageSkill{{Code: "de", Level: "native"}},
		Skills: []string{"housing_search"}, Availability: []string{"mon_am"}, Capacity: 2, MaxHoursPerMonth: 40,
		PrivacyConsent: true, Locale: "de"}
	if err := a.svc.SignUp(ctx, in, "198.51.100.7"); err != nil {
		t.Fatal(err)
	}
	a.dispatch()
	msg := a.smtp.WaitFor(t, 1, 5*time.Second)[0]
	m := confirmLink.FindStringSubmatch(msg.Text)
	if m == nil {
		t.Fatalf("no link in %q", msg.Text)
	}
	q, err := url.ParseQuery(m[1])
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(a.srv.URL + "/signup/confirm?" + m[1])
	if err != nil {
		t.Fatal(err)
	}
	if body(t, res); res.StatusCode != ok {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	id, err := domain.ParseID(q.Get("id"))
	if err != nil {
		t.Fatal(err)
	}
	return id, m[1]
}

// authzRequest registers an open request in Lörrach.
func (a *testApp) authzRequest(t *testing.T) domain.ID {
	t.Helper()
	r, err := a.svc.RegisterRequest(context.Background(), domain.System(a.tenant.ID), domain.RequestInput{
		Category: "authority_accompaniment", Title: "Begleitung Ausländerbehörde", Municipality: "08336050", PLZ: "79539",
		LanguagesAny: []string{"ar"}, Slots: []string{"tue_am"}, Needed: 1, Priority: 2, BeneficiaryRef: "WB-2026-0100"})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// forgedOffer is an offer form for the target request and volunteer, valid
// for a day, with a signature nobody issued.
func forgedOffer(f *authzFixture, _ int) url.Values {
	return url.Values{"r": {f.request.Hex()}, "v": {f.volunteer.Hex()},
		"exp": {fmt.Sprint(time.Now().Add(24 * time.Hour).Unix())}, "sig": {"Zm9yZ2Vk"}, "reason": {"keine Zeit"}}
}

// decisionForm is the body of a page's decision on the target volunteer; a
// rejection gives reason.
func decisionForm(reason string) func(*authzFixture, int) url.Values {
	return func(f *authzFixture, _ int) url.Values {
		v := url.Values{"volunteer": {f.volunteer.Hex()}}
		if reason != "" {
			v.Set("reason", reason)
		}
		return v
	}
}

// decisionTarget cancels the previous decision row's request if it is still
// open, registers a request in Lörrach that the target volunteer fits (German,
// housing search, Monday morning) and runs the engine for the tenant, so the
// current proposal names her for it, proposed or as an alternative.
func decisionTarget(t *testing.T, a *testApp, f *authzFixture) domain.ID {
	t.Helper()
	ctx, sys := context.Background(), domain.System(a.tenant.ID)
	if f.decided != domain.NilID {
		if r, err := a.svc.Request(ctx, sys, f.decided); err != nil {
			t.Fatal(err)
		} else if r.Status == domain.RequestOpen {
			to := domain.RequestCancelled
			if _, err := a.svc.UpdateRequest(ctx, sys, f.decided, service.RequestPatchInput{Status: &to}); err != nil {
				t.Fatal(err)
			}
		}
	}
	r, err := a.svc.RegisterRequest(ctx, sys, domain.RequestInput{
		Category: "housing_search", Title: "Wohnungssuche", Municipality: "08336050", PLZ: "79539",
		LanguagesAny: []string{"de"}, Slots: []string{"mon_am"}, Needed: 1, Priority: 3, BeneficiaryRef: "WB-2026-0300"})
	if err != nil {
		t.Fatal(err)
	}
	f.decided = r.ID
	if _, err := a.svc.ProposeMatches(ctx, sys); err != nil {
		t.Fatal(err)
	}
	ps, err := a.svc.Proposals(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Request != r.ID {
			continue
		}
		for _, c := range append(p.Proposed, p.Alternatives...) {
			if c.Volunteer == f.volunteer {
				return r.ID
			}
		}
	}
	t.Fatalf("the proposal for %s does not name the target volunteer", r.ID.Hex())
	return domain.NilID
}

// auditCount is the number of audit records of both tenants.
func (a *testApp) auditCount(t *testing.T) int {
	t.Helper()
	n := 0
	for _, tn := range []*domain.Tenant{a.tenant, a.other} {
		log, err := a.st.AuditLog(context.Background(), tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		n += len(log)
	}
	return n
}

// authzPayoutSettings are complete payout settings without cost centres, so
// they fit either tenant.
func authzPayoutSettings() domain.PayoutSettings {
	return domain.PayoutSettings{DebtorName: "Landratsamt Lörrach", IBAN: "DE68210501700012345678", Consultant: 29098,
		Client: 55003, AccountLength: 4, TravelAccount: "4660", AllowanceAccount: "4190", ContraAccount: "1360", RateTable: "brkg"}
}

const authzPayoutJSON = `{"debtor_name":"Landratsamt Lörrach","iban":"DE68 2105 0170 0012 3456 78","bic":"","consultant":29098,
	"client":55003,"account_length":4,"travel_account":"4660","allowance_account":"4190","contra_account":"1360",
	"cost_centres":{},"rate_table":"brkg"}`

func authzPayoutForm() url.Values {
	return url.Values{"debtor_name": {"Landratsamt Lörrach"}, "iban": {"DE68 2105 0170 0012 3456 78"}, "consultant": {"29098"},
		"client": {"55003"}, "account_length": {"4"}, "travel_account": {"4660"}, "allowance_account": {"4190"},
		"contra_account": {"1360"}, "rate_table": {"brkg"}}
}

// authzReleased gives the target tenant payout settings, the target
// volunteer bank details and a released claim, so an accountant can make a
// batch; it returns the claim.
func authzReleased(t *testing.T, a *testApp, f *authzFixture) domain.ID {
	t.Helper()
	ctx := context.Background()
	set := authzPayoutSettings()
	if err := a.st.SetPayoutSettings(ctx, a.tenant.ID, &set); err != nil {
		t.Fatal(err)
	}
	if err := a.st.SetBankDetails(ctx, a.tenant.ID, f.volunteer, "DE89370400440532013000", "Sabine Müller"); err != nil {
		t.Fatal(err)
	}
	return authzClaim(domain.ClaimReleased)(t, a, f)
}

// authzRates adds an unused rate table to the target tenant, for a caller to
// delete; its day goes to f.ratesFrom.
func authzRates(t *testing.T, a *testApp, f *authzFixture) domain.ID {
	t.Helper()
	tn, err := a.st.Tenant(context.Background(), a.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Now().AddDate(1, 0, len(tn.Rates)).Format(time.DateOnly)
	r := domain.TravelRates{ValidFrom: day, Name: "Löschbar " + day, Car: 300}
	if err := a.st.SetTravelRates(context.Background(), a.tenant.ID, tn.Rates, append(tn.Rates, r)); err != nil {
		t.Fatal(err)
	}
	f.ratesFrom = day
	return f.request
}

// authzPayout makes a batch of the target tenant and returns it.
func authzPayout(t *testing.T, a *testApp, f *authzFixture) domain.ID {
	t.Helper()
	authzReleased(t, a, f)
	p, err := a.svc.CreatePayout(context.Background(),
		domain.Scope{Tenant: a.tenant.ID, User: domain.NewID(time.Now()), Role: domain.RoleAccountant}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}
