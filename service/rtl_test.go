package service

import (
	"log/slog"
	"strings"
	"testing"

	"lotse/domain"
	"lotse/templates"
)

// TestMailInArabic: given an Arabic catalog, a mail renders in it, its HTML
// written right to left.
func TestMailInArabic(t *testing.T) {
	tr, err := templates.LoadTranslator()
	if err != nil {
		t.Fatal(err)
	}
	catalog := tr.Catalog("en")
	catalog["mail.offer.greeting"] = "مرحباً {name}،"
	ar, err := tr.With("ar", catalog)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(nil, nil, ar, slog.New(slog.DiscardHandler), "https://lotse.example.org", []byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	o := &Offer{Match: &domain.Match{}, Volunteer: "Rana", Municipality: "Lörrach",
		Request: &domain.HelpRequest{Category: "language_cafe", Title: "Sprachcafé"}}
	_, text, html, err := s.RenderMail("offer", "ar", withFooter(offerData(o, "https://lotse.example.org/offers?r=1", "https://lotse.example.org/me/login"), &domain.Tenant{Name: "Lörrach"}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, `<html lang="ar" dir="rtl">`) || !strings.Contains(text, "مرحباً Rana،") {
		t.Errorf("not Arabic right to left:\n%s\n%s", html, text)
	}
}
