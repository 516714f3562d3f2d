package accounting

import (
	"bytes"
	"os"
	"os/exec"
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
