package accounting

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// The DATEV format Lotse writes: EXTF, header version 700, category 21
// (Buchungsstapel), format version 13, 125 columns (domain-de.md § 3;
// https://developer.datev.de/datev/platform/de/dtvf/formate/buchungsstapel).
const (
	datevVersion       = 700
	datevCategory      = 21
	datevFormatName    = "Buchungsstapel"
	datevFormatVersion = 13
	datevMaxBookings   = 99_999
	datevMaxAmount     = Money(999_999_999_999) // ten integer digits
	datevTextMax       = 60                     // Buchungstext
	datevDocNoMax      = 36                     // Belegfeld 1
	datevCostCentreMax = 36                     // KOST1, KOST2
	datevDescMax       = 30                     // Bezeichnung in the header
	datevUserMax       = 25                     // Exportiert von
)

// datevColumns are the captions of the 125 booking columns of format
// version 13, in order. DATEV matches each booking line's width against
// them; only a few are filled (see datevCol…).
var datevColumns = func() []string {
	c := []string{
		"Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen", "WKZ Umsatz", "Kurs", "Basis-Umsatz",
		"WKZ Basis-Umsatz", "Konto", "Gegenkonto (ohne BU-Schlüssel)", "BU-Schlüssel", "Belegdatum",
		"Belegfeld 1", "Belegfeld 2", "Skonto", "Buchungstext", "Postensperre", "Diverse Adressnummer",
		"Geschäftspartnerbank", "Sachverhalt", "Zinssperre", "Beleglink",
	}
	for i := 1; i <= 8; i++ {
		c = append(c, fmt.Sprintf("Beleginfo - Art %d", i), fmt.Sprintf("Beleginfo - Inhalt %d", i))
	}
	c = append(c, "KOST1 - Kostenstelle", "KOST2 - Kostenstelle", "Kost-Menge", "EU-Land u. UStID (Bestimmung)",
		"EU-Steuersatz (Bestimmung)", "Abw. Versteuerungsart", "Sachverhalt L+L", "Funktionsergänzung L+L",
		"BU 49 Hauptfunktionstyp", "BU 49 Hauptfunktionsnummer", "BU 49 Funktionsergänzung")
	for i := 1; i <= 20; i++ {
		c = append(c, fmt.Sprintf("Zusatzinformation - Art %d", i), fmt.Sprintf("Zusatzinformation- Inhalt %d", i))
	}
	return append(c, "Stück", "Gewicht", "Zahlweise", "Forderungsart", "Veranlagungsjahr", "Zugeordnete Fälligkeit",
		"Skontotyp", "Auftragsnummer", "Buchungstyp", "USt-Schlüssel (Anzahlungen)", "EU-Land (Anzahlungen)",
		"Sachverhalt L+L (Anzahlungen)", "EU-Steuersatz (Anzahlungen)", "Erlöskonto (Anzahlungen)", "Herkunft-Kz",
		"Buchungs GUID", "Kost-Datum", "SEPA-Mandatsreferenz", "Skontosperre", "Gesellschaftername",
		"Beteiligtennummer", "Identifikationsnummer", "Zeichnernummer", "Postensperre bis",
		"Bezeichnung SoBil-Sachverhalt", "Kennzeichen SoBil-Buchung", "Festschreibung", "Leistungsdatum",
		"Datum Zuord. Steuerperiode", "Fälligkeit", "Generalumkehr (GU)", "Steuersatz", "Land",
		"Abrechnungsreferenz", "BVV-Position", "EU-Land u. UStID (Ursprung)", "EU-Steuersatz (Ursprung)",
		"Abw. Skontokonto")
}()

// Indexes (from 0) of the booking columns Lotse fills.
const (
	datevColAmount         = 0
	datevColSide           = 1
	datevColCurrency       = 2
	datevColAccount        = 6
	datevColContraAccount  = 7
	datevColDocumentDate   = 9
	datevColDocumentNo     = 10
	datevColText           = 13
	datevColCostCentre1    = 36
	datevColCostCentre2    = 37
	datevColServiceDate    = 114
	datevColumnCount       = 125
	datevHeaderFieldsCount = 31
)

