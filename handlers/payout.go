package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"lotse/accounting"
	"lotse/domain"
)

// payoutRoutes registers the tenant's payout settings (admins) and the
// payout batches (accountants create them; admins read them), as pages and API.
func (h *Handler) payoutRoutes(pages, api *gin.RouterGroup) {
	settings := pages.Group("/admin/payout", h.requirePage(domain.RoleAdmin))
	settings.GET("", h.pagePayoutSettingsEdit)
	settings.POST("", h.pagePayoutSettingsUpdate)

	money := pages.Group("/payouts", h.requirePage(domain.RoleAccountant, domain.RoleAdmin))
	money.GET("", h.pagePayoutList)
	money.POST("", h.pagePayoutCreate)
	money.GET("/:id", h.pagePayoutShow)
	for _, name := range domain.PayoutFileNames {
		money.GET("/:id/"+name, h.payoutDownload(name))
	}

	settingsAPI := api.Group("/settings/payout", h.apiAuth, h.requireAPI(domain.RoleAdmin))
	settingsAPI.GET("", h.apiPayoutSettingsShow)
	settingsAPI.PUT("", h.apiPayoutSettingsUpdate)

	moneyAPI := api.Group("/payouts", h.apiAuth, h.requireAPI(domain.RoleAccountant, domain.RoleAdmin))
	moneyAPI.GET("", h.apiPayoutList)
	moneyAPI.POST("", h.apiPayoutCreate)
	moneyAPI.GET("/:id", h.apiPayoutShow)
	for _, name := range domain.PayoutFileNames {
		moneyAPI.GET("/:id/"+name, h.payoutDownload(name))
	}
}

// payoutSettingsForm is the settings form as typed; numbers stay text so a
// wrong entry is shown again as it was.
type payoutSettingsForm struct {
	DebtorName, IBAN, BIC                                     string
	Consultant, Client, AccountLength                         string
	TravelAccount, AllowanceAccount, ContraAccount, RateTable string
	CostCentres                                               map[string]string
}

// payoutSettingsPage is the data of the settings page.
type payoutSettingsPage struct {
	Form           payoutSettingsForm
	Municipalities []domain.Municipality
	RateTables     []string
	Saved          bool
}

// fieldTarget links a cost centre's error to its input.
func (payoutSettingsPage) fieldTarget(field, id string) string {
	if ags, ok := strings.CutPrefix(field, "cost_centres."); ok {
		return "f-kost-" + ags
	}
	return id
}

func settingsForm(p *domain.PayoutSettings) payoutSettingsForm {
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	return payoutSettingsForm{DebtorName: p.DebtorName, IBAN: accounting.FormatIBAN(p.IBAN), BIC: p.BIC,
		Consultant: num(p.Consultant), Client: num(p.Client), AccountLength: num(p.AccountLength),
		TravelAccount: p.TravelAccount, AllowanceAccount: p.AllowanceAccount, ContraAccount: p.ContraAccount,
		RateTable: p.RateTable, CostCentres: p.CostCentres}
}

// toSettings reads the form; a number that is no number becomes -1, which
// the service refuses with the field's own message.
func (f payoutSettingsForm) toSettings() domain.PayoutSettings {
	return domain.PayoutSettings{DebtorName: f.DebtorName, IBAN: f.IBAN, BIC: f.BIC, Consultant: formInt(f.Consultant),
		Client: formInt(f.Client), AccountLength: formInt(f.AccountLength), TravelAccount: f.TravelAccount,
		AllowanceAccount: f.AllowanceAccount, ContraAccount: f.ContraAccount, CostCentres: f.CostCentres, RateTable: f.RateTable}
}

func (h *Handler) payoutSettingsPage(c *gin.Context, status int, form payoutSettingsForm, saved bool, errs map[string]string) {
	munis, err := h.Svc.PayoutMunicipalities(c.Request.Context(), sessionUser(c).Scope())
	if err != nil {
		h.pageError(c, err)
		return
	}
	h.render(c, status, "payout_settings", h.T.T(langOf(c), "payout.settings.title"),
		payoutSettingsPage{Form: form, Municipalities: munis, RateTables: domain.RateTables, Saved: saved}, errs)
}

func (h *Handler) pagePayoutSettingsEdit(c *gin.Context) {
	p, err := h.Svc.PayoutSettings(c.Request.Context(), sessionUser(c).Scope())
	if err != nil {
		h.pageError(c, err)
		return
	}
	h.payoutSettingsPage(c, http.StatusOK, settingsForm(p), c.Query("saved") == "1", nil)
}

