package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"lotse/domain"
)

// TestOpenAPIDescribesResponses calls every API operation with good and bad
// input and validates each real response (status, content type, body) against
// the OpenAPI document the server itself serves.
func TestOpenAPIDescribesResponses(t *testing.T) {
	a := newTestApp(t)
	res, err := http.Get(a.srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw := body(t, res)
	doc, err := openapi3.NewLoader().LoadFromData([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: a.srv.URL + "/api/v1"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}

	admin := a.reqToken(t, a.tenant.Slug, "admin@example.org", domain.RoleAdmin)
	acct := a.reqToken(t, a.tenant.Slug, "kasse@example.org", domain.RoleAccountant)
	hit := map[string]bool{} // operation + status seen

	call := func(method, path, token, payload string, want int) []byte {
		t.Helper()
		req, _ := http.NewRequest(method, a.srv.URL+"/api/v1"+path, strings.NewReader(payload))
		if payload != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, b)
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s %s: not in the document: %v", method, path, err)
		}
		hit[route.Operation.OperationID+" "+method+" "+route.Path+" "+http.StatusText(want)] = true
		validateResponse(t, route, params, req, res, b)
		return b
	}

	signup := `{"name":"Jonas Becker","email":"jonas@example.org","plz":"79539","radius_km":10,"transport":["car"],
		"languages":[{"code":"uk","level":"B2"}],"skills":["driving"],"availability":["sat_am"],"capacity":1,
		"max_hours_per_month":6,"privacy_consent":true}`
	call("POST", "/signup", "", signup, 202)
	call("POST", "/signup", "", `{"name":""}`, 422)
	call("POST", "/signup", "", `{"name":`, 400)

	call("GET", "/volunteers", "", "", 401)
	call("GET", "/volunteers", acct, "", 403)
	call("GET", "/volunteers?skill=cooking", admin, "", 422)
	var list struct{ Items []struct{ ID string } }
	_ = json.Unmarshal(call("GET", "/volunteers?status=pending&limit=10", admin, "", 200), &list)
	if len(list.Items) != 1 {
		t.Fatalf("volunteers: %+v", list)
	}
	vid := list.Items[0].ID
	call("GET", "/volunteers/"+vid, admin, "", 200)
	call("GET", "/volunteers/"+domain.NewID(time.Now()).Hex(), admin, "", 404)
	call("PATCH", "/volunteers/"+vid, admin, `{"capacity":2,"notes":"ruft zurück"}`, 200)
	call("PATCH", "/volunteers/"+vid, admin, `{"capacity":0}`, 422)
	call("PATCH", "/volunteers/"+vid, admin, `{"shoe_size":44}`, 400)
	week := time.Now().AddDate(0, 0, -7).Format(time.DateOnly)
	call("PUT", "/volunteers/"+vid+"/background-check", admin, `{"certificate_date":"`+week+`","suitable":true}`, 200)
	call("PUT", "/volunteers/"+vid+"/background-check", admin, `{"certificate_date":"2020-01-01","suitable":true}`, 422)
	call("PUT", "/volunteers/"+vid+"/background-check", admin, `{"certificate_date":`, 400)
	call("PUT", "/volunteers/"+vid+"/background-check", acct, `{"certificate_date":"`+week+`","suitable":true}`, 403)
	call("PUT", "/volunteers/"+domain.NewID(time.Now()).Hex()+"/background-check", admin, `{"certificate_date":"`+week+`","suitable":true}`, 404)
	call("DELETE", "/volunteers/"+vid+"/background-check", admin, "", 200)
	call("DELETE", "/volunteers/"+vid+"/background-check", "", "", 401)

	req := `{"category":"homework_help","title":"Mathe 7. Klasse","municipality":"08336050","plz":"79539",
		"languages_any":["ar"],"slots":["tue_pm"],"needed":1,"beneficiary_ref":"WB-2026-0007"}`
	var r struct{ ID string }
	_ = json.Unmarshal(call("POST", "/requests", admin, req, 201), &r)
	call("POST", "/requests", admin, `{"category":"legal_help","title":"Widerspruch"}`, 422)
	call("POST", "/requests", admin, `[]`, 400)
	call("GET", "/requests?category=homework_help", admin, "", 200)
	call("GET", "/requests?status=sleeping", admin, "", 422)
	call("GET", "/requests/"+r.ID, admin, "", 200)
	call("GET", "/requests/"+r.ID, acct, "", 403)
	call("PATCH", "/requests/"+r.ID, admin, `{"status":"done"}`, 200)
	call("PATCH", "/requests/"+r.ID, admin, `{"status":"open"}`, 422) // done is final
	call("GET", "/proposals", "", "", 401)
	call("GET", "/proposals", acct, "", 403)
	call("GET", "/proposals", admin, "", 200) // none yet: an empty list
	call("POST", "/proposals/run", acct, "{}", 403)
	// Jonas confirms his address (and so becomes active), and an open request
	// fits him, so the list shows a candidate.
	a.dispatch()
	link := confirmLink.FindStringSubmatch(a.smtp.WaitFor(t, 1, 5*time.Second)[0].Text)
	if link == nil {
		t.Fatal("no confirmation link mailed")
	}
	if res, err := http.Get(a.srv.URL + "/signup/confirm?" + link[1]); err != nil || res.StatusCode != 200 {
		t.Fatalf("confirm: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	call("POST", "/requests", admin, `{"category":"driving","title":"Fahrt zum Amt","municipality":"08336050",
		"plz":"79539","languages_any":["uk"],"slots":["sat_am"],"needed":2,"beneficiary_ref":"WB-2026-0008"}`, 201)
	call("POST", "/proposals/run", admin, "{}", 200)
	var props struct {
		Items []struct {
			Request  string
			Proposed []struct{ Volunteer string }
			Missing  int
		}
	}
	_ = json.Unmarshal(call("GET", "/proposals", admin, "", 200), &props)
	if len(props.Items) != 1 || len(props.Items[0].Proposed) != 1 || props.Items[0].Proposed[0].Volunteer != vid ||
		props.Items[0].Missing != 1 {
		t.Errorf("proposals: %+v, want the volunteer proposed and one slot open", props)
	}

	// Decisions on the proposal: a bad reason, a rejection, then an approval
	// of the same volunteer; rejecting the approved volunteer is a conflict.
	if len(props.Items) != 1 {
		t.FailNow()
	}
	drive := props.Items[0].Request
	decide := func(verb, body string, want int) []byte {
		t.Helper()
		return call("POST", "/proposals/"+drive+"/"+verb, admin, body, want)
	}
	decide("reject", `{"volunteer":"`+vid+`","reason":"dislike"}`, 422)
	decide("reject", `{"volunteer":"`+vid+`","reason":"volunteer_unavailable","note":"im Urlaub"}`, 200)
	var m struct{ Status, Volunteer, Request string }
	_ = json.Unmarshal(decide("approve", `{"volunteer":"`+vid+`","note":"passt"}`, 200), &m)
	if m.Status != "approved" || m.Volunteer != vid || m.Request != drive {
		t.Errorf("approve: %+v", m)
	}
	decide("reject", `{"volunteer":"`+vid+`","reason":"other"}`, 409)
	decide("approve", `{"volunteer":"`+domain.NewID(time.Now()).Hex()+`"}`, 409) // not proposed
	decide("approve", `{"volunteer":`, 400)

	// With his capacity lowered to the one assignment he carries, Jonas is at
	// full load on the dashboard.
	call("POST", "/proposals/approve-above", admin, `{"min_score":0.3}`, 422)
	call("POST", "/proposals/approve-above", admin, `{"min_score":"high"}`, 400)
	call("POST", "/proposals/approve-above", acct, `{"min_score":0.8}`, 403)
	call("POST", "/proposals/approve-above", admin, `{"min_score":0.5}`, 200) // everything decided: nothing to do
	// Claims: the admin checks, the accountant releases and reverses.
	for _, st := range []domain.ClaimStatus{domain.ClaimSubmitted, domain.ClaimSubmitted} {
		if err := a.st.CreateClaim(context.Background(), &domain.Claim{Tenant: a.tenant.ID, Volunteer: domain.NewID(time.Now()),
			Municipality: "08336050", Kind: domain.ClaimTravel, AmountCents: 1260, Status: st,
			Trips: []domain.ClaimTrip{{Date: "2026-11-20", From: "79539", To: "79650", Metres: 6300, Mode: "car",
				Purpose: "Begleitung", Table: "BRKG", AmountCents: 1260}}}); err != nil {
			t.Fatal(err)
		}
	}
	var claims struct{ Items []struct{ ID string } }
	_ = json.Unmarshal(call("GET", "/claims", acct, "", 200), &claims)
	if len(claims.Items) != 2 {
		t.Fatalf("claims: %+v", claims)
	}
	c1, c2 := claims.Items[0].ID, claims.Items[1].ID
	call("GET", "/claims", "", "", 401)
	call("POST", "/claims/"+c1+"/release", acct, `{}`, 409) // not checked yet
	call("POST", "/claims/"+c1+"/check", admin, `{}`, 200)
	call("POST", "/claims/"+c1+"/release", admin, `{}`, 403)
	call("POST", "/claims/"+c1+"/release", acct, `{}`, 200)
	call("POST", "/claims/"+c1+"/reverse", acct, `{"reason":""}`, 422)
	call("POST", "/claims/"+c1+"/reverse", acct, `{"reason":"doppelt"}`, 200)
	call("POST", "/claims/"+c2+"/reject", acct, `{"reason":`, 400)
	call("POST", "/claims/"+c2+"/reject", acct, `{"reason":"privat"}`, 200)
	call("POST", "/claims/"+domain.NewID(time.Now()).Hex()+"/check", acct, `{}`, 404)
	call("POST", "/allowances", admin, `{"volunteer":"`+vid+`","basis":"3_26a","year":2026,"amount":"40,00"}`, 201)
	call("POST", "/allowances", admin, `{"volunteer":"`+vid+`","basis":"3_26a","year":2026,"amount":"4000"}`, 422)
	call("POST", "/allowances", admin, `{"volunteer":"x","basis":"3_26a","year":2026,"amount":"1"}`, 422)
	call("GET", "/volunteers/load", acct, "", 403)
	call("GET", "/volunteers/load", "", "", 401)
	call("PATCH", "/volunteers/"+vid, admin, `{"capacity":1}`, 200)
	var load struct {
		High []struct {
			Volunteer string
			Load      float64
		}
	}
	_ = json.Unmarshal(call("GET", "/volunteers/load", admin, "", 200), &load)
	if len(load.High) != 1 || load.High[0].Volunteer != vid || load.High[0].Load != 1 {
		t.Errorf("load: %+v, want Jonas at full load", load)
	}
	call("POST", "/proposals/"+domain.NewID(time.Now()).Hex()+"/approve", admin, `{"volunteer":"`+vid+`"}`, 404)
	call("POST", "/proposals/"+drive+"/approve", acct, `{"volunteer":"`+vid+`"}`, 403)
	call("POST", "/proposals/"+drive+"/reject", "", `{"volunteer":"`+vid+`","reason":"other"}`, 401)
	// Payouts: settings first, then a batch of Jonas's released claim.
	call("GET", "/settings/payout", "", "", 401)
	call("GET", "/settings/payout", acct, "", 403)
	call("GET", "/settings/payout", admin, "", 200)
	call("POST", "/payouts", acct, `{}`, 409) // no settings yet
	call("PUT", "/settings/payout", admin, `{"debtor_name":"","iban":"DE00"}`, 422)
	call("PUT", "/settings/payout", admin, `{"iban":`, 400)
	call("PUT", "/settings/payout", acct, `{}`, 403)
	call("PUT", "/settings/payout", admin, `{"debtor_name":"Landratsamt Lörrach","iban":"DE68 2105 0170 0012 3456 78",
		"consultant":29098,"client":55003,"account_length":4,"travel_account":"4660","allowance_account":"4190",
		"contra_account":"1360","cost_centres":{"08336050":"KST-LOE"},"rate_table":"brkg"}`, 200)
	if err := a.st.SetBankDetails(context.Background(), a.tenant.ID, mustID(t, vid), "DE89370400440532013000", "Jonas Becker"); err != nil {
		t.Fatal(err)
	}
	if err := a.st.CreateClaim(context.Background(), &domain.Claim{Tenant: a.tenant.ID, Volunteer: mustID(t, vid),
		Municipality: "08336050", Kind: domain.ClaimTravel, AmountCents: 2340, Status: domain.ClaimReleased,
		Trips: []domain.ClaimTrip{{Date: "2026-11-21", From: "79539", To: "79650", Metres: 11700, Mode: "car",
			Purpose: "Begleitung", Table: "BRKG", AmountCents: 2340}}}); err != nil {
		t.Fatal(err)
	}
	// Rates: accountants read, admins add and delete an unused table.
	var hist struct {
		Current string
		Tables  []struct{ Name, Car string }
	}
	_ = json.Unmarshal(call("GET", "/settings/rates", acct, "", 200), &hist)
	if hist.Current != "BRKG § 5" || len(hist.Tables) != 0 {
		t.Errorf("rates: %+v", hist)
	}
	next := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	call("POST", "/settings/rates", acct, `{}`, 403)
	call("POST", "/settings/rates", admin, `{"valid_from":"morgen","name":"","car":"viel"}`, 422)
	call("POST", "/settings/rates", admin, `{"valid_from":`, 400)
	call("POST", "/settings/rates", admin, `{"valid_from":"`+next+`","name":"Kreistag","car":"0,35","per_trip_cap":"150","dticket":true}`, 201)
	_ = json.Unmarshal(call("GET", "/settings/rates", admin, "", 200), &hist)
	if len(hist.Tables) != 1 || hist.Tables[0].Car != "0.35" {
		t.Errorf("rates after adding: %+v", hist)
	}
	call("DELETE", "/settings/rates/"+next, acct, "", 403)
	call("DELETE", "/settings/rates/2001-01-01", admin, "", 404)
	call("DELETE", "/settings/rates/"+next, admin, "", 204)
	call("POST", "/payouts", admin, `{}`, 403)
	call("POST", "/payouts", acct, `{"execution_date":"2020-01-01"}`, 422)
	call("POST", "/payouts", acct, `{"execution_date":`, 400)
	call("POST", "/payouts", "", `{}`, 401)
	var batch struct {
		ID    string
		Files []struct{ Name, SHA256 string }
	}
	_ = json.Unmarshal(call("POST", "/payouts", acct, `{}`, 201), &batch)
	if len(batch.Files) != len(domain.PayoutFileNames) {
		t.Fatalf("batch files: %+v", batch)
	}
	call("POST", "/payouts", acct, `{}`, 409) // nothing left
	call("GET", "/payouts", acct, "", 200)
	call("GET", "/payouts", admin, "", 200)
	call("GET", "/payouts", "", "", 401)
	call("GET", "/payouts/"+batch.ID, admin, "", 200)
	call("GET", "/payouts/"+domain.NewID(time.Now()).Hex(), acct, "", 404)
	call("GET", "/payouts/"+batch.ID, "", "", 401)
	for _, f := range batch.Files {
		call("GET", "/payouts/"+batch.ID+"/"+f.Name, acct, "", 200)
		call("GET", "/payouts/"+domain.NewID(time.Now()).Hex()+"/"+f.Name, acct, "", 404)
		call("GET", "/payouts/"+batch.ID+"/"+f.Name, "", "", 401)
	}
	call("GET", "/openapi.json", "", "", 200)

	// Every operation of the document was called at least once.
	for _, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			found := false
			for k := range hit {
				found = found || strings.HasPrefix(k, op.OperationID+" "+method+" ")
			}
			if !found {
				t.Errorf("operation %s %s was not exercised", method, op.OperationID)
			}
		}
	}
}

func validateResponse(t *testing.T, route *routers.Route, params map[string]string, req *http.Request, res *http.Response, b []byte) {
	t.Helper()
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(b)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	openapi3filter.RegisterBodyDecoder("application/problem+json", openapi3filter.JSONBodyDecoder)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s → %d does not match openapi.json: %v", req.Method, req.URL.Path, res.StatusCode, err)
	}
}

func mustID(t *testing.T, hex string) domain.ID {
	t.Helper()
	id, err := domain.ParseID(hex)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
