package accounting

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzDATEVText: whatever text a booking carries, the file still parses into
// 31 header fields and 125 columns per booking, the Buchungstext comes back
// within 60 characters without control characters, and every character is
// either kept or replaced, never dropped.
func FuzzDATEVText(f *testing.F) {
	for _, s := range []string{`Fahrt "Tafel"; Lörrach`, "a\r\nb", "Шевченко", "a\u0308", "\x00\xff", strings.Repeat("ß", 70)} {
		f.Add(s, "Kämmerei")
	}
	f.Fuzz(func(t *testing.T, text, user string) {
		h := testDATEVHeader()
		h.ExportedBy, h.Description = user, text
		b := testBookings(2)
		b[0].Text, b[1].CostCentre1 = text, strings.ToValidUTF8(user, "")
		if utf8.RuneCountInString(b[1].CostCentre1) > datevCostCentreMax {
			b[1].CostCentre1 = ""
		}
		var buf bytes.Buffer
		if _, err := WriteDATEV(&buf, h, b); err != nil {
			t.Fatal(err)
		}
		header, _, rows := readDATEV(t, buf.Bytes())
		if len(header) != datevHeaderFieldsCount || len(rows) != 2 || len(rows[0]) != datevColumnCount || len(rows[1]) != datevColumnCount {
			t.Fatalf("structure broken by %q / %q: header %d, rows %d", text, user, len(header), len(rows))
		}
		got := rows[0][datevColText]
		if n := utf8.RuneCountInString(got); n > datevTextMax {
			t.Fatalf("Buchungstext %q has %d characters", got, n)
		}
		for _, r := range got {
			if unicode.IsControl(r) {
				t.Fatalf("control character %U in %q", r, got)
			}
		}
		// Nothing silently dropped: as many characters out as in (after NFC
		// composition and the cut).
		want := min(utf8.RuneCountInString(normNFC(text)), datevTextMax)
		if utf8.RuneCountInString(got) != want {
			t.Fatalf("text %q came back as %q: %d characters, want %d", text, got, utf8.RuneCountInString(got), want)
		}
	})
}

// FuzzPain001Text: whatever names and purposes volunteers enter, the SEPA
// file is well-formed XML and carries exactly their transliteration.
func FuzzPain001Text(f *testing.F) {
	for _, s := range []string{"Jürgen <b>&amp;</b>", "]]>", `"'`, "Олена Ivanova", "\x00\xff"} {
		f.Add(s, "Zweck: Fahrt & mehr")
	}
	f.Fuzz(func(t *testing.T, name, purpose string) {
		b := testBatch(1)
		b.Transfers[0].Creditor.Name = "A " + name // keep a letter so the name is valid
		b.Transfers[0].Remittance = purpose
		b.Transfers[0].Creditor.Address.Street = purpose
		var buf bytes.Buffer
		if err := WritePain001(&buf, b); err != nil {
			t.Fatal(err)
		}
		var p parsedPain
		if err := xml.Unmarshal(buf.Bytes(), &p); err != nil {
			t.Fatalf("not well-formed for %q / %q: %v", name, purpose, err)
		}
		tx := p.PmtInf[0].Txs[0]
		if tx.Name != SEPAText("A "+name, 70) || tx.Ustrd != SEPAText(purpose, 140) {
			t.Fatalf("name %q purpose %q came back as %q / %q", name, purpose, tx.Name, tx.Ustrd)
		}
	})
}

func normNFC(s string) string { return norm.NFC.String(s) }