func (h *Handler) pagePayoutSettingsUpdate(c *gin.Context) {
	f := payoutSettingsForm{DebtorName: c.PostForm("debtor_name"), IBAN: c.PostForm("iban"), BIC: c.PostForm("bic"),
		Consultant: c.PostForm("consultant"), Client: c.PostForm("client"), AccountLength: c.PostForm("account_length"),
		TravelAccount: c.PostForm("travel_account"), AllowanceAccount: c.PostForm("allowance_account"),
		ContraAccount: c.PostForm("contra_account"), RateTable: c.PostForm("rate_table"), CostCentres: map[string]string{}}
	for key, vs := range c.Request.PostForm {
		if ags, ok := strings.CutPrefix(key, "kost_"); ok && len(vs) > 0 {
			f.CostCentres[ags] = vs[0]
		}
	}
	_, err := h.Svc.SetPayoutSettings(c.Request.Context(), sessionUser(c).Scope(), f.toSettings())
	switch domain.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, "/admin/payout?saved=1")
	case domain.EInvalid:
		h.payoutSettingsPage(c, http.StatusUnprocessableEntity, f, false, domain.FieldsOf(err))
	default:
		h.pageError(c, err)
	}
}

// payoutRow is one batch as the pages show it.
type payoutRow struct {
	ID, Status, Date, Created string
	Seq, Count, Transfers     int
	Total                     string
	CreatedBy                 string
	// Recovered is set, with the time, for a batch the recovery voided
	// after its making was interrupted; Status is then "interrupted".
	Recovered string
}

func toPayoutRow(p *domain.Payout) payoutRow {
	r := payoutRow{ID: p.ID.Hex(), Status: string(p.Status), Date: p.ExecutionDate.Format("02.01.2006"),
		Created: p.CreatedAt.In(berlin()).Format("02.01.2006 15:04"), Seq: p.Seq, Count: len(p.Claims),
		Transfers: len(p.Transfers), Total: accounting.Money(p.TotalCents).String(), CreatedBy: p.CreatedBy.Hex()}
	if p.Recovered() {
		r.Status, r.Recovered = domain.VoidInterrupted, p.RecoveredAt.In(berlin()).Format("02.01.2006 15:04")
	}
	return r
}

// payoutListPage is the data of the batch list.
type payoutListPage struct {
	Items     []payoutRow
	CanCreate bool   // accountants make batches; admins read
	Date      string // the execution date entered (YYYY-MM-DD)
	Problem   string // message key of a batch that could not be made
}

func (h *Handler) payoutListPage(c *gin.Context, status int, date, problem string, errs map[string]string) {
	sc := sessionUser(c).Scope()
	ps, err := h.Svc.Payouts(c.Request.Context(), sc)
	if err != nil {
		h.pageError(c, err)
		return
	}
	page := payoutListPage{CanCreate: sc.Role == domain.RoleAccountant, Date: date, Problem: problem}
	for _, p := range ps {
		page.Items = append(page.Items, toPayoutRow(p))
	}
	h.render(c, status, "payout_list", h.T.T(langOf(c), "payout.list.title"), page, errs)
}

func (h *Handler) pagePayoutList(c *gin.Context) {
	h.payoutListPage(c, http.StatusOK, h.Svc.Now().In(berlin()).Format(time.DateOnly), "", nil)
}

func (h *Handler) pagePayoutCreate(c *gin.Context) {
	date := strings.TrimSpace(c.PostForm("execution_date"))
	exec, perr := time.Parse(time.DateOnly, date)
	if perr != nil {
		h.payoutListPage(c, http.StatusUnprocessableEntity, date, "", map[string]string{"execution_date": "field.date.invalid"})
		return
	}
	p, err := h.Svc.CreatePayout(c.Request.Context(), sessionUser(c).Scope(), exec)
	switch domain.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, "/payouts/"+p.ID.Hex())
	case domain.EInvalid:
		h.payoutListPage(c, http.StatusUnprocessableEntity, date, "", domain.FieldsOf(err))
	case domain.EConflict:
		h.payoutListPage(c, http.StatusConflict, date, errorKey(err), nil)
	default:
		h.pageError(c, err)
	}
}

// errorKey is the message key of a domain error.
func errorKey(err error) string {
	var de *domain.Error
	if errors.As(err, &de) && de.Key != "" {
		return de.Key
	}
	return "error." + domain.ErrorCode(err)
}

// payoutShowPage is the data of one batch's page.
type payoutShowPage struct {
	Batch     payoutRow
	Files     []payoutFileRow
	Transfers []payoutTransferRow
	Skipped   []payoutSkipRow
}

