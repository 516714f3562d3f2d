package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"lotse/service"
)

var portalLink = regexp.MustCompile(`https?://[^\s"<>]+/me/enter\?[^\s"<>]+`)

// portalToken asks for a login link for email, reads it from the outbox and
// signs in with it, returning the portal session token.
func (a *testApp) portalToken(t *testing.T, email string) string {
	t.Helper()
	ctx := context.Background()
	if err := a.svc.RequestPortalLink(ctx, email, "198.51.100.77"); err != nil {
		t.Fatal(err)
	}
	msgs, err := a.st.Outbox(ctx, a.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.To != email || !strings.HasPrefix(m.Key, "portal_login:") {
			continue
		}
		u, err := url.Parse(portalLink.FindString(m.Text))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		token, _, err := a.svc.EnterPortal(ctx, service.PortalLink{ID: q.Get("id"), Nonce: q.Get("n"), Exp: q.Get("exp"), Sig: q.Get("sig")})
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	t.Fatalf("no login mail to %s", email)
	return ""
}

// forgedPortalLink is a sign-in form for the target volunteer, valid for a
// day, with a signature nobody issued.
func forgedPortalLink(f *authzFixture, _ int) url.Values {
	return url.Values{"id": {f.volunteer.Hex()}, "n": {"bm9uY2U"},
		"exp": {fmt.Sprint(time.Now().Add(24 * time.Hour).Unix())}, "sig": {"Zm9yZ2Vk"}}
}

// portalProfileForm is a valid profile form for the target volunteer, who
// holds two assignments by then.
func portalProfileForm(*authzFixture, int) url.Values {
	return url.Values{"radius_km": {"15"}, "transport": {"bicycle"}, "availability": {"mon_am", "tue_am"},
		"capacity": {"2"}, "max_hours_per_month": {"10"}, "locale": {"de"}}
}
