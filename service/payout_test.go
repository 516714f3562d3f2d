package service_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"lotse/accounting"
	"lotse/domain"
	"lotse/service"
)

// validPayoutSettings are settings of the test tenant (SKR03-like numbers).
func validPayoutSettings() domain.PayoutSettings {
	return domain.PayoutSettings{DebtorName: "Landratsamt Lörrach – Kämmerei", IBAN: "DE68 2105 0170 0012 3456 78",
		BIC: "", Consultant: 29098, Client: 55003, AccountLength: 4, TravelAccount: "4660", AllowanceAccount: "4190",
		ContraAccount: "1360", CostCentres: map[string]string{"08336050": "KST-LOE"}, RateTable: "bayern"}
}

// payoutUsers adds an admin, a coordinator and two accountants to tn.
func payoutUsers(t testing.TB, svc *service.Service, tn *domain.Tenant) (admin, coord, acct1, acct2 domain.Scope) {
	t.Helper()
	var out []domain.Scope
	for _, u := range []domain.UserInput{
		{Email: "admin-p@example.org", Role: domain.RoleAdmin},
		{Email: "koord-p@example.org", Role: domain.RoleCoordinator, Municipalities: []string{"08336050"}},
		{Email: "kasse-p1@example.org", Role: domain.RoleAccountant},
		{Email: "kasse-p2@example.org", Role: domain.RoleAccountant},
	} {
		u.Password = "ein langes Passwort 2026"
		got, err := svc.AddUser(context.Background(), tn.Slug, u)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, got.Scope())
	}
	return out[0], out[1], out[2], out[3]
}

// TestPayoutSettings saves settings as the admin, refuses bad ones field by
// field and everybody else, and audits the changed field names.
func TestPayoutSettings(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	admin, coord, acct, _ := payoutUsers(t, svc, tn)

	got, err := svc.PayoutSettings(ctx, admin)
	if err != nil || got.RateTable != "brkg" || got.IBAN != "" {
		t.Fatalf("fresh settings: %+v %v", got, err)
	}
	for _, sc := range []domain.Scope{coord, acct} {
		if _, err := svc.SetPayoutSettings(ctx, sc, validPayoutSettings()); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("%s sets payout settings: %v", sc.Role, err)
		}
		if _, err := svc.PayoutSettings(ctx, sc); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("%s reads payout settings: %v", sc.Role, err)
		}
	}

	bad := domain.PayoutSettings{DebtorName: "北京", IBAN: "DE68 2105 0170 0012 3456 79", BIC: "COBA",
		Consultant: 99, Client: 0, AccountLength: 9, TravelAccount: "46a0", AllowanceAccount: "",
		ContraAccount: "1360", CostCentres: map[string]string{"09999999": "X", "08336006": strings.Repeat("k", 37)},
		RateTable: "sachsen"}
	_, err = svc.SetPayoutSettings(ctx, admin, bad)
	want := map[string]string{"debtor_name": "field.payout.sepa_name", "iban": "field.payout.iban", "bic": "field.payout.bic",
		"consultant": "field.payout.consultant", "client": "field.payout.client", "account_length": "field.payout.account_length",
		"travel_account": "field.payout.account", "allowance_account": "field.required",
		"cost_centres.09999999": "field.payout.municipality", "cost_centres.08336006": "field.too_long",
		"rate_table": "field.choice.unknown"}
	if fe := domain.FieldsOf(err); fmt.Sprint(fe) != fmt.Sprint(want) {
		t.Errorf("field errors:\n got %v\nwant %v", fe, want)
	}
	long := validPayoutSettings()
	long.TravelAccount, long.ContraAccount = "46600", "136000"
	if fe := domain.FieldsOf(func() error { _, err := svc.SetPayoutSettings(ctx, admin, long); return err }()); fe["travel_account"] != "field.payout.account_too_long" || fe["contra_account"] != "field.payout.account_too_long" {
		t.Errorf("accounts longer than the Sachkontenlänge: %v", fe)
	}

	in := validPayoutSettings()
	in.CostCentres["08336006"] = " " // blank: no cost centre
	got, err = svc.SetPayoutSettings(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.IBAN != "DE68210501700012345678" || got.RateTable != "bayern" || len(got.CostCentres) != 1 || got.CostCentres["08336050"] != "KST-LOE" {
		t.Errorf("stored: %+v", got)
	}
	tn2, err := svc.Store.Tenant(ctx, tn.ID)
	if err != nil || tn2.RateTable != "bayern" || !tn2.Payout.Complete() {
		t.Errorf("tenant after save: %+v %v", tn2, err)
	}
	in.Client = 55004
	if _, err := svc.SetPayoutSettings(ctx, admin, in); err != nil {
		t.Fatal(err)
	}
	acts := auditActions(t, svc, tn)
	if len(acts["tenant.payout"]) != 2 {
		t.Errorf("audit: %v", acts["tenant.payout"])
	}
	log, _ := svc.Store.AuditLog(ctx, tn.ID)
	last := log[len(log)-1]
	if last.Action != "tenant.payout" || !slices.Equal(last.Fields, []string{"client"}) {
		t.Errorf("last audit %s %v, want tenant.payout [client]", last.Action, last.Fields)
	}
}