type payoutFileRow struct {
	Name, Filename, SHA256 string
	Size                   int
	// DownloadedAt and DownloadedBy name the first download: another
	// upload of the same file would pay twice.
	DownloadedAt, DownloadedBy string
	Downloads                  int
}

type payoutTransferRow struct {
	Volunteer, EndToEndID, Amount string
	Claims                        int
}

type payoutSkipRow struct {
	Volunteer, Reason, Amount string
	Claims                    int
}

func toPayoutShow(p *domain.Payout) payoutShowPage {
	page := payoutShowPage{Batch: toPayoutRow(p)}
	for _, f := range p.Files {
		row := payoutFileRow{Name: f.Name, Filename: f.Filename, SHA256: f.SHA256, Size: f.Size}
		if d, ok := p.FirstDownload(f.Name); ok {
			row.DownloadedAt, row.DownloadedBy = d.At.In(berlin()).Format("02.01.2006 15:04"), d.By.Hex()
		}
		for _, d := range p.Downloads {
			if d.File == f.Name {
				row.Downloads++
			}
		}
		page.Files = append(page.Files, row)
	}
	for _, t := range p.Transfers {
		page.Transfers = append(page.Transfers, payoutTransferRow{Volunteer: t.Volunteer.Hex(), EndToEndID: t.EndToEndID,
			Amount: accounting.Money(t.AmountCents).String(), Claims: len(t.Claims)})
	}
	for _, s := range p.Skipped {
		page.Skipped = append(page.Skipped, payoutSkipRow{Volunteer: s.Volunteer.Hex(), Reason: s.Reason,
			Amount: accounting.Money(s.AmountCents).String(), Claims: len(s.Claims)})
	}
	return page
}

func (h *Handler) pagePayoutShow(c *gin.Context) {
	id, err := domain.ParseID(c.Param("id"))
	if err != nil {
		h.pageError(c, err)
		return
	}
	p, err := h.Svc.Payout(c.Request.Context(), sessionUser(c).Scope(), id)
	if err != nil {
		h.pageError(c, err)
		return
	}
	h.render(c, http.StatusOK, "payout_show", h.T.T(langOf(c), "payout.show.title", "seq", p.Seq), toPayoutShow(p), nil)
}

// payoutDownload sends a batch's stored file as an attachment, the same
// bytes every time, and records the download.
func (h *Handler) payoutDownload(name string) gin.HandlerFunc {
	return func(c *gin.Context) {
		api := strings.HasPrefix(c.Request.URL.Path, "/api/")
		fail := h.pageError
		if api {
			fail = h.apiError
		}
		id, err := domain.ParseID(c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		f, body, err := h.Svc.PayoutDownload(c.Request.Context(), sessionUser(c).Scope(), id, name)
		if err != nil {
			fail(c, err)
			return
		}
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, f.Filename))
		c.Header("Cache-Control", "no-store")
		c.Header("X-Content-SHA256", f.SHA256)
		c.Data(http.StatusOK, f.ContentType, body)
	}
}

// payoutSettingsJSON is the API's form of the settings (domain.PayoutSettings).
type payoutSettingsJSON = domain.PayoutSettings

