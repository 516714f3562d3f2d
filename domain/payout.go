package domain

import "time"

// PayoutSettings are a tenant's data for paying and booking claims: the
// account the money leaves from (pain.001 debtor) and the DATEV numbers and
// accounts the Kämmerei books with. An admin keeps them; accountants use
// them when they create a payout batch.
//
// Booking (DATEV EXTF): every claim of a batch is one booking of its amount
// on the expense account of its kind (TravelAccount or AllowanceAccount)
// against ContraAccount, Soll for a claim and Haben for a reversal entry, on
// the batch's execution date, with the municipality's cost centre in KOST1.
// ContraAccount is one account for the whole tenant: the bank or money-in-
// transit account when the pain.001 file is the payment itself, or a
// collective creditor account (Kreditoren-Sammelkonto, one digit longer than
// AccountLength) when the Kämmerei books payables first. Lotse keeps no
// creditor master data; the volunteer is named in the booking text and the
// claim ID is Belegfeld 1. The fiscal year is the calendar year (the
// Haushaltsjahr of German municipalities).
type PayoutSettings struct {
	DebtorName string `json:"debtor_name"` // account holder of the tenant's account, as at the bank
	IBAN       string `json:"iban"`        // normalised on save
	BIC        string `json:"bic"`         // optional (IBAN-only)
	Consultant int    `json:"consultant"`  // DATEV Beraternummer, 1001–9999999
	Client     int    `json:"client"`      // DATEV Mandantennummer, 1–99999
	// AccountLength is the Sachkontenlänge, 4–8; expense accounts have at
	// most this many digits, the contra account one more.
	AccountLength    int    `json:"account_length"`
	TravelAccount    string `json:"travel_account"`    // Sachkonto for travel refunds
	AllowanceAccount string `json:"allowance_account"` // Sachkonto for allowances
	ContraAccount    string `json:"contra_account"`    // Gegenkonto: bank, transit or collective creditor
	// CostCentres maps a municipality's AGS to its Kostenstelle (KOST1);
	// municipalities without one are booked without.
	CostCentres map[string]string `json:"cost_centres"`
	// RateTable is the travel-cost preset: brkg, bayern, hessen or rlp.
	RateTable string `json:"rate_table"`
}

// RateTables lists the travel-cost presets a tenant can pick.
var RateTables = []string{"brkg", "bayern", "hessen", "rlp"}

// Complete reports whether the settings hold what a payout batch needs.
func (p *PayoutSettings) Complete() bool {
	return p != nil && p.DebtorName != "" && p.IBAN != "" && p.Consultant > 0 && p.Client > 0 &&
		p.AccountLength > 0 && p.TravelAccount != "" && p.AllowanceAccount != "" && p.ContraAccount != ""
}

// PayoutStatus is where a payout batch stands.
type PayoutStatus string

// Payout statuses. A batch is written in steps (no transactions): it is
// "preparing" while its claims are marked paid and its files written, then
// "ready". A batch that won no claim (another batch took them all) is "void";
// its sequence number stays used, so the numbering has no silent gaps. A batch
// whose making was interrupted (the process died while preparing) is voided
// by the recovery, with VoidInterrupted as its VoidReason.
const (
	PayoutPreparing PayoutStatus = "preparing"
	PayoutReady     PayoutStatus = "ready"
	PayoutVoid      PayoutStatus = "void"
)

// Why a batch is void, beyond "it won no claim" (an empty VoidReason).
const (
	// VoidInterrupted: the batch stayed "preparing" past the recovery's safe
	// age; its claims went back to released, no file was handed out.
	VoidInterrupted = "interrupted"
)

// PayoutVoidReasons lists the void reasons, for the API description.
var PayoutVoidReasons = []string{VoidInterrupted}

// Why a volunteer's released claims stayed out of a batch.
const (
	SkipNoBankDetails = "no_bank_details" // no IBAN or holder on file
	SkipBadBankName   = "bank_name"       // the holder's name has no letter SEPA can carry
	SkipNetNegative   = "net_negative"    // reversals exceed the claims: the volunteer owes; carried forward
	SkipConcurrent    = "concurrent"      // another batch took some of the claims at the same time
)

// PayoutSkipReasons lists the reasons, for the API description.
var PayoutSkipReasons = []string{SkipNoBankDetails, SkipBadBankName, SkipNetNegative, SkipConcurrent}

// Payout is one payout batch: the released claims it paid, one transfer per
// volunteer with a positive net, the volunteers it left out, and the files
// written for the bank and the bookkeeping.
type Payout struct {
	ID, Tenant    ID
	Seq           int // per tenant, from 1
	Status        PayoutStatus
	ExecutionDate time.Time // the requested execution day, UTC midnight
	CreatedBy     ID
	CreatedAt     time.Time
	Claims        []ID // paid by this batch (net-zero volunteers' included)
	TotalCents    int64
	Transfers     []PayoutTransfer
	Skipped       []PayoutSkip
	Files         []PayoutFile
	Downloads     []PayoutDownload
	// VoidReason says why a void batch is void (VoidInterrupted), empty
	// otherwise; RecoveredAt is when the recovery voided it.
	VoidReason  string
	RecoveredAt time.Time
}

// Recovered reports whether the recovery voided the batch after its making
// was interrupted.
func (p *Payout) Recovered() bool {
	return p.Status == PayoutVoid && p.VoidReason == VoidInterrupted
}

// PayoutTransfer is one credit transfer: a volunteer's net over the batch's
// claims of theirs. A volunteer whose claims net to zero gets none.
type PayoutTransfer struct {
	Volunteer   ID
	EndToEndID  string
	AmountCents int64
	Claims      []ID
}

// PayoutSkip is a volunteer whose released claims stayed released.
type PayoutSkip struct {
	Volunteer   ID
	Reason      string
	AmountCents int64 // the net of the claims left out
	Claims      []ID
}

// PayoutFile is one stored export of a batch; the content is read apart.
type PayoutFile struct {
	Name        string // one of PayoutFileNames
	ContentType string
	Filename    string // suggested download name
	SHA256      string // hex
	Size        int
}

// Payout file names, as in the download paths.
const (
	PayoutPain001 = "pain001.xml"
	PayoutDATEV   = "datev.csv"
	PayoutCSV     = "export.csv"
	PayoutOrder   = "anordnung.pdf" // the Auszahlungsanordnung with both sign-offs
	// PayoutStatements is each paid volunteer's Auszahlungsmitteilung, a page each.
	PayoutStatements = "mitteilungen.pdf"
)

// PayoutFileNames lists a batch's files in the order pages show them.
var PayoutFileNames = []string{PayoutPain001, PayoutDATEV, PayoutCSV, PayoutOrder, PayoutStatements}

// PayoutDownload records one download of a batch's file.
type PayoutDownload struct {
	File string
	By   ID
	At   time.Time
}

// File returns the batch's file name, or false.
func (p *Payout) File(name string) (PayoutFile, bool) {
	for _, f := range p.Files {
		if f.Name == name {
			return f, true
		}
	}
	return PayoutFile{}, false
}

// FirstDownload returns the first download of file name, or false.
func (p *Payout) FirstDownload(name string) (PayoutDownload, bool) {
	for _, d := range p.Downloads {
		if d.File == name {
			return d, true
		}
	}
	return PayoutDownload{}, false
}
