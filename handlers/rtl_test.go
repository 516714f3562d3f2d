package handlers_test

import (
	"log/slog"
	"maps"
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
	catalogs := map[string]map[string]string{}
	for _, l := range tr.Langs() {
		catalogs[l] = tr.Catalog(l)
	}
	catalogs["ar"] = maps.Clone(catalogs["en"])
	catalogs["ar"]["about.title"] = "عن لوتسه"
	ar, err := templates.NewTranslator(catalogs)
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
