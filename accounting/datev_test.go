package accounting

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

func testDATEVHeader() DATEVHeader {
	return DATEVHeader{
		CreatedAt:       time.Date(2026, 4, 20, 14, 4, 40, 439e6, time.UTC),
		ExportedBy:      "Kämmerei Lörrach",
		Consultant:      29098,
		Client:          55003,
		FiscalYearStart: day(2026, 1, 1),
		AccountLength:   4,
		From:            day(2026, 4, 1),
		To:              day(2026, 4, 30),
		Description:     "Fahrtkosten Ehrenamt April 2026 Landkreis",
		Initials:        "WD",
		Locked:          true,
		Chart:           "03",
	}
}

func testBookings(n int) []Booking {
	texts := []string{`Fahrtkosten Jürgen Weiß, "Tafel" Lörrach`, "Ehrenamtspauschale Ayşe Öztürk", "Ticket\r\nKVV; Zone 2", "Olena Шевченко ②"}
	b := make([]Booking, n)
	for i := range b {
		b[i] = Booking{
			Amount:        Money(1 + (i*7919)%250000),
			Side:          Debit,
			Account:       "4660",
			ContraAccount: fmt.Sprintf("7%04d", i%10000),
			Date:          day(2026, 4, 1+i%30),
			DocumentNo:    fmt.Sprintf("FK-2026/%05d", i+1),
			Text:          texts[i%len(texts)],
			CostCentre1:   "31500",
		}
	}
	return b
}

// readDATEV decodes a written file from Windows-1252 and splits it into the
// header, the captions and the bookings.
func readDATEV(t *testing.T, raw []byte) (header, captions []string, rows [][]string) {
	t.Helper()
	if !bytes.HasSuffix(raw, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatal("lines must end in CRLF, with no bare LF")
	}
	dec, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(dec))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("not parseable as ';'-separated CSV: %v", err)
	}
	if len(recs) < 2 {
		t.Fatalf("%d lines", len(recs))
	}
	return recs[0], recs[1], recs[2:]
}

