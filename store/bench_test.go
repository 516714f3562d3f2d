// Benchmarks of the store's hot paths at 10,000 volunteers and 2,000 help requests
// on the embedded backend (FerretDB on SQLite), for the figures in the issue notes
// and DESIGN.md ("The embedded database"). Run them with
//
//	go test -run '^$' -bench . -benchmem ./store/
//
// or `make bench`; add -count 3 on a busy machine, since a list takes longer
// than the default -benchtime and so runs once. Set MONGODB_URI to measure the
// same paths on MongoDB. Each Benchmark function seeds its own database once,
// outside the timed loops; all of them together take one to two minutes on two
// cores, most of it the list sub-benchmarks, because on the embedded backend every
// filter but a plain _id equality is evaluated in Go over the whole collection.
//
// B/op and allocs/op include the in-process FerretDB server's work. Metrics of
// the lists: matches is the number of documents the filter selects (the page's
// Total; the embedded backend ships all of them to the store, which sorts and
// pages in Go); ns/stored-doc is ns/op divided by the documents in the
// collection, which stays flat across collection sizes when the query is a scan.
package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"lotse/domain"
	"lotse/geo"
	"lotse/store"
	"lotse/store/storetest"
)

const (
	benchVolunteers = 10_000
	benchRequests   = 2_000
)

// benchEpoch anchors the seeded timestamps, so runs differ only in the IDs'
// random bytes.
var benchEpoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// benchMunis are municipalities of the Landkreis Lörrach with one postal code
// each and a weight roughly like their population.
var benchMunis = []struct {
	ags, name, plz string
	weight         int
}{
	{"08336050", "Lörrach", "79539", 30},
	{"08336091", "Weil am Rhein", "79576", 20},
	{"08336069", "Rheinfelden (Baden)", "79618", 20},
	{"08336081", "Schopfheim", "79650", 12},
	{"08336105", "Grenzach-Wyhlen", "79639", 10},
	{"08336006", "Binzen", "79589", 8},
}

// benchFixture is a tenant on a fresh database and the deterministic source its
// data came from.
type benchFixture struct {
	s      *store.Store
	tenant *domain.Tenant
	admin  domain.Scope
	rnd    *rand.Rand
}

func newBenchFixture(b *testing.B) *benchFixture {
	b.Helper()
	s := storetest.New(b)
	t := &domain.Tenant{Slug: "loerrach", Name: "Landkreis Lörrach", Kind: domain.KindLandkreis,
		PrivacyVersion: "2026-01", CreatedAt: benchEpoch.AddDate(-1, 0, 0)}
	for _, m := range benchMunis {
		t.Municipalities = append(t.Municipalities, domain.Municipality{AGS: m.ags, Name: m.name, PLZ: []string{m.plz}})
	}
	if err := s.CreateTenant(context.Background(), t); err != nil {
		b.Fatal(err)
	}
	return &benchFixture{
		s: s, tenant: t,
		admin: domain.Scope{Tenant: t.ID, User: domain.NewID(benchEpoch), Role: domain.RoleAdmin},
		rnd:   rand.New(rand.NewPCG(2026, 79539)),
	}
}

// pick returns n distinct entries of vocab in vocabulary order.
func pick(r *rand.Rand, vocab []string, n int) []string {
	idx := r.Perm(len(vocab))[:n]
	out := make([]string, 0, n)
	for i, v := range vocab {
		for _, j := range idx {
			if i == j {
				out = append(out, v)
			}
		}
	}
	return out
}

func (f *benchFixture) muni() (ags, plz string) {
	n := f.rnd.IntN(100)
	for _, m := range benchMunis {
		if n < m.weight {
			return m.ags, m.plz
		}
		n -= m.weight
	}
	return benchMunis[0].ags, benchMunis[0].plz
}

// volunteer returns the n-th volunteer of the seed: about 70 % active, 15 %
// pending, 10 % inactive and 5 % former; mostly German speakers with one or two
// other languages; one to three skills.
func (f *benchFixture) volunteer(n int) *domain.Volunteer {
	r := f.rnd
	ags, plz := f.muni()
	place, _ := geo.Default().Lookup(plz)
	var langs []domain.LanguageSkill
	for _, code := range pick(r, domain.Languages, 1+r.IntN(3)) {
		langs = append(langs, domain.LanguageSkill{Code: code, Level: domain.LanguageLevels[r.IntN(len(domain.LanguageLevels))]})
	}
	if r.IntN(10) < 8 && !containsCode(langs, "de") {
		langs = append([]domain.LanguageSkill{{Code: "de", Level: "native"}}, langs...)
	}
	status := domain.VolunteerActive
	switch p := r.IntN(100); {
	case p < 15:
		status = domain.VolunteerPending
	case p < 25:
		status = domain.VolunteerInactive
	case p < 30:
		status = domain.VolunteerFormer
	}
	created := benchEpoch.Add(-time.Duration(r.IntN(365*24*60)) * time.Minute)
	v := &domain.Volunteer{
		ID: domain.NewID(created), Tenant: f.tenant.ID, Municipality: ags,
		Name: fmt.Sprintf("Freiwillige %05d", n), Email: fmt.Sprintf("v%05d@example.org", n),
		PLZ: plz, Lat: place.Point.Lat, Lon: place.Point.Lon,
		RadiusKm: 5 + r.IntN(26), Transport: pick(r, domain.TransportModes, 1+r.IntN(2)),
		Languages: langs, Skills: pick(r, domain.Skills, 1+r.IntN(3)),
		Availability: pick(r, domain.Slots(), 1+r.IntN(6)),
		Capacity:     1 + r.IntN(3), MaxHoursPerMonth: 4 + r.IntN(17), Neighbouring: r.IntN(2) == 0,
		PrivacyVersion: "2026-01", PrivacyConsentAt: created, Locale: domain.Locales[r.IntN(len(domain.Locales))],
		Status: status, CreatedAt: created,
	}
	if status != domain.VolunteerPending {
		v.ConfirmedAt = created.Add(time.Hour)
	}
	return v
}

