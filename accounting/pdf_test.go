package accounting

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// pdfText extracts a PDF's text with poppler's pdftotext, an independent
// reader (Debian poppler-utils; make deps installs it).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("LOTSE_SKIP_PDFTOTEXT") == "1" {
			t.Skip("pdftotext missing and LOTSE_SKIP_PDFTOTEXT=1")
		}
		t.Fatal("pdftotext missing: apt-get install poppler-utils (make deps), or LOTSE_SKIP_PDFTOTEXT=1")
	}
	cmd := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestWritePayoutOrder(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	o := PayoutOrder{Tenant: "Landkreis Lörrach", Batch: 12, Created: at, Execution: at.AddDate(0, 0, 2),
		Debtor: "Landkreis Lörrach, DE89 **** **** **** **30 00", CreatedBy: "Jürgen Weiß",
		Items: []PayoutItem{{Name: "Ayşe Yılmaz", IBAN: "DE02 **** **** **** **13 46", Amount: Euros(27, 36),
			Claims: []SignedClaim{{Ref: "A-1", Text: "Fahrtkosten Februar", Amount: Euros(27, 36), CheckedBy: "Sabine Müller",
				CheckedAt: at.AddDate(0, 0, -3), ReleasedBy: "Jürgen Weiß", ReleasedAt: at.AddDate(0, 0, -1)}}},
			{Name: "Olga Petrenko", IBAN: "DE75 **** **** **** **00 11", Amount: Euros(9, 90)}}}
	var b bytes.Buffer
	if err := WritePayoutOrder(&b, o); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	text := pdfText(t, b.Bytes())
	for _, want := range []string{"Auszahlungsanordnung Nr. 12", "Landkreis Lörrach", "Ayşe Yılmaz", "27,36 €", "9,90 €", "37,26 €",
		"Sachlich richtig: Sabine Müller am 27.02.2026", "Rechnerisch richtig: Jürgen Weiß am 01.03.2026", "Summe (2 Überweisungen)", "Seite 1 von 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("order lacks %q:\n%s", want, text)
		}
	}
}

func TestWriteStatement(t *testing.T) {
	s := Statement{Tenant: "Gemeindeverwaltungsverband Müllheim-Badenweiler", Volunteer: "Jörg Groß", Period: "Februar 2026",
		IBAN: "DE02 **** **** **** **13 46", Lines: []StatementLine{{Date: "03.02.2026", Text: "Begleitung zur Ausländerbehörde", Amount: Euros(2, 46)},
			{Date: "10.02.2026", Text: "Sprachcafé, Bus und Bahn", Amount: Euros(14, 90)}}}
	var b bytes.Buffer
	if err := WriteStatement(&b, s); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, b.Bytes())
	for _, want := range []string{"Ihre Abrechnung", "Jörg Groß", "Februar 2026", "Begleitung zur Ausländerbehörde", "Sprachcafé", "2,46 €", "14,90 €", "17,36 €"} {
		if !strings.Contains(text, want) {
			t.Errorf("statement lacks %q:\n%s", want, text)
		}
	}
}

// TestWriteStatements: one page per volunteer, in order, each with its
// own lines and sum.
func TestWriteStatements(t *testing.T) {
	ss := []Statement{
		{Tenant: "Landkreis Lörrach", Volunteer: "Jörg Groß", Period: "Auszahlung Nr. 7", IBAN: "DE02 **** 13 46",
			Lines: []StatementLine{{Date: "03.02.2026", Text: "Fahrtkosten 2026-02", Amount: Euros(2, 46)}}},
		{Tenant: "Landkreis Lörrach", Volunteer: "Ayşe Yılmaz", Period: "Auszahlung Nr. 7", IBAN: "DE89 **** 30 00",
			Lines: []StatementLine{{Date: "10.02.2026", Text: "Fahrtkosten 2026-02", Amount: Euros(14, 90)},
				{Date: "11.02.2026", Text: "Storno Fahrtkosten 2026-01", Amount: -Euros(4, 0)}}},
	}
	var b bytes.Buffer
	if err := WriteStatements(&b, "Auszahlungsmitteilungen Nr. 7", ss); err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(strings.TrimRight(pdfText(t, b.Bytes()), "\f\n"), "\f")
	if len(pages) != 2 {
		t.Fatalf("%d pages, want 2", len(pages))
	}
	for i, want := range [][]string{{"Jörg Groß", "2,46 €"}, {"Ayşe Yılmaz", "14,90 €", "-4,00 €", "10,90 €"}} {
		for _, w := range want {
			if !strings.Contains(pages[i], w) {
				t.Errorf("page %d lacks %q:\n%s", i+1, w, pages[i])
			}
		}
	}
	if strings.Contains(pages[0], "Yılmaz") {
		t.Error("the second volunteer is on the first page")
	}
}