func TestWriteDATEV(t *testing.T) {
	h := testDATEVHeader()
	in := testBookings(8)
	in[1].Side = Credit
	in[2].ServiceDate = day(2026, 3, 31)
	in[3].CostCentre2 = "Integration"
	var buf bytes.Buffer
	replaced, err := WriteDATEV(&buf, h, in)
	if err != nil {
		t.Fatal(err)
	}
	// Outside Windows-1252: ş (bookings 1 and 5), Шевченко and ② (bookings 3
	// and 7): (1 + 8 + 1) × 2.
	if replaced != 20 {
		t.Errorf("replaced = %d, want 20", replaced)
	}
	header, captions, rows := readDATEV(t, buf.Bytes())

	if len(header) != datevHeaderFieldsCount {
		t.Fatalf("header has %d fields, want 31: %q", len(header), header)
	}
	wantHeader := map[int]string{
		1: "EXTF", 2: "700", 3: "21", 4: "Buchungsstapel", 5: "13", 6: "20260420140440439", 7: "", 8: "RE",
		9: "Kämmerei Lörrach", 11: "29098", 12: "55003", 13: "20260101", 14: "4", 15: "20260401", 16: "20260430",
		17: "Fahrtkosten Ehrenamt April 202", // cut to 30 18: "WD", 19: "1", 20: "0", 21: "1", 22: "EUR", 27: "03", 31: "",
	}
	for n, want := range wantHeader {
		if header[n-1] != want {
			t.Errorf("header field %d = %q, want %q", n, header[n-1], want)
		}
	}
	if len(captions) != datevColumnCount || captions[0] != "Umsatz (ohne Soll/Haben-Kz)" || captions[13] != "Buchungstext" ||
		captions[36] != "KOST1 - Kostenstelle" || captions[113] != "Festschreibung" || captions[114] != "Leistungsdatum" ||
		captions[124] != "Abw. Skontokonto" {
		t.Errorf("captions: %d, %q … %q", len(captions), captions[0], captions[len(captions)-1])
	}
	if len(rows) != len(in) {
		t.Fatalf("%d bookings, want %d", len(rows), len(in))
	}
	var sum Money
	for i, row := range rows {
		if len(row) != datevColumnCount {
			t.Fatalf("booking %d has %d fields, want 125", i, len(row))
		}
		m, err := ParseMoney(row[datevColAmount])
		if err != nil || m != in[i].Amount || row[datevColAmount] != in[i].Amount.DecimalComma() {
			t.Errorf("booking %d amount %q, want %s", i, row[0], in[i].Amount.DecimalComma())
		}
		sum += m
		if row[datevColSide] != string(in[i].Side) || row[datevColCurrency] != "EUR" ||
			row[datevColAccount] != in[i].Account || row[datevColContraAccount] != in[i].ContraAccount ||
			row[datevColDocumentNo] != in[i].DocumentNo || row[datevColCostCentre1] != "31500" {
			t.Errorf("booking %d: %q", i, row[:14])
		}
		if want := in[i].Date.Format("0201"); row[datevColDocumentDate] != want {
			t.Errorf("booking %d Belegdatum %q, want %q", i, row[datevColDocumentDate], want)
		}
		if n := len([]rune(row[datevColText])); n > 60 || strings.ContainsAny(row[datevColText], "\r\n\t") {
			t.Errorf("booking %d text %q (%d characters)", i, row[datevColText], n)
		}
	}
	if sum != sumBookings(in) {
		t.Errorf("amounts add up to %s, want %s", sum, sumBookings(in))
	}
	for i, want := range map[int]string{
		0: `Fahrtkosten Jürgen Weiß, "Tafel" Lörrach`, // quotes survive the round trip
		1: "Ehrenamtspauschale Ayse Öztürk",           // ş is not in Windows-1252: its base letter
		2: "Ticket  KVV; Zone 2",                      // the line break became spaces, the ';' stayed inside quotes
		3: "Olena ???????? 2",                         // other scripts: '?', never dropped; ② decomposes to 2
	} {
		if rows[i][datevColText] != want {
			t.Errorf("booking %d text %q, want %q", i, rows[i][datevColText], want)
		}
	}
	if rows[2][datevColServiceDate] != "31032026" || rows[3][datevColCostCentre2] != "Integration" {
		t.Errorf("Leistungsdatum %q, KOST2 %q", rows[2][datevColServiceDate], rows[3][datevColCostCentre2])
	}
	raw := buf.String()
	if !strings.HasPrefix(raw, `"EXTF";700;21;"Buchungsstapel";13;20260420140440439;;"RE";`) {
		t.Errorf("header starts %q", raw[:60])
	}
	if !strings.Contains(raw, "\r\n"+in[0].Amount.DecimalComma()+`;"S";"EUR";;;;4660;70000;;0104;"FK-2026/00001";;;"Fahrtkosten J`) {
		t.Errorf("first booking line: %q", strings.SplitN(raw, "\r\n", 4)[2][:80])
	}
}

func sumBookings(bs []Booking) Money {
	var s Money
	for _, b := range bs {
		s += b.Amount
	}
	return s
}

func TestWriteDATEVLongText(t *testing.T) {
	in := testBookings(1)
	in[0].Text = strings.Repeat("ä", 59) + "Ωxyz" // Ω is not in Windows-1252: replaced, and still 60 characters
	var buf bytes.Buffer
	replaced, err := WriteDATEV(&buf, testDATEVHeader(), in)
	if err != nil {
		t.Fatal(err)
	}
	_, _, rows := readDATEV(t, buf.Bytes())
	if got, want := rows[0][datevColText], strings.Repeat("ä", 59)+"?"; got != want || replaced != 1 {
		t.Errorf("text %q (replaced %d), want %q (1)", got, replaced, want)
	}
}