// DATEVHeader is the first line of a Buchungsstapel: who the data is for
// (Beraternummer, Mandantennummer), the fiscal year and the period it covers.
// The numbers come from the tenant's DATEV settings.
type DATEVHeader struct {
	CreatedAt  time.Time
	Origin     string // Herkunft: two letters naming the exporting system; "RE" if empty
	ExportedBy string // Exportiert von, cut to 25 characters
	Consultant int    // Beraternummer, 1001–9999999
	Client     int    // Mandantennummer, 1–99999
	// FiscalYearStart is the first day of the fiscal year (WJ-Beginn).
	FiscalYearStart time.Time
	AccountLength   int       // Sachkontenlänge, 4–8
	From, To        time.Time // the period; one calendar year, inside the fiscal year
	Description     string    // Bezeichnung, cut to 30 characters
	Initials        string    // Diktatkürzel, at most two letters
	Locked          bool      // Festschreibung: the bookings arrive locked (GoBD)
	Chart           string    // SKR, e.g. "03" or "04"; empty to leave it to DATEV
}

// Side says whether a booking debits (Soll) or credits (Haben) its Account.
type Side byte

// The two sides of a booking.
const (
	Debit  Side = 'S'
	Credit Side = 'H'
)

// Booking is one line of a Buchungsstapel. Which accounts an expense goes to
// is the tenant's mapping, given by the caller: Lotse knows no chart.
type Booking struct {
	Amount        Money  // positive; the direction is Side
	Side          Side   // relative to Account
	Account       string // Konto, digits
	ContraAccount string // Gegenkonto (ohne BU-Schlüssel), digits
	Date          time.Time
	// DocumentNo is Belegfeld 1 (e.g. the claim number), used to match open
	// items: A–Z a–z 0–9 $ & % * + - / only, ≤ 36.
	DocumentNo  string
	Text        string    // Buchungstext, cut to 60 characters, line breaks become spaces
	CostCentre1 string    // KOST1 (Kostenstelle or Produkt), ≤ 36
	CostCentre2 string    // KOST2, ≤ 36
	ServiceDate time.Time // Leistungsdatum, optional
}

// Errors from WriteDATEV, inside a *FieldError that says where.
var (
	ErrDATEVNumber     = errors.New("accounting: Beraternummer must be 1001–9999999, Mandantennummer 1–99999, Sachkontenlänge 4–8")
	ErrDATEVPeriod     = errors.New("accounting: the period must lie in one calendar year and inside the fiscal year")
	ErrDATEVCode       = errors.New("accounting: Herkunft and Diktatkürzel take letters only (2 at most), SKR digits only")
	ErrDATEVAmount     = errors.New("accounting: booking amount must be between 0,01 € and 9.999.999.999,99 €")
	ErrDATEVSide       = errors.New("accounting: Soll/Haben must be S or H")
	ErrDATEVAccount    = errors.New("accounting: account must be digits, at most the Sachkontenlänge + 1")
	ErrDATEVDate       = errors.New("accounting: Belegdatum must lie in the header's period")
	ErrDATEVDocumentNo = errors.New("accounting: Belegfeld 1 takes A–Z a–z 0–9 $ & % * + - / only, at most 36")
	ErrDATEVCostCentre = errors.New("accounting: cost centre longer than 36 characters")
)

// WriteDATEV writes a DATEV EXTF Buchungsstapel (version 700, format 13):
// the header line, the column captions, one line per booking; semicolons,
// CRLF, text fields in double quotes with inner quotes doubled, amounts with
// a decimal comma, Windows-1252. Characters Windows-1252 lacks are replaced
// (by their base letter where there is one, else '?') and counted in
// replaced, so the caller can warn; none is dropped. Nothing is written if
// the input is invalid: the error is a *FieldError wrapping an ErrDATEV…
// value (Item -1 for the header) or ErrEmptyBatch / ErrTooManyInFile.
func WriteDATEV(w io.Writer, h DATEVHeader, bookings []Booking) (replaced int, err error) {
	if len(bookings) == 0 {
		return 0, &FieldError{Item: -1, Field: "bookings", Err: ErrEmptyBatch}
	}
	if len(bookings) > datevMaxBookings {
		return 0, &FieldError{Item: -1, Field: "bookings", Err: ErrTooManyInFile}
	}
	var e cp1252Writer
	e.buf.Grow(1024 + len(bookings)*256)
	if err := h.write(&e); err != nil {
		return 0, err
	}
	for i, c := range datevColumns {
		if i > 0 {
			e.buf.WriteByte(';')
		}
		e.text(c, 0) // captions carry no ';' or '"', so they need no quotes
	}
	e.buf.WriteString("\r\n")
	for i, b := range bookings {
		if err := b.write(&e, h, i); err != nil {
			return 0, err
		}
	}
	_, err = w.Write(e.buf.Bytes())
	return e.replaced, err
}

