package accounting

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Pain001Namespace is the XML namespace of SEPA credit transfers in the
// version German banks take since November 2023 (DFÜ-Abkommen Anlage 3, 3.7).
const Pain001Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"

// Limits of the SEPA scheme (EPC132-08 and its XSD).
const (
	sepaNameMax       = 70
	sepaRemittanceMax = 140
	sepaIDMax         = 35
	sepaMaxAmount     = Money(99_999_999_999) // 999.999.999,99 €
)

// Address is a structured postal address. From November 2026 banks reject
// unstructured addresses; an address stays optional in the EEA, but if one is
// given it needs at least Town and Country.
type Address struct {
	Street         string // StrtNm, ≤ 70
	BuildingNumber string // BldgNb, ≤ 16
	PostCode       string // PstCd, ≤ 16
	Town           string // TwnNm, ≤ 35
	Country        string // ISO 3166 alpha-2, e.g. "DE"
}

func (a Address) empty() bool {
	return strings.TrimSpace(a.Street+a.BuildingNumber+a.PostCode+a.Town+a.Country) == ""
}

// Party is a debtor or creditor: the account holder's name exactly as the
// bank knows it (Verification of Payee compares it), the IBAN, the BIC
// (optional, IBAN-only is the rule) and an optional address.
type Party struct {
	Name    string
	IBAN    string
	BIC     string
	Address Address
}

// Transfer is one payment in a batch.
type Transfer struct {
	// EndToEndID identifies the payment to both banks and comes back on the
	// statement; unique within the batch, ≤ 35 characters of the SEPA set.
	EndToEndID string
	Amount     Money
	Creditor   Party
	// Remittance is the purpose the volunteer reads on the statement
	// (Verwendungszweck); transliterated and cut to 140 characters.
	Remittance string
}

// Batch is one pain.001 file: one debtor account, one execution date, any
// number of transfers.
type Batch struct {
	// MessageID must be unique per file for the bank (≤ 35); banks reject a
	// second upload with the same ID.
	MessageID string
	// PaymentInfoID names the one payment block; MessageID if empty.
	PaymentInfoID string
	CreatedAt     time.Time
	// InitiatingParty is who creates the file; the debtor's name if empty.
	InitiatingParty string
	Debtor          Party
	ExecutionDate   time.Time // the requested execution day (its calendar date)
	// BatchBooking asks the bank for one line on the debtor's statement
	// instead of one per transfer.
	BatchBooking bool
	Transfers    []Transfer
}

// Total returns the sum of the batch's amounts (the CtrlSum).
func (b Batch) Total() Money {
	var sum Money
	for _, t := range b.Transfers {
		sum += t.Amount
	}
	return sum
}

// Errors from WritePain001, inside a *FieldError that says where.
var (
	ErrEmptyBatch    = errors.New("accounting: a payment file needs at least one transfer")
	ErrSEPAID        = errors.New("accounting: identifier must be 1–35 characters of A–Z a–z 0–9 / - ? : ( ) . , ' +, not starting or ending with / and without //")
	ErrDuplicateID   = errors.New("accounting: identifier used twice in the batch")
	ErrSEPAName      = errors.New("accounting: a name needs at least one letter or digit after transliteration")
	ErrSEPAAmount    = errors.New("accounting: amount must be between 0,01 € and 999.999.999,99 €")
	ErrSEPAAddress   = errors.New("accounting: an address needs a town and a two-letter country code")
	ErrSEPADate      = errors.New("accounting: creation time and execution date are required")
	ErrTooManyInFile = errors.New("accounting: too many items for one file")
)

// FieldError says which item and field of an export failed. Item is the index
// in the input (from 0), or -1 for the batch or header itself.
type FieldError struct {
	Item  int
	Field string
	Err   error
}