func TestWriteDATEVErrors(t *testing.T) {
	hdr := func(f func(*DATEVHeader)) DATEVHeader { h := testDATEVHeader(); f(&h); return h }
	bk := func(f func(*Booking)) []Booking { b := testBookings(3); f(&b[1]); return b }
	ok := testBookings(3)
	tests := []struct {
		name     string
		h        DATEVHeader
		bookings []Booking
		item     int
		field    string
		err      error
	}{
		{"no bookings", testDATEVHeader(), nil, -1, "bookings", ErrEmptyBatch},
		{"too many", testDATEVHeader(), make([]Booking, 100_000), -1, "bookings", ErrTooManyInFile},
		{"Berater too small", hdr(func(h *DATEVHeader) { h.Consultant = 1000 }), ok, -1, "consultant", ErrDATEVNumber},
		{"Mandant zero", hdr(func(h *DATEVHeader) { h.Client = 0 }), ok, -1, "client", ErrDATEVNumber},
		{"account length 9", hdr(func(h *DATEVHeader) { h.AccountLength = 9 }), ok, -1, "account_length", ErrDATEVNumber},
		{"period across years", hdr(func(h *DATEVHeader) { h.To = day(2027, 1, 31) }), ok, -1, "period", ErrDATEVPeriod},
		{"period reversed", hdr(func(h *DATEVHeader) { h.From, h.To = h.To, h.From }), ok, -1, "period", ErrDATEVPeriod},
		{"period before fiscal year", hdr(func(h *DATEVHeader) { h.FiscalYearStart = day(2026, 7, 1) }), ok, -1, "period", ErrDATEVPeriod},
		{"no period", hdr(func(h *DATEVHeader) { h.From = time.Time{} }), ok, -1, "period", ErrDATEVPeriod},
		{"Herkunft with digits", hdr(func(h *DATEVHeader) { h.Origin = "R1" }), ok, -1, "origin", ErrDATEVCode},
		{"Diktatkürzel too long", hdr(func(h *DATEVHeader) { h.Initials = "ABC" }), ok, -1, "origin", ErrDATEVCode},
		{"SKR letters", hdr(func(h *DATEVHeader) { h.Chart = "SKR03" }), ok, -1, "chart", ErrDATEVCode},
		{"zero amount", testDATEVHeader(), bk(func(b *Booking) { b.Amount = 0 }), 1, "amount", ErrDATEVAmount},
		{"negative amount", testDATEVHeader(), bk(func(b *Booking) { b.Amount = -100 }), 1, "amount", ErrDATEVAmount},
		{"amount with 11 digits", testDATEVHeader(), bk(func(b *Booking) { b.Amount = datevMaxAmount + 1 }), 1, "amount", ErrDATEVAmount},
		{"side", testDATEVHeader(), bk(func(b *Booking) { b.Side = 'X' }), 1, "side", ErrDATEVSide},
		{"account letters", testDATEVHeader(), bk(func(b *Booking) { b.Account = "46a0" }), 1, "account", ErrDATEVAccount},
		{"account empty", testDATEVHeader(), bk(func(b *Booking) { b.Account = "" }), 1, "account", ErrDATEVAccount},
		{"contra account too long", testDATEVHeader(), bk(func(b *Booking) { b.ContraAccount = "700000" }), 1, "contra_account", ErrDATEVAccount},
		{"date outside the period", testDATEVHeader(), bk(func(b *Booking) { b.Date = day(2026, 5, 1) }), 1, "date", ErrDATEVDate},
		{"date missing", testDATEVHeader(), bk(func(b *Booking) { b.Date = time.Time{} }), 1, "date", ErrDATEVDate},
		{"Belegfeld with space", testDATEVHeader(), bk(func(b *Booking) { b.DocumentNo = "FK 1" }), 1, "document_no", ErrDATEVDocumentNo},
		{"Belegfeld with umlaut", testDATEVHeader(), bk(func(b *Booking) { b.DocumentNo = "Ä1" }), 1, "document_no", ErrDATEVDocumentNo},
		{"Belegfeld too long", testDATEVHeader(), bk(func(b *Booking) { b.DocumentNo = strings.Repeat("1", 37) }), 1, "document_no", ErrDATEVDocumentNo},
		{"cost centre too long", testDATEVHeader(), bk(func(b *Booking) { b.CostCentre2 = strings.Repeat("k", 37) }), 1, "cost_centre", ErrDATEVCostCentre},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := WriteDATEV(&buf, tt.h, tt.bookings)
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, tt.err) || fe.Item != tt.item || fe.Field != tt.field {
				t.Fatalf("error = %v; want item %d, field %s, %v", err, tt.item, tt.field, tt.err)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", buf.Len())
			}
		})
	}
}