func (h DATEVHeader) write(e *cp1252Writer) error {
	fe := func(field string, err error) error { return &FieldError{Item: -1, Field: field, Err: err} }
	if h.Consultant < 1001 || h.Consultant > 9_999_999 {
		return fe("consultant", ErrDATEVNumber)
	}
	if h.Client < 1 || h.Client > 99_999 {
		return fe("client", ErrDATEVNumber)
	}
	if h.AccountLength < 4 || h.AccountLength > 8 {
		return fe("account_length", ErrDATEVNumber)
	}
	from, to, fy := dateOf(h.From), dateOf(h.To), dateOf(h.FiscalYearStart)
	fyEnd := dateOf(time.Date(fy.y+1, fy.m, fy.d, 0, 0, 0, 0, time.UTC))
	if h.From.IsZero() || h.To.IsZero() || h.FiscalYearStart.IsZero() || from.after(to) || from.y != to.y ||
		fy.after(from) || !fyEnd.after(to) {
		return fe("period", ErrDATEVPeriod)
	}
	origin := h.Origin
	if origin == "" {
		origin = "RE"
	}
	if !letters(origin, 2) || (h.Initials != "" && !letters(h.Initials, 2)) {
		return fe("origin", ErrDATEVCode)
	}
	if h.Chart != "" && (!allDigits(h.Chart) || len(h.Chart) > 2) {
		return fe("chart", ErrDATEVCode)
	}
	locked := 0
	if h.Locked {
		locked = 1
	}
	// The 31 fields in the order of DATEV's own example (domain-de.md § 3):
	// "EXTF";700;21;"Buchungsstapel";13;created;;"RE";"";"";Berater;Mandant;
	// WJ-Beginn;4;from;to;"Bezeichnung";"WD";1;0;0;"EUR";;"";;;"03";;;"";""
	e.quoted("EXTF", 0)
	fmt.Fprintf(&e.buf, ";%d;%d;", datevVersion, datevCategory)
	e.quoted(datevFormatName, 0)
	fmt.Fprintf(&e.buf, ";%d;%s;;", datevFormatVersion, h.CreatedAt.Format("20060102150405")+fmt.Sprintf("%03d", h.CreatedAt.Nanosecond()/1e6))
	e.quoted(origin, 0)
	e.buf.WriteByte(';')
	e.quoted(h.ExportedBy, datevUserMax)
	e.buf.WriteString(`;"";`)
	fmt.Fprintf(&e.buf, "%d;%d;%s;%d;%s;%s;", h.Consultant, h.Client, yyyymmdd(h.FiscalYearStart), h.AccountLength, yyyymmdd(h.From), yyyymmdd(h.To))
	e.quoted(h.Description, datevDescMax)
	e.buf.WriteByte(';')
	e.quoted(h.Initials, 0)
	fmt.Fprintf(&e.buf, ";1;0;%d;", locked) // Buchungstyp 1 = Finanzbuchführung; Rechnungslegungszweck 0
	e.quoted("EUR", 0)
	e.buf.WriteString(`;;"";;;`)
	e.quoted(h.Chart, 0)
	e.buf.WriteString(`;;;"";""` + "\r\n")
	return nil
}

