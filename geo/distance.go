package geo

import "math"

// EarthRadiusKm is the mean Earth radius (IUGG) used by [Distance].
const EarthRadiusKm = 6371.0088

// Attribution is the credit the CC BY 4.0 licence of the postal-code data
// requires; show it in the README and on the about page.
const Attribution = "Postal-code data: GeoNames (geonames.org), CC BY 4.0"

// Point is a WGS84 position in decimal degrees.
type Point struct{ Lat, Lon float64 }

// Distance returns the great-circle distance between a and b in kilometres,
// computed with the haversine formula on a sphere of radius [EarthRadiusKm].
// It returns 0 for identical points, at most π·EarthRadiusKm, and NaN if a
// coordinate is NaN or infinite.
func Distance(a, b Point) float64 {
	const rad = math.Pi / 180
	φ1, φ2 := a.Lat*rad, b.Lat*rad
	sφ := math.Sin((φ2 - φ1) / 2)
	sλ := math.Sin((b.Lon - a.Lon) * rad / 2)
	h := sφ*sφ + math.Cos(φ1)*math.Cos(φ2)*sλ*sλ
	// Rounding can push h just outside [0, 1] near antipodes; atan2 instead of
	// asin keeps full precision at both ends of the range.
	h = min(max(h, 0), 1)
	return 2 * EarthRadiusKm * math.Atan2(math.Sqrt(h), math.Sqrt(1-h))
}
