// Sign-up throughput through the whole stack next to the database's raw insert
// rate, both on the embedded backend, for the figures in the issue notes. Run with
//
//	go test -run '^$' -bench SignupThroughput -benchmem ./handlers/
//
// or `make bench`; it takes about 10–20 s. Sub-benchmarks:
//
//   - api: POST /api/v1/signup with JSON through the real router, service and store
//     (rate-limit counter, tenant lookup, email claim, volunteer, audit entry,
//     confirmation mail into the outbox), one client after another;
//   - insert_one: one InsertOne of a volunteer document of the same shape into the
//     volunteers collection of the same kind of database, with the driver directly;
//   - api_parallel and insert_one_parallel: the same with 4×GOMAXPROCS clients.
//
// Each sub-benchmark has its own fresh database. signups/s is b.N over the wall
// time; B/op and allocs/op include the HTTP client and the in-process FerretDB.
// log-errors counts error records the app logged (a failed audit append is only
// logged), and must stay 0.
package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"lotse/domain"
	"lotse/handlers"
	"lotse/store/storetest"
)

// signupBench is one app on a fresh database, a driver connection to the same
// database and an HTTP client that keeps its connections.
type signupBench struct {
	url    string
	client *http.Client
	coll   *mongo.Collection // the app database's volunteers, for raw inserts
	tenant domain.ID
	seq    atomic.Int64
	errs   *errorCount
}

func newSignupBench(b *testing.B) *signupBench {
	b.Helper()
	st, name := storetest.NewNamed(b)
	sb := &signupBench{errs: &errorCount{}}
	_, srv := startApp(b, st, slog.New(sb.errs), func(h *handlers.Handler) {
		// The benchmark's clients all come from loopback; as behind a reverse
		// proxy, X-Forwarded-For names the client, so each gets its own sign-up
		// limit.
		h.Proxies = []string{"127.0.0.1", "::1"}
	})
	tenant, _ := createTenants(b, st)
	sb.url, sb.tenant = srv.URL+"/api/v1/signup", tenant.ID
	sb.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: time.Minute}
	b.Cleanup(sb.client.CloseIdleConnections)
	cl, err := mongo.Connect(options.Client().ApplyURI(st.URI()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cl.Disconnect(context.Background()) })
	sb.coll = cl.Database(name).Collection("volunteers")
	return sb
}

var benchPLZ = []string{"79539", "79540", "79541", "79589"}

// signup posts the n-th sign-up from its own client address.
func (sb *signupBench) signup() error {
	n := sb.seq.Add(1)
	body, err := json.Marshal(domain.SignupInput{
		Name: fmt.Sprintf("Freiwillige %d", n), Email: fmt.Sprintf("bench%08d@example.org", n),
		PLZ: benchPLZ[n%int64(len(benchPLZ))], RadiusKm: 15, Transport: []string{"bicycle", "public_transport"},
		Languages: []domain.LanguageSkill{{Code: "de", Level: "native"}, {Code: "ar", Level: "B1"}},
		Skills:    []string{"housing_search", "language_cafe"}, Availability: []string{"mon_am", "wed_pm"},
		Capacity: 2, MaxHoursPerMonth: 10, PrivacyConsent: true, Locale: "de",
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, sb.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255))
	res, err := sb.client.Do(req)
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		return fmt.Errorf("sign-up %d: status %d: %s", n, res.StatusCode, msg)
	}
	return nil
}

// rawVolunteer has the fields and bson names of the store's volunteer document.
type rawVolunteer struct {
	ID                bson.ObjectID `bson:"_id"`
	TenantID          bson.ObjectID `bson:"tenant_id"`
	Municipality      string        `bson:"municipality"`
	Name              string        `bson:"name"`
	Email             string        `bson:"email"`
	PLZ               string        `bson:"plz"`
	Lat               float64       `bson:"lat"`
	Lon               float64       `bson:"lon"`
	RadiusKm          int           `bson:"radius_km"`
	Transport         []string      `bson:"transport"`
	Languages         []bson.D      `bson:"languages"`
	Skills            []string      `bson:"skills"`
	Availability      []string      `bson:"availability"`
	Capacity          int           `bson:"capacity"`
	MaxHoursPerMonth  int           `bson:"max_hours_per_month"`
	Neighbouring      bool          `bson:"neighbouring"`
	PrivacyVersion    string        `bson:"privacy_version"`
	PrivacyConsentAt  time.Time     `bson:"privacy_consent_at"`
	Locale            string        `bson:"locale"`
	Status            string        `bson:"status"`
	ActiveAssignments int           `bson:"active_assignments"`
	CreatedAt         time.Time     `bson:"created_at"`
	UpdatedAt         time.Time     `bson:"updated_at"`
}

// insertOne stores the n-th volunteer document with the driver alone.
func (sb *signupBench) insertOne() error {
	n := sb.seq.Add(1)
	now := time.Now().UTC()
	_, err := sb.coll.InsertOne(context.Background(), rawVolunteer{
		ID: bson.NewObjectID(), TenantID: bson.ObjectID(sb.tenant), Municipality: "08336050",
		Name: fmt.Sprintf("Freiwillige %d", n), Email: fmt.Sprintf("bench%08d@example.org", n),
		PLZ: benchPLZ[n%int64(len(benchPLZ))], Lat: 47.6181, Lon: 7.6589, RadiusKm: 15,
		Transport: []string{"bicycle", "public_transport"},
		Languages: []bson.D{{{Key: "code", Value: "de"}, {Key: "level", Value: "native"}}, {{Key: "code", Value: "ar"}, {Key: "level", Value: "B1"}}},
		Skills:    []string{"housing_search", "language_cafe"}, Availability: []string{"mon_am", "wed_pm"},
		Capacity: 2, MaxHoursPerMonth: 10, PrivacyVersion: "2026-01", PrivacyConsentAt: now, Locale: "de",
		Status: "pending", CreatedAt: now, UpdatedAt: now,
	})
	return err
}

// BenchmarkSignupThroughput compares sign-ups through the API with raw inserts.
func BenchmarkSignupThroughput(b *testing.B) {
	// One app per sub-benchmark, set up here: a parallel sub-benchmark's function
	// runs several times while the benchmark finds its b.N.
	cases := []struct {
		name     string
		parallel bool
		op       func(*signupBench) error
	}{
		{"api", false, (*signupBench).signup},
		{"insert_one", false, (*signupBench).insertOne},
		{"api_parallel", true, (*signupBench).signup},
		{"insert_one_parallel", true, (*signupBench).insertOne},
	}
	for _, c := range cases {
		sb := newSignupBench(b)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			if c.parallel {
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := c.op(sb); err != nil {
							b.Error(err)
							return
						}
					}
				})
			} else {
				for b.Loop() {
					if err := c.op(sb); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signups/s")
			b.ReportMetric(float64(sb.errs.n.Load()), "log-errors")
		})
	}
}

// errorCount is a slog handler that counts error records and drops the rest.
type errorCount struct{ n atomic.Int64 }

func (e *errorCount) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

func (e *errorCount) Handle(context.Context, slog.Record) error {
	e.n.Add(1)
	return nil
}

func (e *errorCount) WithAttrs([]slog.Attr) slog.Handler { return e }
func (e *errorCount) WithGroup(string) slog.Handler      { return e }
