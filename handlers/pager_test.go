package handlers

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewPager(t *testing.T) {
	filter := url.Values{"status": {"open"}, "lang": {"en"}, "offset": {"50"}}
	tests := []struct {
		name                        string
		query                       url.Values
		offset, limit, shown, total int
		want                        pager
	}{
		{"one page", filter, 0, 50, 4, 4, pager{From: 1, To: 4, Total: 4}},
		{"first of three", filter, 0, 50, 50, 123,
			pager{Next: "/requests?offset=50&status=open", From: 1, To: 50, Total: 123}},
		{"middle", filter, 50, 50, 50, 123,
			pager{Prev: "/requests?offset=0&status=open", Next: "/requests?offset=100&status=open", From: 51, To: 100, Total: 123}},
		{"last", filter, 100, 50, 23, 123,
			pager{Prev: "/requests?offset=50&status=open", From: 101, To: 123, Total: 123}},
		{"hand-edited offset", nil, 30, 50, 50, 123,
			pager{Prev: "/requests?offset=0", Next: "/requests?offset=80", From: 31, To: 80, Total: 123}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := newPager("/requests", tc.query, tc.offset, tc.limit, tc.shown, tc.total)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("newPager (-want +got):\n%s", diff)
			}
		})
	}
	if filter.Get("lang") != "en" || filter.Get("offset") != "50" {
		t.Errorf("newPager changed the query it was given: %v", filter)
	}
}

// TestPagerOnePage checks a list that fits on one page shows no page navigation.
func TestPagerOnePage(t *testing.T) {
	for _, pc := range pageCases(t, newRenderFixture()) {
		if pc.page != "volunteer_list" || pc.name != "one page" {
			continue
		}
		body := renderCase(t, pc, "de")
		if strings.Contains(body, `class="pager"`) {
			t.Errorf("a list on one page has a page navigation:\n%s", body)
		}
		return
	}
	t.Fatal(`no pageCase "one page" of volunteer_list`)
}