func (e *FieldError) Error() string {
	if e.Item < 0 {
		return fmt.Sprintf("%s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("item %d, %s: %v", e.Item+1, e.Field, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// validSEPAID reports whether id is a valid SEPA reference: 1–35 characters of
// the basic set without spaces, not starting or ending with '/', no "//".
func validSEPAID(id string) bool {
	if id == "" || len(id) > sepaIDMax || id[0] == '/' || id[len(id)-1] == '/' || strings.Contains(id, "//") {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] == ' ' || !sepaAllowed(rune(id[i])) {
			return false
		}
	}
	return true
}

// sepaName transliterates a name and checks that something readable is left.
func sepaName(s string) (string, bool) {
	n := SEPAText(s, sepaNameMax)
	for i := 0; i < len(n); i++ {
		if isLetter(n[i]) || isDigit(n[i]) || (n[i] >= 'a' && n[i] <= 'z') {
			return n, true
		}
	}
	return "", false
}

// WritePain001 writes b as a SEPA credit transfer initiation
// (pain.001.001.09, EPC SCT C2PSP, UTF-8 without BOM): one GrpHdr, one PmtInf
// with NbOfTxs and CtrlSum at both levels, one CdtTrfTxInf per transfer.
// Names, addresses and purposes are transliterated to the SEPA basic set and
// cut to the scheme's lengths; identifiers, IBANs, BICs and amounts are
// checked, not altered. Nothing is written if the batch is invalid; the
// error is a *FieldError wrapping one of the Err… values of this package.
func WritePain001(w io.Writer, b Batch) error {
	doc, err := b.document()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// document checks b and builds the XML tree.
func (b Batch) document() (*painDocument, error) {
	batchErr := func(field string, err error) error { return &FieldError{Item: -1, Field: field, Err: err} }
	if len(b.Transfers) == 0 {
		return nil, batchErr("transfers", ErrEmptyBatch)
	}
	if !validSEPAID(b.MessageID) {
		return nil, batchErr("message_id", ErrSEPAID)
	}
	pmtInfID := b.PaymentInfoID
	if pmtInfID == "" {
		pmtInfID = b.MessageID
	}
	if !validSEPAID(pmtInfID) {
		return nil, batchErr("payment_info_id", ErrSEPAID)
	}
	if b.CreatedAt.IsZero() {
		return nil, batchErr("created_at", ErrSEPADate)
	}
	if b.ExecutionDate.IsZero() {
		return nil, batchErr("execution_date", ErrSEPADate)
	}
	dbtr, err := b.Debtor.party(-1, "debtor")
	if err != nil {
		return nil, err
	}
	initg := dbtr.Nm
	if b.InitiatingParty != "" {
		var ok bool
		if initg, ok = sepaName(b.InitiatingParty); !ok {
			return nil, batchErr("initiating_party", ErrSEPAName)
		}
	}
	dbtrAgt := painFinInstn{}
	if dbtr.bic != "" {
		dbtrAgt.BICFI = dbtr.bic
	} else {
		// EPC rule for IBAN-only: the debtor agent is "not provided".
		dbtrAgt.Othr = &painOthr{ID: "NOTPROVIDED"}
	}

	txs := make([]painTx, len(b.Transfers))
	seen := make(map[string]int, len(b.Transfers))
	var sum Money
	for i, t := range b.Transfers {
		if !validSEPAID(t.EndToEndID) {
			return nil, &FieldError{Item: i, Field: "end_to_end_id", Err: ErrSEPAID}
		}
		if j, dup := seen[t.EndToEndID]; dup {
			return nil, &FieldError{Item: i, Field: "end_to_end_id", Err: fmt.Errorf("%w (also item %d)", ErrDuplicateID, j+1)}
		}
		seen[t.EndToEndID] = i
		if t.Amount < 1 || t.Amount > sepaMaxAmount {
			return nil, &FieldError{Item: i, Field: "amount", Err: ErrSEPAAmount}
		}
		sum += t.Amount
		cdtr, err := t.Creditor.party(i, "creditor")
		if err != nil {
			return nil, err
		}
		tx := painTx{
			EndToEndID: t.EndToEndID,
			Amt:        painAmt{InstdAmt: painAmount{Ccy: "EUR", Value: t.Amount.Decimal()}},
			Cdtr:       painParty{Nm: cdtr.Nm, PstlAdr: cdtr.PstlAdr},
			CdtrIBAN:   cdtr.iban,
		}
		if cdtr.bic != "" {
			tx.CdtrAgt = &painAgent{FinInstnID: painFinInstn{BICFI: cdtr.bic}}
		}
		if u := SEPAText(t.Remittance, sepaRemittanceMax); u != "" {
			tx.RmtInf = &painRmtInf{Ustrd: u}
		}
		txs[i] = tx
	}
	n := strconv.Itoa(len(txs))
	ctrl := sum.Decimal()
	return &painDocument{
		Xmlns: Pain001Namespace,
		GrpHdr: painGrpHdr{
			MsgID: b.MessageID, CreDtTm: b.CreatedAt.Format("2006-01-02T15:04:05"),
			NbOfTxs: n, CtrlSum: ctrl, InitgPty: painParty{Nm: initg},
		},
		PmtInf: painPmtInf{
			PmtInfID: pmtInfID, PmtMtd: "TRF", BtchBookg: b.BatchBooking, NbOfTxs: n, CtrlSum: ctrl,
			SvcLvl:      "SEPA",
			ReqdExctnDt: b.ExecutionDate.Format(time.DateOnly),
			Dbtr:        painParty{Nm: dbtr.Nm, PstlAdr: dbtr.PstlAdr},
			DbtrIBAN:    dbtr.iban,
			DbtrAgt:     painAgent{FinInstnID: dbtrAgt},
			ChrgBr:      "SLEV",
			Txs:         txs,
		},
	}, nil
}

// checkedParty is a Party after validation, in the file's form.
type checkedParty struct {
	painParty
	iban, bic string
}

func (p Party) party(item int, role string) (checkedParty, error) {
	fe := func(field string, err error) error {
		return &FieldError{Item: item, Field: role + "." + field, Err: err}
	}
	var c checkedParty
	var ok bool
	if c.Nm, ok = sepaName(p.Name); !ok {
		return c, fe("name", ErrSEPAName)
	}
	var err error
	if c.iban, err = ValidateIBAN(p.IBAN); err != nil {
		return c, fe("iban", err)
	}
	if c.bic, err = ValidateBIC(p.BIC); err != nil {
		return c, fe("bic", err)
	}
	if !p.Address.empty() {
		a := p.Address
		ctry := strings.ToUpper(strings.TrimSpace(a.Country))
		town := SEPAText(a.Town, 35)
		if town == "" || len(ctry) != 2 || !isLetter(ctry[0]) || !isLetter(ctry[1]) {
			return c, fe("address", ErrSEPAAddress)
		}
		c.PstlAdr = &painAddress{
			StrtNm: SEPAText(a.Street, 70), BldgNb: SEPAText(a.BuildingNumber, 16),
			PstCd: SEPAText(a.PostCode, 16), TwnNm: town, Ctry: ctry,
		}
	}
	return c, nil
}

// The XML tree, in the element order of the pain.001.001.09 schema.
type painDocument struct {
	XMLName xml.Name   `xml:"Document"`
	Xmlns   string     `xml:"xmlns,attr"`
	GrpHdr  painGrpHdr `xml:"CstmrCdtTrfInitn>GrpHdr"`
	PmtInf  painPmtInf `xml:"CstmrCdtTrfInitn>PmtInf"`
}

type painGrpHdr struct {
	MsgID    string    `xml:"MsgId"`
	CreDtTm  string    `xml:"CreDtTm"`
	NbOfTxs  string    `xml:"NbOfTxs"`
	CtrlSum  string    `xml:"CtrlSum"`
	InitgPty painParty `xml:"InitgPty"`
}

type painPmtInf struct {
	PmtInfID    string    `xml:"PmtInfId"`
	PmtMtd      string    `xml:"PmtMtd"`
	BtchBookg   bool      `xml:"BtchBookg"`
	NbOfTxs     string    `xml:"NbOfTxs"`
	CtrlSum     string    `xml:"CtrlSum"`
	SvcLvl      string    `xml:"PmtTpInf>SvcLvl>Cd"`
	ReqdExctnDt string    `xml:"ReqdExctnDt>Dt"`
	Dbtr        painParty `xml:"Dbtr"`
	DbtrIBAN    string    `xml:"DbtrAcct>Id>IBAN"`
	DbtrAgt     painAgent `xml:"DbtrAgt"`
	ChrgBr      string    `xml:"ChrgBr"`
	Txs         []painTx  `xml:"CdtTrfTxInf"`
}

type painParty struct {
	Nm      string       `xml:"Nm"`
	PstlAdr *painAddress `xml:"PstlAdr,omitempty"`
}

type painAddress struct {
	StrtNm string `xml:"StrtNm,omitempty"`
	BldgNb string `xml:"BldgNb,omitempty"`
	PstCd  string `xml:"PstCd,omitempty"`
	TwnNm  string `xml:"TwnNm"`
	Ctry   string `xml:"Ctry"`
}

type painAgent struct {
	FinInstnID painFinInstn `xml:"FinInstnId"`
}

type painFinInstn struct {
	BICFI string    `xml:"BICFI,omitempty"`
	Othr  *painOthr `xml:"Othr,omitempty"`
}

type painOthr struct {
	ID string `xml:"Id"`
}

type painTx struct {
	EndToEndID string      `xml:"PmtId>EndToEndId"`
	Amt        painAmt     `xml:"Amt"`
	CdtrAgt    *painAgent  `xml:"CdtrAgt,omitempty"`
	Cdtr       painParty   `xml:"Cdtr"`
	CdtrIBAN   string      `xml:"CdtrAcct>Id>IBAN"`
	RmtInf     *painRmtInf `xml:"RmtInf,omitempty"`
}

type painAmt struct {
	InstdAmt painAmount `xml:"InstdAmt"`
}

type painAmount struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

type painRmtInf struct {
	Ustrd string `xml:"Ustrd"`
}