func (h *Handler) apiPayoutSettingsShow(c *gin.Context) {
	p, err := h.Svc.PayoutSettings(c.Request.Context(), sessionUser(c).Scope())
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (h *Handler) apiPayoutSettingsUpdate(c *gin.Context) {
	var in payoutSettingsJSON
	if err := bindJSON(c, &in); err != nil {
		h.badJSON(c)
		return
	}
	p, err := h.Svc.SetPayoutSettings(c.Request.Context(), sessionUser(c).Scope(), in)
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

// payoutJSON is a batch in the API; amounts are integer cents.
type payoutJSON struct {
	ID            string               `json:"id"`
	Seq           int                  `json:"seq"`
	Status        string               `json:"status"`
	ExecutionDate string               `json:"execution_date"`
	CreatedBy     string               `json:"created_by"`
	CreatedAt     time.Time            `json:"created_at"`
	ClaimCount    int                  `json:"claim_count"`
	TotalCents    int64                `json:"total_cents"`
	Claims        []string             `json:"claims,omitempty"`
	Transfers     []payoutTransferJSON `json:"transfers,omitempty"`
	Skipped       []payoutSkipJSON     `json:"skipped,omitempty"`
	Files         []payoutFileJSON     `json:"files"`
	// VoidReason is "interrupted" for a batch the recovery voided.
	VoidReason  string     `json:"void_reason,omitempty"`
	RecoveredAt *time.Time `json:"recovered_at,omitempty"`
}

// payoutTransferJSON is one credit transfer of a batch.
type payoutTransferJSON struct {
	Volunteer   string   `json:"volunteer"`
	EndToEndID  string   `json:"end_to_end_id"`
	AmountCents int64    `json:"amount_cents"`
	Claims      []string `json:"claims"`
}

// payoutSkipJSON is a volunteer a batch left out, and why.
type payoutSkipJSON struct {
	Volunteer   string   `json:"volunteer"`
	Reason      string   `json:"reason"`
	AmountCents int64    `json:"amount_cents"`
	Claims      []string `json:"claims"`
}

// payoutFileJSON is one export of a batch and its downloads so far.
type payoutFileJSON struct {
	Name              string     `json:"name"`
	Filename          string     `json:"filename"`
	ContentType       string     `json:"content_type"`
	SHA256            string     `json:"sha256"`
	Size              int        `json:"size"`
	Downloads         int        `json:"downloads"`
	FirstDownloadedAt *time.Time `json:"first_downloaded_at,omitempty"`
}

// payoutListJSON is the answer of GET /api/v1/payouts.
type payoutListJSON struct {
	Items []payoutJSON `json:"items"`
}

// payoutCreateJSON is the body of POST /api/v1/payouts.
type payoutCreateJSON struct {
	ExecutionDate string `json:"execution_date"` // YYYY-MM-DD; empty: today
}

func hexes(ids []domain.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.Hex()
	}
	return out
}

// toPayoutJSON shows a batch; full adds its claims, transfers and skips.
func toPayoutJSON(p *domain.Payout, full bool) payoutJSON {
	j := payoutJSON{ID: p.ID.Hex(), Seq: p.Seq, Status: string(p.Status), ExecutionDate: p.ExecutionDate.Format(time.DateOnly),
		CreatedBy: p.CreatedBy.Hex(), CreatedAt: p.CreatedAt, ClaimCount: len(p.Claims), TotalCents: p.TotalCents,
		Files: []payoutFileJSON{}, VoidReason: p.VoidReason}
	if !p.RecoveredAt.IsZero() {
		at := p.RecoveredAt
		j.RecoveredAt = &at
	}
	for _, f := range p.Files {
		fj := payoutFileJSON{Name: f.Name, Filename: f.Filename, ContentType: f.ContentType, SHA256: f.SHA256, Size: f.Size}
		if d, ok := p.FirstDownload(f.Name); ok {
			fj.FirstDownloadedAt = &d.At
		}
		for _, d := range p.Downloads {
			if d.File == f.Name {
				fj.Downloads++
			}
		}
		j.Files = append(j.Files, fj)
	}
	if !full {
		return j
	}
	j.Claims = hexes(p.Claims)
	for _, t := range p.Transfers {
		j.Transfers = append(j.Transfers, payoutTransferJSON{Volunteer: t.Volunteer.Hex(), EndToEndID: t.EndToEndID,
			AmountCents: t.AmountCents, Claims: hexes(t.Claims)})
	}
	for _, s := range p.Skipped {
		j.Skipped = append(j.Skipped, payoutSkipJSON{Volunteer: s.Volunteer.Hex(), Reason: s.Reason,
			AmountCents: s.AmountCents, Claims: hexes(s.Claims)})
	}
	return j
}

func (h *Handler) apiPayoutList(c *gin.Context) {
	ps, err := h.Svc.Payouts(c.Request.Context(), sessionUser(c).Scope())
	if err != nil {
		h.apiError(c, err)
		return
	}
	out := payoutListJSON{Items: make([]payoutJSON, 0, len(ps))}
	for _, p := range ps {
		out.Items = append(out.Items, toPayoutJSON(p, false))
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handler) apiPayoutShow(c *gin.Context) {
	apiOnID(h, c, h.Svc.Payout, func(p *domain.Payout) payoutJSON { return toPayoutJSON(p, true) })
}

func (h *Handler) apiPayoutCreate(c *gin.Context) {
	var in payoutCreateJSON
	if err := bindJSON(c, &in); err != nil {
		h.badJSON(c)
		return
	}
	var exec time.Time
	if in.ExecutionDate != "" {
		var err error
		if exec, err = time.Parse(time.DateOnly, in.ExecutionDate); err != nil {
			h.apiError(c, domain.FieldErrors{"execution_date": "field.date.invalid"}.Err())
			return
		}
	}
	p, err := h.Svc.CreatePayout(c.Request.Context(), sessionUser(c).Scope(), exec)
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.Header("Location", "/api/v1/payouts/"+p.ID.Hex())
	c.JSON(http.StatusCreated, toPayoutJSON(p, true))
}
