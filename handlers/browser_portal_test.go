package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lotse/domain"
	"lotse/service"
)

// TestBrowserPortal walks the volunteer portal in Chromium: a volunteer with
// one assignment asks for a login link, opens the link from the mail the
// SMTP server received, signs in, pauses until a date and withdraws from the
// assignment.
func TestBrowserPortal(t *testing.T) {
	path := needBrowser(t)
	a := newTestApp(t)
	ctx := context.Background()
	oc := newOfferRequest(t, a)
	sc := domain.Scope{Tenant: a.tenant.ID, User: oc.coord.ID, Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}}
	if _, err := a.svc.ProposeMatches(ctx, sc); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.ApproveMatch(ctx, sc, oc.request.ID, oc.volunteer.ID, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.RespondAsVolunteer(ctx, oc.volunteer, oc.request.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if n := a.dispatch(); n != 1 {
		t.Fatalf("dispatched %d mails, want the offer", n)
	}
	b := newBrowser(t, path)

	// Ask for a link.
	b.load(http.StatusOK, chromedp.Navigate(a.srv.URL+"/"))
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main a[href="/me/login"]`)))
	b.do(chromedp.SendKeys(chromedp.ID("f-email"), oc.volunteer.Email))
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main form[action="/me/login"] button[type="submit"]`)))
	if got := b.text("#me-login-sent h2"); got != "Bitte sehen Sie in Ihr Postfach" {
		t.Fatalf("after asking for a link the page says %q", got)
	}
	if n := a.dispatch(); n != 1 {
		t.Fatalf("dispatched %d mails, want the login link", n)
	}
	msg := a.smtp.WaitFor(t, 2, 5*time.Second)[1]
	if msg.To[0] != oc.volunteer.Email || msg.Subject != "Ihr Anmeldelink für Lotse" {
		t.Fatalf("login mail to %v: %q", msg.To, msg.Subject)
	}
	link := portalLink.FindString(msg.Text)
	if link == "" {
		t.Fatalf("no link in the mail:\n%s", msg.Text)
	}

	// Opening the link shows a button and uses up nothing.
	b.load(http.StatusOK, chromedp.Navigate(link))
	if h1 := b.text("h1"); h1 != "Anmelden in Ihrem Bereich" {
		t.Fatalf("link page heading %q", h1)
	}
	if nonce, _, err := a.st.LoginNonce(ctx, a.tenant.ID, oc.volunteer.ID); err != nil || nonce == "" {
		t.Fatalf("opening the link consumed it (%v)", err)
	}
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`main form[action="/me/enter"] button[type="submit"]`)))
	if loc := value(b, chromedp.Location()); loc != a.srv.URL+"/me?done=login" {
		t.Fatalf("after signing in the browser is at %s", loc)
	}
	if got := b.text("#me-done"); got != "Sie sind angemeldet." {
		t.Errorf("flash %q", got)
	}
	if got := b.text("#me-logout"); got != "Abmelden" {
		t.Errorf("logout button %q", got)
	}
	if nonce, _, _ := a.st.LoginNonce(ctx, a.tenant.ID, oc.volunteer.ID); nonce != "" {
		t.Error("the link still works after signing in")
	}
	if got := b.text("#assignment-" + oc.request.ID.Hex() + " h3"); got != oc.request.Title {
		t.Fatalf("assignment %q", got)
	}

	// Pause until a date in three weeks.
	until := time.Now().AddDate(0, 0, 21)
	b.do(chromedp.SetValue(chromedp.ID("f-until"), until.Format("2006-01-02")))
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/me/pause"] button[type="submit"]`)))
	if got := b.text("#me-done"); !strings.HasPrefix(got, "Ihre Pause ist eingetragen.") {
		t.Errorf("after pausing the page says %q", got)
	}
	if got := b.text("#me-paused"); !strings.Contains(got, until.Format("02.01.2006")) {
		t.Errorf("pause state %q lacks %s", got, until.Format("02.01.2006"))
	}
	v, err := a.st.Volunteer(ctx, domain.System(a.tenant.ID), oc.volunteer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.PausedUntil.In(berlinZone(t)).Format("2006-01-02"); got != until.Format("2006-01-02") {
		t.Errorf("paused until %s, want %s", got, until.Format("2006-01-02"))
	}

	// Withdraw from the assignment, with a reason.
	card := "#assignment-" + oc.request.ID.Hex()
	b.do(chromedp.Click(chromedp.CSS(card + " summary")))
	b.do(chromedp.SendKeys(chromedp.CSS(card+" textarea"), "Ich bin leider krank."))
	b.load(http.StatusOK, chromedp.Click(chromedp.CSS(card+` form button[type="submit"]`)))
	if got := b.text("#me-done"); !strings.HasPrefix(got, "Sie haben den Einsatz abgesagt.") {
		t.Errorf("after withdrawing the page says %q", got)
	}
	if n := value(b, chromedp.Evaluate[int](`document.querySelectorAll('#me-current article').length`)); n != 0 {
		t.Errorf("%d assignments still shown", n)
	}
	if got := b.text("#history-" + oc.request.ID.Hex()); !strings.Contains(got, oc.request.Title) {
		t.Errorf("history row %q", got)
	}
	m := oc.match(t)
	v, _ = a.st.Volunteer(ctx, domain.System(a.tenant.ID), oc.volunteer.ID)
	r, _ := a.st.Request(ctx, domain.System(a.tenant.ID), oc.request.ID)
	if m.Status != domain.MatchWithdrawn || m.AnswerReason != "Ich bin leider krank." || v.ActiveAssignments != 0 || r.Status != domain.RequestOpen {
		t.Fatalf("after withdrawing: match %s (%q), volunteer carries %d, request %s", m.Status, m.AnswerReason, v.ActiveAssignments, r.Status)
	}
	if n := a.dispatch(); n != 1 {
		t.Fatalf("dispatched %d mails after withdrawing, want the coordinator's notice", n)
	}
	if notice := a.smtp.WaitFor(t, 3, 5*time.Second)[2]; notice.To[0] != oc.coord.Email || !strings.Contains(notice.Text, "Ich bin leider krank.") {
		t.Errorf("notice to %v:\n%s", notice.To, notice.Text)
	}

	// Signing out ends the session.
	b.load(http.StatusOK, chromedp.Click(chromedp.ID("me-logout")))
	b.load(http.StatusOK, chromedp.Navigate(a.srv.URL+"/me"))
	if loc := value(b, chromedp.Location()); loc != a.srv.URL+"/me/login" {
		t.Errorf("after signing out /me leads to %s", loc)
	}
}

func berlinZone(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
