package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"lotse/domain"
	"lotse/geo"
	"lotse/handlers"
	"lotse/mail"
	"lotse/mail/mailtest"
	"lotse/service"
	"lotse/store"
	"lotse/store/storetest"
	"lotse/templates"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// testApp is the real service on a fresh embedded database behind an httptest
// server, with an in-process SMTP server receiving its mail.
type testApp struct {
	t      *testing.T
	st     *store.Store
	svc    *service.Service
	srv    *httptest.Server
	smtp   *mailtest.Server
	sender *mail.Sender
	tenant *domain.Tenant
	other  *domain.Tenant // a second tenant, for cross-tenant checks
}

func newTestApp(t *testing.T) *testApp {
	t.Helper()
	st := storetest.New(t)
	app := &testApp{t: t, st: st}
	app.svc, app.srv = startApp(t, st, slog.New(slog.DiscardHandler), nil)

	app.smtp = mailtest.NewServer(t)
	cfg, err := mail.ParseURL(app.smtp.URL(), "Lotse <lotse@lotse.test>")
	if err != nil {
		t.Fatal(err)
	}
	if app.sender, err = mail.NewSender(cfg); err != nil {
		t.Fatal(err)
	}
	app.tenant, app.other = createTenants(t, st)
	return app
}

// startApp builds the real service and router on st and serves them with an
// httptest server that closes when tb ends. configure, when not nil, adjusts the
// Handler before its router is built (benchmarks set Proxies).
func startApp(tb testing.TB, st *store.Store, log *slog.Logger, configure func(*handlers.Handler)) (*service.Service, *httptest.Server) {
	tb.Helper()
	tr, err := templates.LoadTranslator()
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	svc, err := service.New(st, geo.Default(), tr, log, base, []byte(strings.Repeat("s", 32)))
	if err != nil {
		tb.Fatal(err)
	}
	// Re-proposals after changes wait for a test to flush them, so no run
	// starts in the middle of another test's assertions.
	svc.ReproposeDelay = time.Hour
	tb.Cleanup(func() { svc.CloseProposals(false) })
	h, err := handlers.New(svc, tr, log, base, false)
	if err != nil {
		tb.Fatal(err)
	}
	if configure != nil {
		configure(h)
	}
	srv.Config.Handler = h.Router()
	srv.Start()
	tb.Cleanup(srv.Close)
	return svc, srv
}

// createTenants stores the tests' two tenants: the Landkreis Lörrach with four
// municipalities (two share 79595) and the city of Freiburg.
func createTenants(tb testing.TB, st *store.Store) (tenant, other *domain.Tenant) {
	tb.Helper()
	tenant = &domain.Tenant{Slug: "loerrach", Name: "Landkreis Lörrach", Kind: domain.KindLandkreis, PrivacyVersion: "2026-01",
		Municipalities: []domain.Municipality{
			{AGS: "08336006", Name: "Binzen", PLZ: []string{"79589"}},
			{AGS: "08336050", Name: "Lörrach", PLZ: []string{"79539", "79540", "79541"}},
			{AGS: "08336073", Name: "Rümmingen", PLZ: []string{"79595"}},
			{AGS: "08336999", Name: "Rümmingen-Nord (test: shares 79595)", PLZ: []string{"79595"}},
		}}
	other = &domain.Tenant{Slug: "freiburg", Name: "Stadt Freiburg", Kind: domain.KindStadt, PrivacyVersion: "2026-01",
		Municipalities: []domain.Municipality{{AGS: "08311000", Name: "Freiburg im Breisgau", PLZ: []string{"79098"}}}}
	for _, tn := range []*domain.Tenant{tenant, other} {
		if err := st.CreateTenant(context.Background(), tn); err != nil {
			tb.Fatal(err)
		}
	}
	return tenant, other
}

// client returns an HTTP client with its own cookie jar that does not follow
// redirects, so tests see 303s.
func (a *testApp) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// dispatch sends everything in the outbox to the SMTP server.
func (a *testApp) dispatch() int {
	a.t.Helper()
	n, err := a.svc.DispatchOutbox(context.Background(), a.sender)
	if err != nil {
		a.t.Fatal(err)
	}
	return n
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// getForm loads a page and returns its CSRF token.
func getForm(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b := body(t, res)
	m := csrfField.FindStringSubmatch(b)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("GET %s: %d, csrf found: %v", u, res.StatusCode, m != nil)
	}
	return m[1]
}

func postForm(t *testing.T, c *http.Client, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	res, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	return res, body(t, res)
}

var linkPattern = regexp.MustCompile(`https?://[^\s"<>]+/signup/confirm\?[^\s"<>]+`)
