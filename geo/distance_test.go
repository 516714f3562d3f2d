package geo

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDistanceKnown(t *testing.T) {
	// Expected values from an independent haversine computation (Python)
	// on the same centroids.
	loerrach := Point{47.6181, 7.6589} // 79539
	freiburg := Point{47.9942, 7.847}  // 79098
	berlin := Point{52.5323, 13.3846}  // 10115
	halfCircle := math.Pi * EarthRadiusKm
	tests := []struct {
		name string
		a, b Point
		want float64
		tol  float64
	}{
		{"same point", loerrach, loerrach, 0, 0},
		{"same pole", Point{90, 0}, Point{90, 123}, 0, 1e-9},
		{"Lörrach–Freiburg", loerrach, freiburg, 44.11679920789982, 1e-9},
		{"Lörrach–Berlin", loerrach, berlin, 681.8538808884977, 1e-9},
		{"equator quarter", Point{0, 0}, Point{0, 90}, halfCircle / 2, 1e-9},
		{"antipodes on equator", Point{0, 0}, Point{0, 180}, halfCircle, 1e-9},
		{"antipodes poles", Point{90, 0}, Point{-90, 0}, halfCircle, 1e-9},
		{"antipodes Lörrach", loerrach, Point{-loerrach.Lat, loerrach.Lon - 180}, halfCircle, 1e-6},
		{"longitude wraps", Point{0, 179.5}, Point{0, -179.5}, 2 * halfCircle / 360, 1e-9},
	}
	for _, tt := range tests {
		got := Distance(tt.a, tt.b)
		if math.IsNaN(got) || math.Abs(got-tt.want) > tt.tol {
			t.Errorf("%s: Distance(%v, %v) = %.12g, want %.12g ± %g", tt.name, tt.a, tt.b, got, tt.want, tt.tol)
		}
	}
}

func TestDistanceNaN(t *testing.T) {
	for _, p := range []Point{{math.NaN(), 0}, {0, math.NaN()}, {math.Inf(1), 0}} {
		if d := Distance(p, Point{}); !math.IsNaN(d) {
			t.Errorf("Distance(%v, 0/0) = %v, want NaN", p, d)
		}
	}
}

func randomPoint(r *rand.Rand) Point {
	return Point{Lat: r.Float64()*180 - 90, Lon: r.Float64()*360 - 180}
}

func TestDistanceProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const eps = 1e-9
	for range 100000 {
		a, b, c := randomPoint(r), randomPoint(r), randomPoint(r)
		ab, ba := Distance(a, b), Distance(b, a)
		if math.IsNaN(ab) || ab < 0 || ab > math.Pi*EarthRadiusKm+eps {
			t.Fatalf("Distance(%v, %v) = %v out of range", a, b, ab)
		}
		if math.Abs(ab-ba) > eps {
			t.Fatalf("not symmetric: %v vs %v for %v, %v", ab, ba, a, b)
		}
		if Distance(a, a) != 0 {
			t.Fatalf("Distance(%v, itself) = %v", a, Distance(a, a))
		}
		if ac, bc := Distance(a, c), Distance(b, c); ac > ab+bc+eps {
			t.Fatalf("triangle inequality: d(a,c)=%v > d(a,b)+d(b,c)=%v for %v %v %v", ac, ab+bc, a, b, c)
		}
		// Near-antipodal pairs are where asin-based haversine turns NaN.
		anti := Point{-a.Lat, a.Lon + 180}
		if d := Distance(a, anti); math.Abs(d-math.Pi*EarthRadiusKm) > 1e-3 {
			t.Fatalf("Distance(%v, antipode) = %v", a, d)
		}
	}
}

func BenchmarkDistance(b *testing.B) {
	p, q := Point{47.6181, 7.6589}, Point{47.9942, 7.847}
	var sink float64
	for b.Loop() {
		sink += Distance(p, q)
	}
	_ = sink
}
