package accounting

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkExport10k writes a payout run of 10,000 items in each format, the
// size of a large Landkreis's year. Input is built once; each iteration
// validates and writes the whole file into a reused buffer.
//
//	go test -run '^$' -bench . -benchmem ./accounting/
func BenchmarkExport10k(b *testing.B) {
	const n = 10_000
	batch := testBatch(n)
	h := testDATEVHeader()
	h.From, h.To = day(2026, 1, 1), day(2026, 12, 31)
	bookings := testBookings(n)
	for i := range bookings {
		bookings[i].Date = day(2026, 1, 1).AddDate(0, 0, i%365)
	}
	var buf bytes.Buffer

	b.Run("pain001", func(b *testing.B) {
		for b.Loop() {
			buf.Reset()
			if err := WritePain001(&buf, batch); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len()), "file-bytes")
	})
	b.Run("datev", func(b *testing.B) {
		for b.Loop() {
			buf.Reset()
			if _, err := WriteDATEV(&buf, h, bookings); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len()), "file-bytes")
	})
	b.Run("csv", func(b *testing.B) {
		for b.Loop() {
			buf.Reset()
			w := NewCSVWriter(&buf)
			if err := w.WriteText("Belegnummer", "Name", "IBAN", "Betrag", "Datum", "Zweck"); err != nil {
				b.Fatal(err)
			}
			for i, t := range batch.Transfers {
				err := w.Write(CSVText(t.EndToEndID), CSVText(t.Creditor.Name), CSVText(t.Creditor.IBAN),
					CSVAmount(t.Amount), CSVDate(bookings[i].Date), CSVText(t.Remittance))
				if err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len()), "file-bytes")
	})
}

// BenchmarkTripAmount is the per-trip cost of the rate lookup and arithmetic.
func BenchmarkTripAmount(b *testing.B) {
	rates := Rates{BRKG(), func() RateTable { t := Bayern(); t.ValidFrom = day(2026, 1, 1); return t }()}
	trip := Trip{Date: day(2026, 4, 14), Mode: ModeCar, Distance: 42300, Passengers: 2}
	for b.Loop() {
		if _, err := TripAmount(trip, rates); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteStatements: the Auszahlungsmitteilungen of a batch of 2,000
// volunteers with five claims each, a page each.
func BenchmarkWriteStatements(b *testing.B) {
	ss := make([]Statement, 2000)
	for i := range ss {
		ss[i] = Statement{Tenant: "Landkreis Lörrach", Volunteer: fmt.Sprintf("Ayşe Yılmaz %d", i), Period: "Auszahlung Nr. 7 vom 16.03.2026",
			IBAN: "DE89 **** **** **** **30 00"}
		for j := range 5 {
			ss[i].Lines = append(ss[i].Lines, StatementLine{Date: "10.02.2026", Text: "Fahrtkosten 2026-02", Amount: Money(1000 + j)})
		}
	}
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteStatements(&buf, "Auszahlungsmitteilungen Nr. 7", ss); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/1024, "KiB")
}
