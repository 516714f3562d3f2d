package accounting

import (
	_ "embed"
	"fmt"
	"io"
	"time"

	"github.com/go-pdf/fpdf"
)

// The PDFs embed DejaVu Sans Condensed (fonts/SOURCE.md): names of every
// script the volunteers write print as written.
var (
	//go:embed fonts/DejaVuSansCondensed.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSansCondensed-Bold.ttf
	fontBold []byte
)

// PayoutOrder is the Auszahlungsanordnung of a payout batch: every transfer
// with the two sign-offs of each claim in it, for the Kasse's files.
type PayoutOrder struct {
	Tenant    string
	Batch     int // the batch's sequence number
	Created   time.Time
	Execution time.Time // requested execution date
	Debtor    string    // account holder and masked IBAN of the paying account
	Items     []PayoutItem
	CreatedBy string
}

// PayoutItem is one transfer: a volunteer and the claims it pays.
type PayoutItem struct {
	Name   string // as at the bank
	IBAN   string // masked
	Amount Money
	Claims []SignedClaim
}

// SignedClaim is one claim of a transfer with who signed it off when.
type SignedClaim struct {
	Ref        string // short reference, e.g. the claim's ID
	Text       string // what it is for
	Amount     Money
	CheckedBy  string // "sachlich richtig"
	CheckedAt  time.Time
	ReleasedBy string // "rechnerisch richtig"
	ReleasedAt time.Time
}

// Total sums the order's transfers.
func (o PayoutOrder) Total() Money {
	var t Money
	for _, it := range o.Items {
		t += it.Amount
	}
	return t
}

// Statement is one volunteer's statement: what was paid to them, and why.
type Statement struct {
	Tenant    string
	Volunteer string
	Period    string // e.g. "Februar 2026" or "Auszahlung Nr. 12"
	IBAN      string // masked
	Lines     []StatementLine
}

// StatementLine is one claim on a statement.
type StatementLine struct {
	Date   string
	Text   string
	Amount Money
}

// Total sums the statement's lines.
func (s Statement) Total() Money {
	var t Money
	for _, l := range s.Lines {
		t += l.Amount
	}
	return t
}

// pdfDoc is an A4 page set up for Lotse's documents in the embedded font.
type pdfDoc struct {
	*fpdf.Fpdf
}

func newPDF(title string) *pdfDoc {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetTitle(title, true)
	f.SetCreator("Lotse", true)
	f.SetMargins(20, 20, 20)
	f.SetAutoPageBreak(true, 20)
	f.AliasNbPages("")
	f.AddUTF8FontFromBytes("DejaVu", "", fontRegular)
	f.AddUTF8FontFromBytes("DejaVu", "B", fontBold)
	d := &pdfDoc{Fpdf: f}
	f.SetFooterFunc(func() {
		f.SetY(-15)
		f.SetFont("DejaVu", "", 8)
		f.CellFormat(0, 10, fmt.Sprintf("Seite %d von {nb}", f.PageNo()), "", 0, "C", false, 0, "")
	})
	f.AddPage()
	return d
}

func (d *pdfDoc) text(size float64, style, s string) {
	d.SetFont("DejaVu", style, size)
	d.MultiCell(0, size*0.5, s, "", "L", false)
}

func (d *pdfDoc) row(widths []float64, cells []string, style string, align []string) {
	d.SetFont("DejaVu", style, 9)
	for i, c := range cells {
		a := "L"
		if i < len(align) {
			a = align[i]
		}
		d.CellFormat(widths[i], 6, c, "B", 0, a, false, 0, "")
	}
	d.Ln(-1)
}

func pdfDay(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.Format("02.01.2006")
}

// WritePayoutOrder writes the Auszahlungsanordnung as PDF.
func WritePayoutOrder(w io.Writer, o PayoutOrder) error {
	d := newPDF(fmt.Sprintf("Auszahlungsanordnung Nr. %d", o.Batch))
	d.text(16, "B", fmt.Sprintf("Auszahlungsanordnung Nr. %d", o.Batch))
	d.text(10, "", o.Tenant)
	d.Ln(2)
	d.text(9, "", fmt.Sprintf("Erstellt am %s von %s · Ausführung am %s · Zahlungskonto: %s",
		pdfDay(o.Created), o.CreatedBy, pdfDay(o.Execution), o.Debtor))
	d.Ln(4)
	widths := []float64{60, 55, 55}
	for _, it := range o.Items {
		d.row(widths, []string{it.Name, it.IBAN, it.Amount.String()}, "B", []string{"L", "L", "R"})
		for _, c := range it.Claims {
			d.text(8, "", fmt.Sprintf("%s – %s: %s", c.Ref, c.Text, c.Amount))
			d.text(8, "", fmt.Sprintf("    Sachlich richtig: %s am %s", c.CheckedBy, pdfDay(c.CheckedAt)))
			d.text(8, "", fmt.Sprintf("    Rechnerisch richtig: %s am %s", c.ReleasedBy, pdfDay(c.ReleasedAt)))
		}
		d.Ln(2)
	}
	d.Ln(2)
	d.row(widths, []string{fmt.Sprintf("Summe (%d Überweisungen)", len(o.Items)), "", o.Total().String()}, "B", []string{"L", "L", "R"})
	d.Ln(12)
	d.text(9, "", "Angeordnet: ______________________________    Datum: ______________")
	return d.Output(w)
}

