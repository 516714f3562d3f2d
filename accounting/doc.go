// Package accounting computes what Lotse pays volunteers and writes the files
// that pay and book it: travel-cost amounts from dated rate tables, the yearly
// tax-free allowances (§ 3 Nr. 12, 26, 26a EStG), IBAN checks, SEPA credit
// transfers (pain.001.001.09), DATEV EXTF Buchungsstapel and CSV for Excel.
//
// It does no I/O beyond the io.Writer it is handed, imports nothing of
// Lotse's, and never uses floating point for money: amounts are integer cents
// (Money), distances integer metres (Distance), rates integer tenths of a cent
// per km (KmRate). Every number that comes from law or a tenant's rules lives
// in a dated table (RateTable, AllowanceLimits), never in a code path.
//
// The sources of the numbers are in /work/shared/research/domain-de.md,
// sections 1–4; the Kämmerei of each municipality must confirm them.
package accounting
