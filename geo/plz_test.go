package geo

import (
	"errors"
	"testing"
)

func TestNormalizePLZ(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"79539", "79539", nil},
		{"01067", "01067", nil},
		{"D-79539", "79539", nil},
		{"DE-79539", "79539", nil},
		{"de-79539", "79539", nil},
		{"d-79539", "79539", nil},
		{" 79539 ", "79539", nil},
		{"\t79539\n", "79539", nil},
		{"79 539", "79539", nil},
		{"\u00a079539\u00a0", "79539", nil}, // non-breaking space
		{"79\u202f539", "79539", nil},       // narrow no-break space
		{"\u200b79539", "79539", nil},       // zero-width space
		{" D - 79539 ", "79539", nil},
		{"", "", ErrPLZEmpty},
		{"   ", "", ErrPLZEmpty},
		{"\u00a0\t", "", ErrPLZEmpty},
		{"7953", "", ErrPLZFormat},
		{"795390", "", ErrPLZFormat},
		{"7953a", "", ErrPLZFormat},
		{"٧٩٥٣٩", "", ErrPLZFormat}, // Arabic-Indic digits
		{"７９５３９", "", ErrPLZFormat}, // full-width digits
		{"D-", "", ErrPLZFormat},
		{"DE-", "", ErrPLZFormat},
		{"D79539", "", ErrPLZFormat},
		{"DE79539", "", ErrPLZFormat},
		{"A-79539", "", ErrPLZFormat},
		{"D-D-79539", "", ErrPLZFormat},
		{"DE-795390", "", ErrPLZFormat},
		{"-79539", "", ErrPLZFormat},
		{"+79539", "", ErrPLZFormat},
		{"79539\x00", "", ErrPLZFormat},
		{"\xff79539", "", ErrPLZFormat},
		{"1234567890123", "", ErrPLZFormat},
	}
	for _, tt := range tests {
		got, err := NormalizePLZ(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("NormalizePLZ(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestNormalizePLZNoAllocCanonical(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _, _ = NormalizePLZ("79539") }); n != 0 {
		t.Errorf("allocs for canonical input = %v, want 0", n)
	}
}

func FuzzNormalizePLZ(f *testing.F) {
	for _, s := range []string{"79539", "D-79539", "DE-79539", " 79 539 ", "", "7953a", "٧٩٥٣٩", "\u00a0d-01067"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizePLZ(s)
		if err != nil {
			if got != "" {
				t.Fatalf("NormalizePLZ(%q) = %q with error %v", s, got, err)
			}
			if !errors.Is(err, ErrPLZEmpty) && !errors.Is(err, ErrPLZFormat) {
				t.Fatalf("NormalizePLZ(%q): unexpected error %v", s, err)
			}
			return
		}
		if !isFiveDigits(got) {
			t.Fatalf("NormalizePLZ(%q) = %q, not five ASCII digits", s, got)
		}
		again, err := NormalizePLZ(got)
		if again != got || err != nil {
			t.Fatalf("not idempotent: NormalizePLZ(%q) = %q, %v", got, again, err)
		}
	})
}

func BenchmarkNormalizePLZ(b *testing.B) {
	for _, in := range []string{"79539", " D-79 539 "} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = NormalizePLZ(in)
			}
		})
	}
}
