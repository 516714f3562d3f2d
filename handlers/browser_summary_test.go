package handlers_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserErrorSummaryFocus sends the sign-up form as it comes, with
// nothing filled in, and follows every link of the error summary as a keyboard
// user does: each must move the focus to its field, and the links must come in
// the order of the fields on the page.
func TestBrowserErrorSummaryFocus(t *testing.T) {
	path := needBrowser(t)
	a := newTestApp(t)
	b := newBrowser(t, path)

	b.load(http.StatusOK, chromedp.Navigate(a.srv.URL+"/signup"))
	b.load(http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS(submitButton)))

	links := value(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#error-summary a")].map(a => a.getAttribute("href"))`))
	// Name, e-mail, postal code, transport, language level, skills, times and
	// consent are missing; radius, capacity and hours have their defaults.
	want := []string{"#f-name", "#f-email", "#f-plz", "#f-transport-foot", "#f-lang-0",
		"#f-skills-housing_search", "#f-availability-mon_am", "#f-privacy_consent"}
	if !slices.Equal(links, want) {
		t.Errorf("error summary links %q, want %q", links, want)
	}
	inOrder := value(b, chromedp.Evaluate[bool](`(() => {
		const ts = [...document.querySelectorAll("#error-summary a")].map(a => document.querySelector(a.getAttribute("href")));
		return ts.every((t, i) => t && (i == 0 || !(t.compareDocumentPosition(ts[i-1]) & Node.DOCUMENT_POSITION_FOLLOWING)));
	})()`))
	if !inOrder {
		t.Error("the summary's links are not in the order of their fields on the page")
	}
	for i, href := range links {
		b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf("#error-summary li:nth-child(%d) a", i+1))))
		if got := value(b, chromedp.Evaluate[string](`document.activeElement ? "#" + document.activeElement.id : ""`)); got != href {
			t.Errorf("after following %s the focus is on %q", href, got)
		}
	}
	a.storedNothing(t)
}
