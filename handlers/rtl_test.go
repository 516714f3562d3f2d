package handlers_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lotse/handlers"
	"lotse/templates"
)

// TestPageInArabic: given an Arabic catalog, ?lang=ar serves pages in it,
// written right to left, and offers the language in the switch.
func TestPageInArabic(t *testing.T) {
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	catalog := tr.Catalog("en")
	catalog["about.title"] = "عن لوتسه"
	ar, err := tr.With("ar", catalog)
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(nil, ar, slog.New(slog.DiscardHandler), "http://lotse.test", false)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.Router().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/about?lang=ar", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `<html lang="ar" dir="rtl">`) || !strings.Contains(body, "عن لوتسه") {
		t.Errorf("%d:\n%s", rec.Code, body[:min(len(body), 400)])
	}
}