// TestWriteMonthSummary: groups per cost centre with their subtotals, the
// group without one, grand totals per kind, umlauts as written.
func TestWriteMonthSummary(t *testing.T) {
	s := MonthSummary{Tenant: "Landkreis Lörrach", Month: "2026-02",
		Groups: []SummaryGroup{
			{CostCentre: "KST-LOE", Lines: []SummaryLine{
				{Municipality: "Lörrach", Kind: "Fahrtkosten", Status: "freigegeben", Count: 2, Amount: Euros(22, 20)},
				{Municipality: "Lörrach", Kind: "Aufwandsentschädigung", Status: "eingereicht", Count: 1, Amount: Euros(84, 0)}},
				Subtotals: []SummaryTotal{{Kind: "Fahrtkosten", Count: 2, Amount: Euros(22, 20)}, {Kind: "Aufwandsentschädigung", Count: 1, Amount: Euros(84, 0)}}},
			{Lines: []SummaryLine{{Municipality: "Müllheim im Markgräflerland", Kind: "Fahrtkosten", Status: "eingereicht", Count: 1, Amount: Euros(5, 0)}},
				Subtotals: []SummaryTotal{{Kind: "Fahrtkosten", Count: 1, Amount: Euros(5, 0)}}},
		},
		Totals: []SummaryTotal{{Kind: "Fahrtkosten", Count: 3, Amount: Euros(27, 20)}, {Kind: "Aufwandsentschädigung", Count: 1, Amount: Euros(84, 0)}}}
	var b bytes.Buffer
	if err := WriteMonthSummary(&b, s); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, b.Bytes())
	for _, want := range []string{"Abrechnungen 2026-02", "Landkreis Lörrach", "Kostenstelle KST-LOE", "ohne Kostenstelle",
		"Müllheim im Markgräflerland", "Aufwandsentschädigung", "22,20 €", "84,00 €", "27,20 €", "Seite 1 von 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	lines := strings.Split(text, "\n")
	has := func(parts ...string) bool {
		for _, l := range lines {
			if slices.IndexFunc(parts, func(p string) bool { return !strings.Contains(l, p) }) < 0 {
				return true
			}
		}
		return false
	}
	for _, row := range [][]string{
		{"Lörrach", "Fahrtkosten", "freigegeben", "2", "22,20 €"},
		{"Zwischensumme", "Fahrtkosten", "1", "5,00 €"},
		{"Gesamt", "Fahrtkosten", "3", "27,20 €"},
		{"Gesamt", "Aufwandsentschädigung", "1", "84,00 €"},
	} {
		if !has(row...) {
			t.Errorf("no line with %q:\n%s", row, text)
		}
	}
	if strings.Index(text, "KST-LOE") > strings.Index(text, "ohne Kostenstelle") {
		t.Error("the group without cost centre comes first")
	}
}

// BenchmarkWriteMonthSummary writes a summary of 20 cost centres with ten
// municipalities each (200 lines, several pages).
//
//	go test -run '^$' -bench WriteMonthSummary -benchmem ./accounting/
func BenchmarkWriteMonthSummary(b *testing.B) {
	var s MonthSummary
	for g := range 20 {
		grp := SummaryGroup{CostCentre: fmt.Sprintf("KST-%03d", g)}
		for m := range 10 {
			grp.Lines = append(grp.Lines, SummaryLine{Municipality: fmt.Sprintf("Gemeinde Nr. %d", m), Kind: "Fahrtkosten",
				Status: "freigegeben", Count: 30, Amount: Euros(420, 50)})
		}
		grp.Subtotals = []SummaryTotal{{Kind: "Fahrtkosten", Count: 300, Amount: Euros(4205, 0)}}
		s.Groups = append(s.Groups, grp)
	}
	for b.Loop() {
		if err := WriteMonthSummary(io.Discard, s); err != nil {
			b.Fatal(err)
		}
	}
}