func containsCode(ls []domain.LanguageSkill, code string) bool {
	for _, l := range ls {
		if l.Code == code {
			return true
		}
	}
	return false
}

// seedVolunteers bulk-inserts benchVolunteers volunteers and returns them.
func (f *benchFixture) seedVolunteers(b *testing.B) []*domain.Volunteer {
	b.Helper()
	vs := make([]*domain.Volunteer, benchVolunteers)
	for i := range vs {
		vs[i] = f.volunteer(i)
	}
	if err := f.s.InsertVolunteers(context.Background(), vs); err != nil {
		b.Fatal(err)
	}
	return vs
}

// seedRequests stores benchRequests help requests, half of them open. There is no
// bulk insert for requests, so a few writers share the work.
func (f *benchFixture) seedRequests(b *testing.B) {
	b.Helper()
	rs := make([]*domain.HelpRequest, benchRequests)
	for i := range rs {
		r := f.rnd
		ags, plz := f.muni()
		place, _ := geo.Default().Lookup(plz)
		status := domain.RequestOpen
		switch p := r.IntN(100); {
		case p < 30:
			status = domain.RequestMatched
		case p < 42:
			status = domain.RequestDone
		case p < 50:
			status = domain.RequestCancelled
		}
		created := benchEpoch.Add(-time.Duration(r.IntN(90*24*60)) * time.Minute)
		req := &domain.HelpRequest{
			ID: domain.NewID(created), Municipality: ags, PLZ: plz, Lat: place.Point.Lat, Lon: place.Point.Lon,
			Category: domain.Skills[r.IntN(len(domain.Skills))], Title: fmt.Sprintf("Anfrage %04d", i),
			Description: "Begleitung und Unterstützung, Details beim Erstgespräch.",
			Slots:       pick(r, domain.Slots(), 1+r.IntN(4)), Needed: 1 + r.IntN(3), Priority: r.IntN(4),
			BeneficiaryRef: fmt.Sprintf("B-%05d", r.IntN(100_000)), Status: status, CreatedAt: created,
		}
		if r.IntN(2) == 0 {
			req.LanguagesAny = pick(r, domain.Languages[2:], 1+r.IntN(2))
		}
		if req.Category == "legal_help" {
			req.Lawyer = &domain.Lawyer{Name: "RAin Beispiel", Contact: "kanzlei@example.org"}
		}
		rs[i] = req
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < len(rs); i += 8 {
				if err := f.s.CreateRequest(context.Background(), f.admin, rs[i]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCreateVolunteer is the sign-up's write at the store (email claim, then
// the volunteer), each with a new address, on a collection of 10,000.
func BenchmarkCreateVolunteer(b *testing.B) {
	f := newBenchFixture(b)
	f.seedVolunteers(b)
	ctx := context.Background()
	n := benchVolunteers
	b.ReportAllocs()
	for b.Loop() {
		v := f.volunteer(n)
		v.ID, v.CreatedAt, v.Status, v.ConfirmedAt = domain.NilID, time.Time{}, domain.VolunteerPending, time.Time{}
		n++
		if err := f.s.CreateVolunteer(ctx, v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signups/s")
}

// BenchmarkConfirmVolunteer is what ConfirmEmail does at the store: load the
// volunteer the link names, then the guarded move from pending to active; the two
// steps are also reported on their own. new_signup confirms volunteers who signed
// up just now (the usual case: the link is clicked within minutes, so the
// document is among the newest); seeded_pending confirms the seed's pending
// volunteers in random order.
func BenchmarkConfirmVolunteer(b *testing.B) {
	f := newBenchFixture(b)
	vs := f.seedVolunteers(b)
	ctx := context.Background()
	n := benchVolunteers
	// signUp stores k new pending volunteers, as sign-ups arriving now would.
	signUp := func(k int) []domain.ID {
		ids := make([]domain.ID, k)
		for i := range ids {
			v := f.volunteer(n)
			n++
			v.ID, v.CreatedAt, v.Status, v.ConfirmedAt = domain.NilID, time.Time{}, domain.VolunteerPending, time.Time{}
			if err := f.s.CreateVolunteer(ctx, v); err != nil {
				b.Fatal(err)
			}
			ids[i] = v.ID
		}
		return ids
	}
	var seeded []domain.ID
	for _, v := range vs {
		if v.Status == domain.VolunteerPending {
			seeded = append(seeded, v.ID)
		}
	}
	f.rnd.Shuffle(len(seeded), func(i, j int) { seeded[i], seeded[j] = seeded[j], seeded[i] })
	cases := []struct {
		name string
		pool []domain.ID
	}{
		{"new_signup", nil},
		{"seeded_pending", seeded},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			pool := c.pool
			var lookup, activate time.Duration
			b.ReportAllocs()
			for b.Loop() {
				if len(pool) == 0 {
					b.StopTimer()
					pool = signUp(20)
					b.StartTimer()
				}
				id := pool[0]
				pool = pool[1:]
				t0 := time.Now()
				v, err := f.s.VolunteerForLink(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := f.s.ActivateVolunteer(ctx, v.Tenant, v.ID); err != nil {
					b.Fatal(err)
				}
				lookup += t1.Sub(t0)
				activate += time.Since(t1)
			}
			b.ReportMetric(float64(lookup.Nanoseconds())/float64(b.N), "lookup-ns/op")
			b.ReportMetric(float64(activate.Nanoseconds())/float64(b.N), "activate-ns/op")
		})
	}
}

// BenchmarkVolunteerByID loads one volunteer by id with an admin's scope (the
// staff's detail page; every guarded update starts with the same read). The
// sub-benchmarks pick among the 100 oldest rows, the 100 newest, or any, because
// on the embedded backend the cost depends on where the row sits: FerretDB
// v1.24 pushes {_id: x} down to SQLite as `_ferretdb_sjson->'$._id' = ?`, which
// does not match the expression of its _id index (`->"_id"`), so SQLite reads
// the table in insertion order until it finds the row (EXPLAIN QUERY PLAN: SCAN).
func BenchmarkVolunteerByID(b *testing.B) {
	f := newBenchFixture(b)
	vs := f.seedVolunteers(b)
	ctx := context.Background()
	cases := []struct {
		name string
		from []*domain.Volunteer
	}{
		{"oldest", vs[:100]},
		{"random", vs},
		{"newest", vs[len(vs)-100:]},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.s.Volunteer(ctx, f.admin, c.from[r.IntN(len(c.from))].ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVolunteerList lists the first page (50, newest first) of the tenant's
// volunteers without and with each filter the staff pages offer.
func BenchmarkVolunteerList(b *testing.B) {
	f := newBenchFixture(b)
	f.seedVolunteers(b)
	coordinator := domain.Scope{Tenant: f.tenant.ID, User: f.admin.User, Role: domain.RoleCoordinator,
		Municipalities: []string{benchMunis[1].ags, benchMunis[5].ags}}
	cases := []struct {
		name   string
		scope  domain.Scope
		filter store.VolunteerFilter
	}{
		{"all", f.admin, store.VolunteerFilter{}},
		{"municipality", f.admin, store.VolunteerFilter{Municipality: benchMunis[0].ags}},
		{"skill", f.admin, store.VolunteerFilter{Skill: "interpreting"}},
		{"language", f.admin, store.VolunteerFilter{Language: "ar"}},
		{"status", f.admin, store.VolunteerFilter{Status: domain.VolunteerActive}},
		{"combined", f.admin, store.VolunteerFilter{Municipality: benchMunis[0].ags, Skill: "interpreting", Status: domain.VolunteerActive}},
		{"coordinator", coordinator, store.VolunteerFilter{}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			var total int
			b.ReportAllocs()
			for b.Loop() {
				p, err := f.s.Volunteers(ctx, c.scope, c.filter)
				if err != nil {
					b.Fatal(err)
				}
				total = p.Total
			}
			reportScan(b, total, benchVolunteers)
		})
	}
}

// BenchmarkRequestList lists the first page of 2,000 help requests without and
// with each filter.
func BenchmarkRequestList(b *testing.B) {
	f := newBenchFixture(b)
	f.seedRequests(b)
	cases := []struct {
		name   string
		filter store.RequestFilter
	}{
		{"all", store.RequestFilter{}},
		{"municipality", store.RequestFilter{Municipality: benchMunis[0].ags}},
		{"category", store.RequestFilter{Category: "authority_accompaniment"}},
		{"status", store.RequestFilter{Status: domain.RequestOpen}},
		{"language", store.RequestFilter{Language: "ar"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			var total int
			b.ReportAllocs()
			for b.Loop() {
				p, err := f.s.Requests(ctx, f.admin, c.filter)
				if err != nil {
					b.Fatal(err)
				}
				total = p.Total
			}
			reportScan(b, total, benchRequests)
		})
	}
}

func reportScan(b *testing.B, matches, stored int) {
	b.ReportMetric(float64(matches), "matches")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(stored), "ns/stored-doc")
}