// WriteStatement writes a volunteer's statement as PDF.
func WriteStatement(w io.Writer, s Statement) error {
	d := newPDF("Abrechnung " + s.Period)
	d.statement(s)
	return d.Output(w)
}

// WriteStatements writes the statements of a payout batch as one PDF, each
// volunteer's on a page of its own, for letters to those without mail.
func WriteStatements(w io.Writer, title string, ss []Statement) error {
	d := newPDF(title)
	for i, s := range ss {
		if i > 0 {
			d.AddPage()
		}
		d.statement(s)
	}
	return d.Output(w)
}

func (d *pdfDoc) statement(s Statement) {
	d.text(16, "B", "Ihre Abrechnung")
	d.text(10, "", s.Tenant)
	d.Ln(4)
	d.text(10, "", fmt.Sprintf("%s · %s · Konto %s", s.Volunteer, s.Period, s.IBAN))
	d.Ln(4)
	widths := []float64{30, 105, 35}
	d.row(widths, []string{"Datum", "Anlass", "Betrag"}, "B", []string{"L", "L", "R"})
	for _, l := range s.Lines {
		d.row(widths, []string{l.Date, l.Text, l.Amount.String()}, "", []string{"L", "L", "R"})
	}
	d.row(widths, []string{"", "Summe", s.Total().String()}, "B", []string{"L", "L", "R"})
	d.Ln(8)
	d.text(8, "", "Fahrtkosten sind Auslagenersatz und kein Einkommen. Aufwandsentschädigungen sind bis zu den "+
		"jährlichen Freibeträgen (§ 3 Nr. 26, 26a EStG) steuerfrei; bewahren Sie diese Abrechnung auf.")
}

// NoCostCentre is how a summary names the group of municipalities without a
// cost centre (Kostenstelle).
const NoCostCentre = "ohne Kostenstelle"

// MonthSummary is the accountants' monthly overview of the claims submitted
// in a month: counts and sums per cost centre and municipality, by kind and
// state. Travel refunds and allowances are different kinds of payment
// (Auslagenersatz and Aufwandsentschädigung, booked on different accounts),
// so no line, subtotal or total adds them together.
type MonthSummary struct {
	Tenant string
	Month  string // e.g. "2026-02"
	Groups []SummaryGroup
	Totals []SummaryTotal // the grand total, one per kind
}

// SummaryGroup is one cost centre's municipalities; CostCentre is empty for
// those without one (printed as NoCostCentre).
type SummaryGroup struct {
	CostCentre string
	Lines      []SummaryLine
	Subtotals  []SummaryTotal // one per kind
}

// SummaryLine is one municipality, kind and state: how many claims, and
// their sum (reversals count with their negative amounts).
type SummaryLine struct {
	Municipality string
	Kind         string // label, e.g. "Fahrtkosten"
	Status       string // label, e.g. "freigegeben"
	Count        int
	Amount       Money
}

// SummaryTotal is the count and sum of one kind of claims.
type SummaryTotal struct {
	Kind   string // label
	Count  int
	Amount Money
}

// WriteMonthSummary writes the monthly overview as PDF: a table per cost
// centre with its subtotals per kind, then the grand total per kind.
func WriteMonthSummary(w io.Writer, s MonthSummary) error {
	d := newPDF("Abrechnungen " + s.Month)
	d.text(16, "B", "Abrechnungen "+s.Month)
	d.text(10, "", s.Tenant)
	d.Ln(2)
	d.text(9, "", "Eingereichte Anträge nach Kostenstelle, Gemeinde, Art und Stand. Fahrtkosten und "+
		"Aufwandsentschädigungen werden getrennt summiert.")
	d.Ln(4)
	widths := []float64{55, 42, 33, 15, 25}
	align := []string{"L", "L", "L", "R", "R"}
	for _, g := range s.Groups {
		name := NoCostCentre
		if g.CostCentre != "" {
			name = "Kostenstelle " + g.CostCentre
		}
		d.text(11, "B", name)
		d.Ln(1)
		d.row(widths, []string{"Gemeinde", "Art", "Stand", "Anzahl", "Summe"}, "B", align)
		for _, l := range g.Lines {
			d.row(widths, []string{l.Municipality, l.Kind, l.Status, fmt.Sprint(l.Count), l.Amount.String()}, "", align)
		}
		for _, t := range g.Subtotals {
			d.row(widths, []string{"Zwischensumme", t.Kind, "", fmt.Sprint(t.Count), t.Amount.String()}, "B", align)
		}
		d.Ln(4)
	}
	d.text(11, "B", "Gesamt")
	d.Ln(1)
	for _, t := range s.Totals {
		d.row(widths, []string{"Gesamt", t.Kind, "", fmt.Sprint(t.Count), t.Amount.String()}, "B", align)
	}
	return d.Output(w)
}