// payoutFixture is a tenant with settings and released claims: Anna (two
// claims and a reversal of one, Binzen and Lörrach), Bernd (an allowance),
// Carla (no bank details), Dora (only a reversal: she owes).
type payoutFixture struct {
	svc                    *service.Service
	tn                     *domain.Tenant
	admin, coord, a1, a2   domain.Scope
	anna, bernd, carla, do *domain.Volunteer
	claims                 map[string]*domain.Claim
}

func newPayoutFixture(t *testing.T) *payoutFixture {
	t.Helper()
	ctx := context.Background()
	svc, tn := newTestService(t)
	f := &payoutFixture{svc: svc, tn: tn, claims: map[string]*domain.Claim{}}
	f.admin, f.coord, f.a1, f.a2 = payoutUsers(t, svc, tn)
	if _, err := svc.SetPayoutSettings(ctx, f.admin, validPayoutSettings()); err != nil {
		t.Fatal(err)
	}
	vol := func(name, iban string) *domain.Volunteer {
		v := seedVolunteer(t, svc, tn, name, "08336050", "79539", domain.VolunteerActive, false, nil)
		if iban != "" {
			if err := svc.Store.SetBankDetails(ctx, tn.ID, v.ID, iban, name); err != nil {
				t.Fatal(err)
			}
		}
		return v
	}
	f.anna = vol("Anna Weiß", "DE89370400440532013000")
	f.bernd = vol("Bernd Öztürk", "DE02120300000000202051")
	f.carla = vol("Carla Nobank", "")
	f.do = vol("Dora Schuld", "DE02500105170137075030")
	claim := func(key string, v *domain.Volunteer, kind domain.ClaimKind, ags string, cents int64, reversalOf domain.ID) {
		c := &domain.Claim{Tenant: tn.ID, Volunteer: v.ID, Request: domain.NewID(time.Now()), Municipality: ags, Kind: kind,
			AmountCents: cents, Status: domain.ClaimReleased, CheckedBy: f.a1.User, CheckedAt: time.Now(),
			ReleasedBy: f.a2.User, ReleasedAt: time.Now(), ReversalOf: reversalOf}
		if kind == domain.ClaimTravel {
			c.Trips = []domain.ClaimTrip{{Date: "2026-03-12", From: "79539", To: "79589", Metres: 12000, Mode: "car",
				Purpose: "Begleitung", Table: "BRKG", AmountCents: abs(cents)}}
		} else {
			c.AllowanceBasis, c.AllowanceYear = "26a", 2026
		}
		if err := svc.Store.CreateClaim(ctx, c); err != nil {
			t.Fatal(err)
		}
		f.claims[key] = c
	}
	claim("anna1", f.anna, domain.ClaimTravel, "08336050", 4260, domain.NilID)
	claim("anna2", f.anna, domain.ClaimTravel, "08336006", 1000, domain.NilID)
	claim("anna2rev", f.anna, domain.ClaimTravel, "08336006", -1000, f.claims["anna2"].ID)
	claim("bernd", f.bernd, domain.ClaimAllowance, "08336050", 8400, domain.NilID)
	claim("carla", f.carla, domain.ClaimTravel, "08336050", 500, domain.NilID)
	claim("dora", f.do, domain.ClaimTravel, "08336050", -300, domain.NewID(time.Now()))
	return f
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// TestCreatePayout makes a batch of the fixture and reads its three files
// back: the pain.001 against the schema, the DATEV file and the CSV.
func TestCreatePayout(t *testing.T) {
	ctx := context.Background()
	f := newPayoutFixture(t)
	svc := f.svc
	for _, sc := range []domain.Scope{f.admin, f.coord} {
		if _, err := svc.CreatePayout(ctx, sc, time.Time{}); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("%s creates a payout: %v", sc.Role, err)
		}
	}
	if _, err := svc.CreatePayout(ctx, f.a1, svc.Now().AddDate(0, 0, -3)); domain.FieldsOf(err)["execution_date"] != "field.payout.date_past" {
		t.Errorf("a past execution date: %v", err)
	}
	exec := svc.Now().AddDate(0, 0, 2)
	p, err := svc.CreatePayout(ctx, f.a1, exec)
	if err != nil {
		t.Fatal(err)
	}
	if p.Seq != 1 || p.Status != domain.PayoutReady || p.TotalCents != 4260+8400 || len(p.Transfers) != 2 || len(p.Claims) != 4 {
		t.Fatalf("batch: seq %d %s total %d, %d transfers, %d claims", p.Seq, p.Status, p.TotalCents, len(p.Transfers), len(p.Claims))
	}
	skipped := map[domain.ID]string{}
	for _, s := range p.Skipped {
		skipped[s.Volunteer] = s.Reason
	}
	if skipped[f.carla.ID] != domain.SkipNoBankDetails || skipped[f.do.ID] != domain.SkipNetNegative || len(skipped) != 2 {
		t.Errorf("skipped: %v", p.Skipped)
	}
	for key, c := range f.claims {
		got, err := svc.Store.Claim(ctx, f.tn.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		paid := key != "carla" && key != "dora"
		if paid != (got.Status == domain.ClaimPaid && got.Batch == p.ID) || !paid && (got.Status != domain.ClaimReleased || !got.Batch.IsZero()) {
			t.Errorf("claim %s: %s in batch %v", key, got.Status, got.Batch)
		}
	}
	if _, err := svc.CreatePayout(ctx, f.a2, exec); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("a second batch with nothing left: %v", err)
	}

	files := map[string][]byte{}
	for _, name := range []string{domain.PayoutPain001, domain.PayoutDATEV, domain.PayoutCSV} {
		meta, body, err := svc.PayoutDownload(ctx, f.a2, p.ID, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if meta.SHA256 == "" || meta.Size != len(body) {
			t.Errorf("%s: %+v", name, meta)
		}
		files[name] = body
	}
	// The Auszahlungsanordnung names both sign-offs of each claim.
	_, order, err := svc.PayoutDownload(ctx, f.a2, p.ID, domain.PayoutOrder)
	if err != nil {
		t.Fatal(err)
	}
	if text := pdfToText(t, order); !strings.Contains(text, "Auszahlungsanordnung Nr. 1") || !strings.Contains(text, "Anna Weiß") ||
		!strings.Contains(text, "Sachlich richtig: kasse-p1@example.org") || !strings.Contains(text, "Rechnerisch richtig: kasse-p2@example.org") {
		t.Errorf("Auszahlungsanordnung:\n%s", text)
	}
	// The Auszahlungsmitteilungen: a page per paid volunteer, with their sum.
	_, notes, err := svc.PayoutDownload(ctx, f.a2, p.ID, domain.PayoutStatements)
	if err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(strings.TrimRight(pdfToText(t, notes), "\f\n"), "\f")
	if len(pages) != len(p.Transfers) || !strings.Contains(pages[0], "Auszahlung Nr. 1") {
		t.Errorf("%d pages for %d transfers:\n%s", len(pages), len(p.Transfers), strings.Join(pages, "\n---\n"))
	}
	for i, tr := range p.Transfers {
		if i < len(pages) && !strings.Contains(pages[i], accounting.Money(tr.AmountCents).String()) {
			t.Errorf("page %d lacks the transfer's %s:\n%s", i+1, accounting.Money(tr.AmountCents), pages[i])
		}
	}
	if _, _, err := svc.PayoutDownload(ctx, f.admin, p.ID, domain.PayoutPain001); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PayoutDownload(ctx, f.coord, p.ID, domain.PayoutPain001); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("a coordinator downloads: %v", err)
	}
	again, _ := svc.Payout(ctx, f.a1, p.ID)
	if d, ok := again.FirstDownload(domain.PayoutPain001); !ok || d.By != f.a2.User || len(again.Downloads) != 6 {
		t.Errorf("downloads: %+v", again.Downloads)
	}
	if n := len(auditActions(t, svc, f.tn)["payout.download"]); n != 6 {
		t.Errorf("%d download audits, want 6", n)
	}

	// pain.001: schema-valid, one transfer per volunteer with the net.
	xmlFile := filepath.Join(t.TempDir(), "pain.xml")
	if err := os.WriteFile(xmlFile, files[domain.PayoutPain001], 0o600); err != nil {
		t.Fatal(err)
	}
	xmllint(t, xmlFile)
	var doc struct {
		Txs []struct {
			E2E   string `xml:"PmtId>EndToEndId"`
			Amt   string `xml:"Amt>InstdAmt"`
			Name  string `xml:"Cdtr>Nm"`
			IBAN  string `xml:"CdtrAcct>Id>IBAN"`
			Ustr  string `xml:"RmtInf>Ustrd"`
			PstCd string `xml:"Cdtr>PstlAdr>PstCd"`
			Town  string `xml:"Cdtr>PstlAdr>TwnNm"`
			Ctry  string `xml:"Cdtr>PstlAdr>Ctry"`
		} `xml:"CstmrCdtTrfInitn>PmtInf>CdtTrfTxInf"`
		Dbtr string `xml:"CstmrCdtTrfInitn>PmtInf>DbtrAcct>Id>IBAN"`
		Date string `xml:"CstmrCdtTrfInitn>PmtInf>ReqdExctnDt>Dt"`
	}
	if err := xml.Unmarshal(files[domain.PayoutPain001], &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Txs) != 2 || doc.Dbtr != "DE68210501700012345678" || doc.Date != exec.In(berlinLoc()).Format(time.DateOnly) {
		t.Fatalf("pain.001: %+v", doc)
	}
	tx := doc.Txs[0]
	if tx.PstCd != "79539" || tx.Town != "Loerrach" || tx.Ctry != "DE" {
		t.Errorf("creditor address %q %q %q, want 79539 Loerrach DE (structured, from the gazetteer)", tx.PstCd, tx.Town, tx.Ctry)
	}
	if tx.Amt != "42.60" || tx.Name != "Anna Weiss" || tx.E2E != "L1-"+f.anna.ID.Hex() ||
		!strings.Contains(tx.Ustr, "2026-03") || !strings.Contains(tx.Ustr, f.claims["anna1"].ID.Hex()[16:]) {
		t.Errorf("Anna's transfer: %+v", tx)
	}
	if doc.Txs[1].Amt != "84.00" {
		t.Errorf("Bernd's transfer: %+v", doc.Txs[1])
	}

	// DATEV: one booking per claim, reversal on the credit side, cost centre by municipality.
	dec, err := charmap.Windows1252.NewDecoder().Bytes(files[domain.PayoutDATEV])
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(dec))
	r.Comma, r.FieldsPerRecord = ';', -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "EXTF" || rows[0][10] != "29098" || rows[0][11] != "55003" || rows[0][13] != "4" || len(rows) != 2+4 {
		t.Fatalf("DATEV header %v, %d rows", rows[0][:14], len(rows))
	}
	bookings := map[string][]string{}
	for _, row := range rows[2:] {
		if len(row) != 125 {
			t.Fatalf("booking with %d columns", len(row))
		}
		bookings[row[10]] = row
	}
	for key, want := range map[string][5]string{
		"anna1":    {"42,60", "S", "4660", "1360", "KST-LOE"},
		"anna2":    {"10,00", "S", "4660", "1360", ""},
		"anna2rev": {"10,00", "H", "4660", "1360", ""},
		"bernd":    {"84,00", "S", "4190", "1360", "KST-LOE"},
	} {
		b := bookings[f.claims[key].ID.Hex()]
		if b == nil {
			t.Errorf("no booking for %s", key)
			continue
		}
		if got := [5]string{b[0], b[1], b[6], b[7], b[36]}; got != want {
			t.Errorf("booking %s: %v, want %v", key, got, want)
		}
		if !strings.Contains(b[13], "Anna Weiß") && !strings.Contains(b[13], "Bernd Öztürk") {
			t.Errorf("booking text %q", b[13])
		}
	}

	// CSV: UTF-8 with BOM, one row per claim.
	body := files[domain.PayoutCSV]
	if !bytes.HasPrefix(body, []byte("\uFEFF")) {
		t.Error("CSV without BOM")
	}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF"))))
	cr.Comma = ';'
	crow, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(crow) != 5 || crow[0][0] != "Auszahlung" {
		t.Fatalf("CSV: %v", crow)
	}
	var sum []string
	for _, row := range crow[1:] {
		sum = append(sum, row[9])
	}
	slices.Sort(sum)
	if fmt.Sprint(sum) != "[-10,00 10,00 42,60 84,00]" {
		t.Errorf("CSV amounts %v", sum)
	}

	list, err := svc.Payouts(ctx, f.admin)
	if err != nil || len(list) != 1 || len(list[0].Claims) != 4 || list[0].TotalCents != 12660 {
		t.Errorf("list: %v %v", list, err)
	}
}