func (b Booking) write(e *cp1252Writer, h DATEVHeader, i int) error {
	fe := func(field string, err error) error { return &FieldError{Item: i, Field: field, Err: err} }
	if b.Amount < 1 || b.Amount > datevMaxAmount {
		return fe("amount", ErrDATEVAmount)
	}
	if b.Side != Debit && b.Side != Credit {
		return fe("side", ErrDATEVSide)
	}
	for _, acc := range [...]struct{ field, v string }{{"account", b.Account}, {"contra_account", b.ContraAccount}} {
		if !allDigits(acc.v) || len(acc.v) > h.AccountLength+1 || len(acc.v) > 9 {
			return fe(acc.field, ErrDATEVAccount)
		}
	}
	d := dateOf(b.Date)
	if b.Date.IsZero() || dateOf(h.From).after(d) || d.after(dateOf(h.To)) {
		return fe("date", ErrDATEVDate)
	}
	if len(b.DocumentNo) > datevDocNoMax || strings.TrimLeft(b.DocumentNo, datevDocNoChars) != "" {
		return fe("document_no", ErrDATEVDocumentNo)
	}
	if utf8.RuneCountInString(b.CostCentre1) > datevCostCentreMax || utf8.RuneCountInString(b.CostCentre2) > datevCostCentreMax {
		return fe("cost_centre", ErrDATEVCostCentre)
	}
	for col := range datevColumnCount {
		if col > 0 {
			e.buf.WriteByte(';')
		}
		switch col {
		case datevColAmount:
			e.buf.WriteString(b.Amount.DecimalComma())
		case datevColSide:
			e.quoted(string(b.Side), 0)
		case datevColCurrency:
			e.quoted("EUR", 0)
		case datevColAccount:
			e.buf.WriteString(b.Account)
		case datevColContraAccount:
			e.buf.WriteString(b.ContraAccount)
		case datevColDocumentDate:
			fmt.Fprintf(&e.buf, "%02d%02d", d.d, d.m) // TTMM: the year comes from the header
		case datevColDocumentNo:
			e.quoted(b.DocumentNo, 0)
		case datevColText:
			e.quoted(b.Text, datevTextMax)
		case datevColCostCentre1:
			if b.CostCentre1 != "" {
				e.quoted(b.CostCentre1, 0)
			}
		case datevColCostCentre2:
			if b.CostCentre2 != "" {
				e.quoted(b.CostCentre2, 0)
			}
		case datevColServiceDate:
			if !b.ServiceDate.IsZero() {
				e.buf.WriteString(b.ServiceDate.Format("02012006")) // TTMMJJJJ
			}
		}
	}
	e.buf.WriteString("\r\n")
	return nil
}

const datevDocNoChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$&%*+-/"

func yyyymmdd(t time.Time) string { return t.Format("20060102") }

func letters(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i] &^ 0x20; c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// cp1252Writer builds a Windows-1252 file in memory and counts the characters
// it had to replace.
type cp1252Writer struct {
	buf      bytes.Buffer
	replaced int
}

// quoted writes s as a quoted text field (see text).
func (e *cp1252Writer) quoted(s string, max int) {
	e.buf.WriteByte('"')
	e.text(s, max)
	e.buf.WriteByte('"')
}

// text writes s in Windows-1252, cut to max characters (0: no limit):
// composed to NFC first (a + ¨ is ä, which Windows-1252 has), control
// characters (line breaks, tabs) as spaces since DATEV forbids them in text,
// '"' doubled, and characters Windows-1252 lacks as their base letter or '?'.
func (e *cp1252Writer) text(s string, max int) {
	if !isASCIIPrintable(s) {
		s = norm.NFC.String(s)
	}
	n := 0
	for _, r := range s {
		if max > 0 && n == max {
			return
		}
		n++
		switch {
		case r == '"':
			e.buf.WriteString(`""`)
		case r < utf8.RuneSelf && r >= ' ' && r != 0x7f:
			e.buf.WriteByte(byte(r))
		case unicode.IsControl(r) || unicode.IsSpace(r):
			e.buf.WriteByte(' ')
		default:
			if c, ok := charmap.Windows1252.EncodeRune(r); ok {
				e.buf.WriteByte(c)
				continue
			}
			e.replaced++
			if base, ok := baseLetter(r); ok {
				e.buf.WriteByte(base[0]) // one character for one, so the length limit holds
			} else {
				e.buf.WriteByte('?')
			}
		}
	}
}

func isASCIIPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
