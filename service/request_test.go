package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lotse/domain"
	"lotse/service"
	"lotse/store"
)

const (
	agsBinzen   = "08336006"
	agsLoerrach = "08336050"
)

func validRequest() domain.RequestInput {
	return domain.RequestInput{
		Category: "housing_search", Title: "  Wohnung   für Familie  ", Municipality: agsLoerrach,
		PLZ: "D-79539", LanguagesAny: []string{"uk", "ar", "uk"}, Slots: []string{"wed_pm", "mon_am"},
		Needed: 2, Priority: 1, BeneficiaryRef: "WB-2026-0413",
	}
}

func staffScopes(tn *domain.Tenant) (admin, coordBinzen domain.Scope) {
	admin = domain.Scope{Tenant: tn.ID, User: domain.NewID(time.Now()), Role: domain.RoleAdmin}
	coordBinzen = domain.Scope{Tenant: tn.ID, User: domain.NewID(time.Now()), Role: domain.RoleCoordinator,
		Municipalities: []string{agsBinzen}}
	return admin, coordBinzen
}

// auditTrail lists the tenant's audit entries as "action:field,field".
func auditTrail(t *testing.T, svc *service.Service, tenant domain.ID) []string {
	t.Helper()
	log, err := svc.Store.AuditLog(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range log {
		out = append(out, e.Action+":"+strings.Join(e.Fields, ","))
	}
	return out
}

func bgCheck(b bool) *bool { return &b }

func TestRegisterRequest(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin, _ := staffScopes(tn)

	r, err := svc.RegisterRequest(ctx, admin, validRequest())
	if err != nil {
		t.Fatal(err)
	}
	if r.PLZ != "79539" || r.Title != "Wohnung für Familie" || r.Status != domain.RequestOpen ||
		r.Tenant != tn.ID || r.CreatedBy != admin.User || r.RequiresBackgroundCheck {
		t.Errorf("registered: %+v", r)
	}
	if r.Lat < 47.6 || r.Lat > 47.7 || r.Lon < 7.6 || r.Lon > 7.7 {
		t.Errorf("coordinates %v,%v are not Lörrach's", r.Lat, r.Lon)
	}
	got, err := svc.Request(ctx, admin, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ar", "uk"}, got.LanguagesAny); diff != "" {
		t.Errorf("languages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"mon_am", "wed_pm"}, got.Slots); diff != "" {
		t.Errorf("slots (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"request.create:*"}, auditTrail(t, svc, tn.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}

	// Homework help and mentoring need a background check unless said otherwise.
	in := validRequest()
	in.Category = "homework_help"
	if r, err := svc.RegisterRequest(ctx, admin, in); err != nil || !r.RequiresBackgroundCheck {
		t.Errorf("homework_help default: %v %v", r, err)
	}
	in.RequiresBackgroundCheck = bgCheck(false)
	if r, err := svc.RegisterRequest(ctx, admin, in); err != nil || r.RequiresBackgroundCheck {
		t.Errorf("homework_help explicitly off: %v %v", r, err)
	}
	in = validRequest()
	in.Category = "legal_help"
	in.Lawyer = &domain.Lawyer{Name: "RAin Dr. Weber", Contact: "weber@kanzlei.example"}
	if r, err := svc.RegisterRequest(ctx, admin, in); err != nil || r.Lawyer == nil || r.Lawyer.Name != "RAin Dr. Weber" {
		t.Errorf("legal_help with lawyer: %+v %v", r, err)
	}
}

func TestRegisterRequestInvalid(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	other := &domain.Tenant{Slug: "freiburg", Name: "Stadt Freiburg", Kind: domain.KindStadt,
		Municipalities: []domain.Municipality{{AGS: "08311000", Name: "Freiburg im Breisgau", PLZ: []string{"79098"}}}}
	if err := svc.Store.CreateTenant(ctx, other); err != nil {
		t.Fatal(err)
	}
	admin, coord := staffScopes(tn)
	for _, tc := range []struct {
		name string
		sc   domain.Scope
		edit func(*domain.RequestInput)
		want map[string]string
	}{
		{"legal help without lawyer", admin, func(in *domain.RequestInput) { in.Category = "legal_help" },
			map[string]string{"lawyer_name": "field.lawyer.required", "lawyer_contact": "field.lawyer.contact_required"}},
		{"legal help with lawyer name only", admin, func(in *domain.RequestInput) {
			in.Category, in.Lawyer = "legal_help", &domain.Lawyer{Name: "RA Kern"}
		}, map[string]string{"lawyer_contact": "field.lawyer.contact_required"}},
		{"plz format", admin, func(in *domain.RequestInput) { in.PLZ = "7953" },
			map[string]string{"plz": "field.plz.format"}},
		{"plz unknown", admin, func(in *domain.RequestInput) { in.PLZ = "00001" },
			map[string]string{"plz": "field.plz.unknown"}},
		{"plz of another municipality", admin, func(in *domain.RequestInput) { in.PLZ = "79589" },
			map[string]string{"plz": "field.plz.not_in_municipality"}},
		{"municipality of another tenant", admin, func(in *domain.RequestInput) { in.Municipality, in.PLZ = "08311000", "79098" },
			map[string]string{"municipality": "field.municipality.not_yours"}},
		{"coordinator, municipality not theirs", coord, func(*domain.RequestInput) {},
			map[string]string{"municipality": "field.municipality.not_yours"}},
		{"a name instead of a pseudonym", admin, func(in *domain.RequestInput) { in.BeneficiaryRef = "Amina Haddad" },
			map[string]string{"beneficiary_ref": "field.pseudonym.invalid"}},
		{"many at once", admin, func(in *domain.RequestInput) {
			*in = domain.RequestInput{Category: "cooking", Time: "25:00", Needed: 0, Priority: 9, Slots: []string{"mon_night"}}
		}, map[string]string{
			"category": "field.choice.unknown", "title": "field.required", "municipality": "field.required",
			"plz": "field.required", "time": "field.time.invalid", "date": "field.date.required_with_time",
			"needed": "field.number.min", "priority": "field.number.max", "slots": "field.choice.unknown",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := validRequest()
			tc.edit(&in)
			r, err := svc.RegisterRequest(ctx, tc.sc, in)
			if domain.ErrorCode(err) != domain.EInvalid || r != nil {
				t.Fatalf("want EInvalid, got %v %v", r, err)
			}
			if diff := cmp.Diff(tc.want, domain.FieldsOf(err)); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
	// Nothing was written.
	p, err := svc.Requests(ctx, admin, store.RequestFilter{})
	if err != nil || p.Total != 0 {
		t.Errorf("after invalid input: %d requests, %v", p.Total, err)
	}
	if a := auditTrail(t, svc, tn.ID); len(a) != 0 {
		t.Errorf("audit after invalid input: %v", a)
	}

	accountant := domain.Scope{Tenant: tn.ID, Role: domain.RoleAccountant}
	if _, err := svc.RegisterRequest(ctx, accountant, validRequest()); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("accountant: want ErrForbidden, got %v", err)
	}
}

func TestRequestScope(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin, coord := staffScopes(tn)
	in := validRequest()
	in.Municipality, in.PLZ = agsBinzen, "79589"
	binzen, err := svc.RegisterRequest(ctx, coord, in)
	if err != nil {
		t.Fatal(err)
	}
	loerrach, err := svc.RegisterRequest(ctx, admin, validRequest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Request(ctx, coord, binzen.ID); err != nil {
		t.Errorf("own municipality: %v", err)
	}
	if _, err := svc.Request(ctx, coord, loerrach.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("other municipality: want ErrNotFound, got %v", err)
	}
	foreign := domain.Scope{Tenant: domain.NewID(time.Now()), Role: domain.RoleAdmin}
	if _, err := svc.Request(ctx, foreign, binzen.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("other tenant: want ErrNotFound, got %v", err)
	}
	if _, err := svc.UpdateRequest(ctx, foreign, binzen.ID, service.RequestPatchInput{Title: new("x")}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("other tenant update: want ErrNotFound, got %v", err)
	}
	p, err := svc.Requests(ctx, coord, store.RequestFilter{})
	if err != nil || p.Total != 1 || p.Items[0].ID != binzen.ID {
		t.Errorf("coordinator list: %+v %v", p, err)
	}
	p, err = svc.Requests(ctx, admin, store.RequestFilter{Municipality: agsLoerrach, Language: "uk", Category: "housing_search"})
	if err != nil || p.Total != 1 || p.Items[0].ID != loerrach.ID {
		t.Errorf("admin filtered list: %+v %v", p, err)
	}
	_, err = svc.Requests(ctx, admin, store.RequestFilter{Category: "cooking", Status: "lost", Language: "xx", Offset: -1, Limit: 10_000})
	want := map[string]string{"category": "field.choice.unknown", "status": "field.choice.unknown",
		"language": "field.language.unknown", "offset": "field.number.min", "limit": "field.number.max"}
	if diff := cmp.Diff(want, domain.FieldsOf(err)); diff != "" {
		t.Errorf("bad filter (-want +got):\n%s", diff)
	}
	// A coordinator cannot move a request out of their municipalities.
	_, err = svc.UpdateRequest(ctx, coord, binzen.ID, service.RequestPatchInput{Municipality: new(agsLoerrach), PLZ: new("79539")})
	if diff := cmp.Diff(map[string]string{"municipality": "field.municipality.not_yours"}, domain.FieldsOf(err)); diff != "" {
		t.Errorf("move away (-want +got):\n%s", diff)
	}
}

func TestUpdateRequest(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin, _ := staffScopes(tn)
	r, err := svc.RegisterRequest(ctx, admin, validRequest())
	if err != nil {
		t.Fatal(err)
	}

	// Switching to legal help without a lawyer is refused, and nothing changes.
	_, err = svc.UpdateRequest(ctx, admin, r.ID, service.RequestPatchInput{Category: new("legal_help"), Needed: new(4)})
	if diff := cmp.Diff(map[string]string{"lawyer_name": "field.lawyer.required", "lawyer_contact": "field.lawyer.contact_required"},
		domain.FieldsOf(err)); diff != "" {
		t.Errorf("legal_help without lawyer (-want +got):\n%s", diff)
	}
	if got, _ := svc.Request(ctx, admin, r.ID); got.Category != "housing_search" || got.Needed != 2 {
		t.Errorf("changed despite invalid patch: %+v", got)
	}

	got, err := svc.UpdateRequest(ctx, admin, r.ID, service.RequestPatchInput{
		Category: new("legal_help"), Title: new(r.Title),
		Lawyer: &domain.Lawyer{Name: "RA Kern", Contact: "0761 123456"}, PLZ: new("79540"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Category != "legal_help" || got.Lawyer == nil || got.PLZ != "79540" || got.Lat == r.Lat {
		t.Errorf("after update: %+v", got)
	}

	// Removing the lawyer of a legal help request is refused; with another
	// category it is fine. Changing the category to mentoring turns the
	// background check on by default.
	if _, err := svc.UpdateRequest(ctx, admin, r.ID, service.RequestPatchInput{Lawyer: &domain.Lawyer{}}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("remove lawyer of legal help: want EInvalid, got %v", err)
	}
	got, err = svc.UpdateRequest(ctx, admin, r.ID, service.RequestPatchInput{Category: new("mentoring"), Lawyer: &domain.Lawyer{}})
	if err != nil || got.Lawyer != nil || !got.RequiresBackgroundCheck {
		t.Fatalf("to mentoring: %+v %v", got, err)
	}

	// Status: open → matched → done; then nothing moves and nothing is edited.
	for _, tc := range []struct {
		to   domain.RequestStatus
		want string // field error key, "" for success
	}{
		{"lost", "field.choice.unknown"},
		{domain.RequestMatched, ""},
		{domain.RequestDone, ""},
		{domain.RequestOpen, "field.status.transition"},
	} {
		_, err := svc.UpdateRequest(ctx, admin, r.ID, service.RequestPatchInput{Status: &tc.to})
		if got := domain.FieldsOf(err)["status"]; got != tc.want || (tc.want == "" && err != nil) {
			t.Errorf("to %s: want %q, got %v", tc.to, tc.want, err)
		}
	}
	if _, err := svc.UpdateRequest(ctx, admin, r.ID, service.RequestPatchInput{Needed: new(5)}); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("edit of a done request: want EConflict, got %v", err)
	}
	// A patch that changes nothing is fine and leaves no audit entry.
	if _, err := svc.UpdateRequest(ctx, admin, r.ID, service.RequestPatchInput{Status: new(domain.RequestDone)}); err != nil {
		t.Errorf("no-op patch: %v", err)
	}

	want := []string{
		"request.create:*",
		"request.update:category,plz,lawyer",
		"request.update:category,requires_background_check,lawyer",
		"request.update:status",
		"request.update:status",
	}
	if diff := cmp.Diff(want, auditTrail(t, svc, tn.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

func TestUpdateRequestStatusRace(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin, _ := staffScopes(tn)
	r, err := svc.RegisterRequest(ctx, admin, validRequest())
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 6)
	for i := range 6 {
		go func() {
			to := []domain.RequestStatus{domain.RequestMatched, domain.RequestCancelled}[i%2]
			_, err := svc.UpdateRequest(ctx, admin, r.ID, service.RequestPatchInput{Status: &to})
			errs <- err
		}()
	}
	wins := 0
	for range 6 {
		switch err := <-errs; {
		case err == nil:
			wins++
		case errors.Is(err, domain.ErrConflict), domain.FieldsOf(err)["status"] == "field.status.transition":
			// lost the race, or saw the winner's status already
		default:
			t.Error(err)
		}
	}
	if wins < 1 {
		t.Fatal("no status change won")
	}
	got, _ := svc.Request(ctx, admin, r.ID)
	if got.Status == domain.RequestOpen {
		t.Errorf("status still open")
	}
}