func berlinLoc() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return loc
}

// xmllint validates file against the pain.001.001.09 schema (see the
// accounting package's tests; LOTSE_SKIP_XMLLINT=1 skips without xmllint).
func xmllint(t *testing.T, file string) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("LOTSE_SKIP_XMLLINT") == "1" {
			t.Log("xmllint not installed and LOTSE_SKIP_XMLLINT=1: schema validation skipped")
			return
		}
		t.Fatal("xmllint not found: install libxml2-utils, or set LOTSE_SKIP_XMLLINT=1")
	}
	out, err := exec.Command(bin, "--noout", "--schema", filepath.Join("..", "accounting", "testdata", "pain.001.001.09.xsd"), file).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint rejects the payout file: %v\n%s", err, out)
	}
}

// TestCreatePayoutConcurrent starts batches at once: each claim lands in at
// most one, and all of them in some.
func TestCreatePayoutConcurrent(t *testing.T) {
	ctx := context.Background()
	f := newPayoutFixture(t)
	var wg sync.WaitGroup
	results := make([]*domain.Payout, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Go(func() {
			sc := f.a1
			if i%2 == 1 {
				sc = f.a2
			}
			results[i], errs[i] = f.svc.CreatePayout(ctx, sc, time.Time{})
		})
	}
	wg.Wait()
	owner := map[domain.ID]domain.ID{}
	made := 0
	for i, p := range results {
		if errs[i] != nil {
			if !errors.Is(errs[i], domain.ErrConflict) {
				t.Fatalf("batch %d: %v", i, errs[i])
			}
			continue
		}
		made++
		for _, c := range p.Claims {
			if other, dup := owner[c]; dup {
				t.Errorf("claim %s in batches %s and %s", c.Hex(), other.Hex(), p.ID.Hex())
			}
			owner[c] = p.ID
		}
	}
	if made == 0 || len(owner) != 4 {
		t.Errorf("%d batches paid %d claims, want 4", made, len(owner))
	}
	list, _ := f.svc.Payouts(ctx, f.a1)
	seqs := map[int]bool{}
	for _, p := range list {
		if seqs[p.Seq] {
			t.Errorf("sequence number %d twice", p.Seq)
		}
		seqs[p.Seq] = true
		got, _ := f.svc.Payout(ctx, f.a1, p.ID)
		if got.Status == domain.PayoutPreparing {
			t.Errorf("batch %d left preparing", p.Seq)
		}
	}
}

// pdfToText reads a PDF back with poppler's pdftotext (make deps installs it).
func pdfToText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("LOTSE_SKIP_PDFTOTEXT") == "1" {
			t.Skip("pdftotext missing and LOTSE_SKIP_PDFTOTEXT=1")
		}
		t.Fatal("pdftotext missing: apt-get install poppler-utils (make deps)")
	}
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
