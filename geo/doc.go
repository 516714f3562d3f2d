// Package geo is the embedded German postal-code (PLZ) gazetteer and the
// great-circle distance between points.
//
// The data is data/zipcodes.de.csv: GeoNames postal-code data (geonames.org),
// CC BY 4.0, see data/SOURCE.md and data/LICENSE. Whoever shows results based
// on it must show [Attribution] where users can see it. The only I/O is reading
// the embedded file.
//
// The file can have several rows per postal code (several places share a
// code). Rows are merged into one [Place] per code by these rules:
//
//   - Point is the arithmetic mean of the latitudes and longitudes of all rows
//     of the code.
//   - Names are the distinct place names of the rows in file order; Names[0],
//     the first row's place, is the primary name.
//   - Kreis (the community column), KreisCode (community_code, the 5-digit Kreis
//     part of the AGS) and State come from the first row. A code that crosses a
//     Kreis border is therefore listed under its first row's Kreis only.
//
// Two repairs are made while loading, because the source is inconsistent:
// State names given in English ("Bavaria", "Land Berlin", …) are replaced by
// the German ones used by the other rows, and names that were UTF-8 encoded
// twice ("KÃ¶ln") are decoded once ("Köln").
//
// Centroids are approximate, so distances are estimates good to a few
// kilometres. Large-customer codes (companies, authorities) can have rows far
// apart, even in different states, so their mean Point may lie between them.
package geo
