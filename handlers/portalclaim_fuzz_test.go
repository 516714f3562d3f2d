package handlers

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"lotse/domain"
)

// FuzzBindClaimForm feeds POST /me/claims bodies to the claim form's binder:
// only filled-in rows become trips, in form order and at most claimFormTrips; the
// page keeps what was typed; a passengers count that is no number never
// reaches the service as a valid one; and rowErrors sends every trip error
// to a row that was sent.
func FuzzBindClaimForm(f *testing.F) {
	for _, s := range []string{
		url.Values{"request": {"x"}, "note": {"Belege folgen"}, "trips[0].date": {"2026-11-20"}, "trips[0].from": {"79539"},
			"trips[0].to": {"79650"}, "trips[0].km": {"12,3"}, "trips[0].mode": {"car"}, "trips[0].purpose": {"Amt"}}.Encode(),
		"trips[1].mode=bicycle&trips[3].passengers=zwei&trips[4].ticket=4,60",
		"trips[0].passengers=-0&trips[0].passengers=3&trips[2].date=%20&trips[9].km=1&trips[-1].km=2",
		"trips[0].purpose=%00%ff&trips[4].raised_reason=" + url.QueryEscape("\u202e") + "&note=",
	} {
		f.Add(s)
	}
	req := domain.NewID(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	f.Fuzz(func(t *testing.T, body string) {
		c := formContext(body)
		page := meClaimPage{Rows: make([]tripRow, claimFormTrips)}
		for i := range page.Rows {
			page.Rows[i] = tripRow{N: i}
		}
		in, used, unparsed := bindClaimForm(c, &page, req)
		if in.Request != req || len(in.Trips) != len(used) || len(used) > claimFormTrips || !slices.IsSorted(used) {
			t.Fatalf("trips %d from rows %v", len(in.Trips), used)
		}
		for k, i := range used {
			r := page.Rows[i]
			if r.blank() || !r.Open || in.Trips[k].Date != r.Date || in.Trips[k].Km != r.Km || in.Trips[k].Purpose != r.Purpose {
				t.Fatalf("trip %d does not match row %d: %+v / %+v", k, i, in.Trips[k], r)
			}
			if slices.Contains(unparsed, r.Key("passengers")) && in.Trips[k].Passengers != -1 {
				t.Fatalf("row %d: passengers %q sent as %d", i, r.Passengers, in.Trips[k].Passengers)
			}
		}
		for _, key := range unparsed {
			var n int
			if _, err := fmt.Sscanf(key, "trips[%d].passengers", &n); err != nil || !slices.Contains(used, n) {
				t.Fatalf("unparsed %q is no sent row's passengers", key)
			}
		}
		errs := map[string]string{"note": "field.too_long"}
		for k := range in.Trips {
			errs[fmt.Sprintf("trips[%d].km", k)] = "field.claim.km"
		}
		got := rowErrors(errs, used)
		if len(got) != len(errs) || got["note"] != "field.too_long" {
			t.Fatalf("rowErrors %v from %v", got, errs)
		}
		for _, i := range used {
			if got[tripRow{N: i}.Key("km")] != "field.claim.km" {
				t.Fatalf("row %d lost its error: %v", i, got)
			}
		}
	})
}
