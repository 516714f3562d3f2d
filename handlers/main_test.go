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
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	app := &testApp{t: t, st: st}
	app.srv = httptest.NewUnstartedServer(nil)
	base := "http://" + app.srv.Listener.Addr().String()
	app.svc, err = service.New(st, geo.Default(), tr, log, base, []byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(app.svc, tr, log, base, false)
	if err != nil {
		t.Fatal(err)
	}
	app.srv.Config.Handler = h.Router()
	app.srv.Start()
	t.Cleanup(app.srv.Close)

	app.smtp = mailtest.NewServer(t)
	cfg, err := mail.ParseURL(app.smtp.URL(), "Lotse <lotse@lotse.test>")
	if err != nil {
		t.Fatal(err)
	}
	if app.sender, err = mail.NewSender(cfg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	app.tenant = &domain.Tenant{Slug: "loerrach", Name: "Landkreis Lörrach", Kind: domain.KindLandkreis, PrivacyVersion: "2026-01",
		Municipalities: []domain.Municipality{
			{AGS: "08336006", Name: "Binzen", PLZ: []string{"79589"}},
			{AGS: "08336050", Name: "Lörrach", PLZ: []string{"79539", "79540", "79541"}},
			{AGS: "08336073", Name: "Rümmingen", PLZ: []string{"79595"}},
			{AGS: "08336999", Name: "Rümmingen-Nord (test: shares 79595)", PLZ: []string{"79595"}},
		}}
	app.other = &domain.Tenant{Slug: "freiburg", Name: "Stadt Freiburg", Kind: domain.KindStadt, PrivacyVersion: "2026-01",
		Municipalities: []domain.Municipality{{AGS: "08311000", Name: "Freiburg im Breisgau", PLZ: []string{"79098"}}}}
	for _, tn := range []*domain.Tenant{app.tenant, app.other} {
		if err := st.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	return app
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
