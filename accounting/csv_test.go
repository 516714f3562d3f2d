package accounting

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"
)

// readCSV checks the BOM and reads the rows back as Excel's parser would
// split them.
func readCSV(t *testing.T, raw []byte) [][]string {
	t.Helper()
	body, ok := bytes.CutPrefix(raw, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatalf("no UTF-8 BOM at the start: %q", raw[:min(len(raw), 8)])
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read back: %v\n%q", err, body)
	}
	return rows
}

func TestNeutralizeCSV(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Jürgen Weiß", "Jürgen Weiß"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+49 7621 1234", "'+49 7621 1234"},
		{"-1+2", "'-1+2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\n=1"},
		{"  =1", "'  =1"}, // leading spaces do not hide a formula
		{"＝1+1", "'＝1+1"}, // full-width equals sign
		{"a=b", "a=b"},
		{"line\r\nbreak\rold mac", "line\nbreak\nold mac"},
		{"bad \xff utf-8", "bad \uFFFD utf-8"},
		{"", ""},
		{"   ", "   "},
		{"'already", "'already"},
	}
	for _, tt := range tests {
		if got := NeutralizeCSV(tt.in); got != tt.want {
			t.Errorf("NeutralizeCSV(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCSVWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewCSVWriter(&buf)
	if err := w.WriteText("Name", "Betrag", "Datum", "km", "Anzahl", "Zweck"); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(CSVText(`Müller; "Sohn"`), CSVAmount(Euros(1234, 56)), CSVDate(day(2026, 4, 22)), CSVKm(12500), CSVInt(3), CSVText("=cmd|' /C calc'!A0")); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(CSVText("-Storno"), CSVAmount(-1250), CSVDate(time.Time{}), CSVKm(0), CSVInt(-2), CSVText("zwei\r\nZeilen")); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	if !bytes.Contains(raw, []byte("\r\n")) || bytes.Count(raw, []byte("\r\n")) < 3 {
		t.Errorf("rows must end in CRLF: %q", raw)
	}
	rows := readCSV(t, raw)
	want := [][]string{
		{"Name", "Betrag", "Datum", "km", "Anzahl", "Zweck"},
		{`Müller; "Sohn"`, "1234,56", "22.04.2026", "12,5", "3", "'=cmd|' /C calc'!A0"},
		// A user's leading '-' is neutralised, our own negative amount stays a number.
		{"'-Storno", "-12,50", "", "0,0", "-2", "zwei\nZeilen"},
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
}

// FuzzCSVText: whatever a user types, the cell read back with encoding/csv
// (';') is exactly the neutralised text, it never starts a formula, and the
// columns never shift.
func FuzzCSVText(f *testing.F) {
	for _, s := range []string{"Jürgen", "=1+1", "a;b", `"quoted"`, "line\r\nbreak", "\r", " -x", "\xff", "＠x", "\t"} {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var buf bytes.Buffer
		w := NewCSVWriter(&buf)
		if err := w.Write(CSVText(a), CSVAmount(-1), CSVText(b)); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		rows := readCSV(t, buf.Bytes())
		if len(rows) != 1 || len(rows[0]) != 3 {
			t.Fatalf("%q, %q → %q", a, b, rows)
		}
		for i, in := range map[int]string{0: a, 2: b} {
			got := rows[0][i]
			if got != NeutralizeCSV(in) {
				t.Fatalf("cell %q read back as %q, want %q", in, got, NeutralizeCSV(in))
			}
			if rest := strings.TrimLeft(got, " "); rest != "" && strings.ContainsRune("=+-@\t\r＝＋－＠", []rune(rest)[0]) {
				t.Fatalf("a formula start survived: %q", got)
			}
		}
		if rows[0][1] != "-0,01" {
			t.Fatalf("amount column shifted: %q", rows[0])
		}
	})
}
