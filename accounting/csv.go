package accounting

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// CSVCell is one cell for CSVWriter. Text cells are neutralised against
// formula injection; the typed cells (CSVAmount, CSVInt, CSVDate, CSVKm) are
// Lotse's own formatting and are written as they are, so Excel sees numbers.
type CSVCell struct {
	v       string
	trusted bool
}

// CSVText is a cell of text from users or the database; see NeutralizeCSV.
func CSVText(s string) CSVCell { return CSVCell{v: s} }

// CSVAmount is an amount with a decimal comma and no grouping ("-1234,56"),
// which German Excel reads as a number.
func CSVAmount(m Money) CSVCell { return CSVCell{v: m.DecimalComma(), trusted: true} }

// CSVInt is a whole number.
func CSVInt(n int64) CSVCell { return CSVCell{v: strconv.FormatInt(n, 10), trusted: true} }

// CSVDate is a calendar date as German Excel reads it ("22.04.2026"); the
// zero time is an empty cell.
func CSVDate(t time.Time) CSVCell {
	if t.IsZero() {
		return CSVCell{trusted: true}
	}
	return CSVCell{v: t.Format("02.01.2006"), trusted: true}
}

// CSVKm is a distance in km with one decimal and a comma ("12,5").
func CSVKm(d Distance) CSVCell {
	return CSVCell{v: strings.TrimSuffix(d.String(), " km"), trusted: true}
}

// NeutralizeCSV makes s safe for a spreadsheet cell: a cell whose first
// character (after spaces) is = + - @, a tab or a carriage return, or their
// full-width forms, could run as a formula in Excel or LibreOffice, so it
// gets a leading apostrophe. Line breaks become "\n" (Excel's line break in
// a cell) and invalid UTF-8 becomes U+FFFD.
func NeutralizeCSV(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if t := strings.TrimLeft(s, " "); t != "" {
		switch r, _ := utf8.DecodeRuneInString(t); r {
		case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
			s = "'" + s
		}
	}
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	return s
}

// CSVWriter writes CSV that German Excel opens correctly by double-click:
// UTF-8 with a byte-order mark, ';' between cells, CRLF between rows,
// quotes around cells that need them with inner quotes doubled.
type CSVWriter struct {
	out     io.Writer
	w       *csv.Writer
	started bool
	row     []string
}

// NewCSVWriter returns a CSVWriter on w. Call Flush at the end.
func NewCSVWriter(w io.Writer) *CSVWriter {
	c := &CSVWriter{out: w, w: csv.NewWriter(w)}
	c.w.Comma = ';'
	c.w.UseCRLF = true
	return c
}

// Write writes one row.
func (c *CSVWriter) Write(cells ...CSVCell) error {
	if !c.started {
		c.started = true
		// Without the BOM Excel reads the file as Windows-1252 and garbles umlauts.
		if _, err := io.WriteString(c.out, "\uFEFF"); err != nil {
			return err
		}
	}
	c.row = c.row[:0]
	for _, cell := range cells {
		if cell.trusted {
			c.row = append(c.row, cell.v)
		} else {
			c.row = append(c.row, NeutralizeCSV(cell.v))
		}
	}
	return c.w.Write(c.row)
}

// WriteText writes one row of text cells (a header row, say).
func (c *CSVWriter) WriteText(cells ...string) error {
	row := make([]CSVCell, len(cells))
	for i, s := range cells {
		row[i] = CSVText(s)
	}
	return c.Write(row...)
}

// Flush writes any buffered data and returns the first error of any write.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}
