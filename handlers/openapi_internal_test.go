package handlers

import (
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"lotse/accounting"
	"lotse/domain"
	"lotse/service"
)

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// TestOpenAPIMatchesRouter keeps openapi.json true: every API route is
// documented and every documented operation is routed.
func TestOpenAPIMatchesRouter(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" /api/v1"+strings.NewReplacer("{", ":", "}", "").Replace(path)] = true
		}
	}
	h := &Handler{Log: slog.New(slog.DiscardHandler)}
	routed := map[string]bool{}
	for _, r := range h.Router().Routes() {
		if strings.HasPrefix(r.Path, "/api/") {
			routed[r.Method+" "+r.Path] = true
		}
	}
	for k := range routed {
		if !documented[k] {
			t.Errorf("%s is routed but not in openapi.json", k)
		}
	}
	for k := range documented {
		if !routed[k] {
			t.Errorf("%s is in openapi.json but not routed", k)
		}
	}
}

// TestOpenAPISchemasMatchTypes compares each schema's properties with the JSON
// field names of the Go type the handlers read or write.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	for name, typ := range map[string]any{
		"SignupInput":          domain.SignupInput{},
		"LanguageSkill":        domain.LanguageSkill{},
		"Volunteer":            volunteerJSON{},
		"VolunteerUpdate":      service.VolunteerUpdate{},
		"VolunteerPage":        listJSON[volunteerJSON]{},
		"RequestInput":         domain.RequestInput{},
		"RequestPatch":         service.RequestPatchInput{},
		"Request":              requestJSON{},
		"RequestPage":          listJSON[requestJSON]{},
		"Problem":              Problem{},
		"ProposalRun":          proposalRunJSON{},
		"Proposal":             proposalJSON{},
		"Candidate":            candidateJSON{},
		"Approval":             approveJSON{},
		"Rejection":            rejectJSON{},
		"Match":                matchJSON{},
		"LoadReport":           loadJSON{},
		"LoadRow":              loadRowJSON{},
		"BulkApproval":         bulkApproveJSON{},
		"BulkResult":           bulkResultJSON{},
		"BulkFailure":          bulkFailedJSON{},
		"BackgroundCheck":      backgroundCheckJSON{},
		"BackgroundCheckInput": domain.BackgroundCheckInput{},
		"Claim":                claimJSON{},
		"ClaimTrip":            claimTripJSON{},
		"ClaimDTicket":         claimDTicketJSON{},
		"Rates":                ratesJSON{},
		"RateHistory":          rateHistoryJSON{},
		"ClaimList":            claimListJSON{},
		"ClaimReason":          claimReasonJSON{},
		"AllowanceInput":       allowanceJSON{},
		"AllowanceResult":      allowanceResultJSON{},
		"PayoutSettings":       payoutSettingsJSON{},
		"PayoutCreate":         payoutCreateJSON{},
		"Payout":               payoutJSON{},
		"PayoutTransfer":       payoutTransferJSON{},
		"PayoutSkip":           payoutSkipJSON{},
		"PayoutFile":           payoutFileJSON{},
		"PayoutList":           payoutListJSON{},
	} {
		ref := doc.Components.Schemas[name]
		if ref == nil {
			t.Errorf("schema %s missing", name)
			continue
		}
		var props []string
		for p := range ref.Value.Properties {
			props = append(props, p)
		}
		sort.Strings(props)
		if want := jsonFields(reflect.TypeOf(typ)); !slices.Equal(props, want) {
			t.Errorf("schema %s has %v, the Go type %v", name, props, want)
		}
	}
	if len(doc.Components.Schemas) != 39 {
		t.Errorf("%d schemas: give each new one a Go type above", len(doc.Components.Schemas))
	}
}

// jsonFields lists the JSON names of a struct's exported fields, sorted.
func jsonFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPIEnumsAreVocabulary requires every enum in the document to be one of
// the domain's vocabularies exactly, so a new skill or language cannot be
// missing from the API description.
func TestOpenAPIEnumsAreVocabulary(t *testing.T) {
	doc := loadOpenAPI(t)
	vocab := map[string][]string{
		"skills": domain.Skills, "languages": domain.Languages, "levels": domain.LanguageLevels,
		"slots": domain.Slots(), "transport": domain.TransportModes, "locales": domain.Locales,
		"volunteer statuses":  {"pending", "active", "inactive", "former"},
		"request statuses":    {"open", "matched", "done", "cancelled"},
		"match statuses":      matchStatuses(),
		"reject reasons":      domain.RejectReasons,
		"claim statuses":      stringsOf(domain.ClaimStatuses),
		"claim kinds":         stringsOf([]domain.ClaimKind{domain.ClaimTravel, domain.ClaimAllowance}),
		"allowance bases":     stringsOf([]accounting.AllowanceBasis{accounting.Nr26, accounting.Nr26a, accounting.Nr12}),
		"allowance statuses":  stringsOf([]accounting.AllowanceStatus{accounting.AllowanceOK, accounting.AllowanceWarn, accounting.AllowanceBlocked}),
		"rate tables":         domain.RateTables,
		"payout statuses":     stringsOf([]domain.PayoutStatus{domain.PayoutPreparing, domain.PayoutReady, domain.PayoutVoid}),
		"payout skips":        domain.PayoutSkipReasons,
		"payout void reasons": domain.PayoutVoidReasons,
		"payout files":        domain.PayoutFileNames,
	}
	for _, s := range []domain.VolunteerStatus{"pending", "active", "inactive", "former"} {
		if !domain.IsVolunteerStatus(s) {
			t.Fatalf("vocabulary list out of date: %s", s)
		}
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, s *openapi3.SchemaRef)
	walk = func(where string, s *openapi3.SchemaRef) {
		if s == nil || s.Value == nil || seen[s.Value] {
			return
		}
		seen[s.Value] = true
		if len(s.Value.Enum) > 0 {
			var got []string
			for _, e := range s.Value.Enum {
				got = append(got, e.(string))
			}
			if !matchesVocabulary(got, vocab) {
				t.Errorf("%s: enum %v is no domain vocabulary", where, got)
			}
		}
		for p, ps := range s.Value.Properties {
			walk(where+"."+p, ps)
		}
		walk(where+"[]", s.Value.Items)
	}
	for name, s := range doc.Components.Schemas {
		walk(name, s)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range op.Parameters {
				walk(method+" "+path+" ?"+p.Value.Name, p.Value.Schema)
			}
		}
	}
}

func matchesVocabulary(enum []string, vocab map[string][]string) bool {
	got := slices.Sorted(slices.Values(enum))
	for _, v := range vocab {
		if slices.Equal(got, slices.Sorted(slices.Values(v))) {
			return true
		}
	}
	return false
}

func matchStatuses() []string { return stringsOf(domain.MatchStatuses) }

func stringsOf[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}
