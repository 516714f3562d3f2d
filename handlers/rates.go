package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"lotse/accounting"
	"lotse/domain"
	"lotse/service"
)

// The tenant's travel-cost tables: the preset (chosen in the payout
// settings) from the beginning of records, then the tenant's own tables,
// each from its first day on. Admins add and delete tables; accountants
// read them, since they check claims against them.

// ratesRoutes registers the rates page and its API.
func (h *Handler) ratesRoutes(pages, api *gin.RouterGroup) {
	page := pages.Group("/admin/rates", h.requirePage(domain.RoleAdmin, domain.RoleAccountant))
	page.GET("", h.pageRates)
	page.POST("", h.requirePage(domain.RoleAdmin), h.pageRatesAdd)
	page.POST("/:from/delete", h.requirePage(domain.RoleAdmin), h.pageRatesDelete)

	a := api.Group("/settings/rates", h.apiAuth, h.requireAPI(domain.RoleAdmin, domain.RoleAccountant))
	a.GET("", h.apiRatesShow)
	a.POST("", h.requireAPI(domain.RoleAdmin), h.apiRatesAdd)
	a.DELETE("/:from", h.requireAPI(domain.RoleAdmin), h.apiRatesDelete)
}

// ratesForm is a new table as typed.
type ratesForm struct {
	ValidFrom, Name, Car, Motorbike, Bicycle, EBike, Passenger string
	RaisedCar, RaisedRule, PerTripCap, Source                  string
	ExclusionMonths, DetourFactor                              string
	CapRaised, DTicket                                         bool
}

func (f ratesForm) input() service.RatesInput {
	return service.RatesInput{ValidFrom: f.ValidFrom, Name: f.Name, Car: f.Car, Motorbike: f.Motorbike,
		Bicycle: f.Bicycle, EBike: f.EBike, Passenger: f.Passenger, RaisedCar: f.RaisedCar, RaisedRule: f.RaisedRule,
		PerTripCap: f.PerTripCap, Source: f.Source, CapRaised: f.CapRaised, DTicket: f.DTicket,
		ExclusionMonths: f.ExclusionMonths, DetourFactor: f.DetourFactor}
}

// formOf fills the form with table t's values, as a start for the next one.
func formOf(t accounting.RateTable) ratesForm {
	return ratesForm{Car: kmRateField(t.Car), Motorbike: kmRateField(t.Motorbike), Bicycle: kmRateField(t.Bicycle),
		EBike: kmRateField(t.EBike), Passenger: kmRateField(t.Passenger), RaisedCar: kmRateField(t.RaisedCar),
		RaisedRule: t.RaisedRule, PerTripCap: capField(t.PerTripCap, ","), Source: t.Source, CapRaised: t.CapRaised, DTicket: t.DTicket,
		ExclusionMonths: strconv.Itoa(t.Exclusion()), DetourFactor: factorText(t.Detour(), ",")}
}

// factorText writes a detour factor with up to three decimals: "1,5".
func factorText(f float64, sep string) string {
	return strings.Replace(strconv.FormatFloat(f, 'f', -1, 64), ".", sep, 1)
}

// kmRateField writes r as the form takes it: "0,30"; "" for none.
func kmRateField(r accounting.KmRate) string {
	if r == 0 {
		return ""
	}
	return strings.TrimSuffix(r.String(), " €/km")
}

// kmRateJSON writes r for the API: "0.30", "0.125"; "0" for none.
func kmRateJSON(r accounting.KmRate) string {
	if r == 0 {
		return "0"
	}
	return strings.ReplaceAll(kmRateField(r), ",", ".")
}

// capField writes a cap with the decimal separator sep; "" for none.
func capField(m accounting.Money, sep string) string {
	if m == 0 {
		return ""
	}
	return strings.ReplaceAll(strings.TrimSuffix(strings.ReplaceAll(m.String(), ".", ""), " €"), ",", sep)
}

// rateRow is one table as the page lists it.
type rateRow struct {
	From, Key, Name                                 string
	Car, Motorbike, Bicycle, EBike, Passenger       string
	RaisedCar, RaisedRule, Cap, Source              string
	Exclusion                                       int
	Detour                                          string
	CapRaised, DTicket, Current, Started, Deletable bool
}

func toRateRow(t accounting.RateTable, key string, current string) rateRow {
	show := func(r accounting.KmRate) string {
		if r == 0 {
			return "–"
		}
		return r.String()
	}
	r := rateRow{Key: key, Name: t.Name, Car: show(t.Car), Motorbike: show(t.Motorbike), Bicycle: show(t.Bicycle),
		EBike: show(t.EBike), Passenger: show(t.Passenger), RaisedCar: show(t.RaisedCar), RaisedRule: t.RaisedRule,
		Cap: "–", Source: t.Source, CapRaised: t.CapRaised, DTicket: t.DTicket, Current: t.Name == current,
		Exclusion: t.Exclusion(), Detour: factorText(t.Detour(), ",")}
	if t.PerTripCap > 0 {
		r.Cap = t.PerTripCap.String()
	}
	if !t.ValidFrom.IsZero() {
		r.From = t.ValidFrom.Format("02.01.2006")
	}
	return r
}

// ratesPage is the data of the rates page.
type ratesPage struct {
	Preset  string
	Base    rateRow
	Tables  []rateRow
	CanEdit bool
	Form    ratesForm
	Presets []string
	Saved   bool
	Problem string // message key of a refused deletion
	// DTicketPrice is this month's Deutschlandticket price, for the rule.
	DTicketPrice string
}

func (h *Handler) ratesPage(c *gin.Context, status int, form *ratesForm, problem string, errs map[string]string) {
	sc := sessionUser(c).Scope()
	hist, err := h.Svc.RateHistory(c.Request.Context(), sc)
	if err != nil {
		h.pageError(c, err)
		return
	}
	p := ratesPage{Preset: hist.Preset, Base: toRateRow(hist.Base, "", hist.Current), CanEdit: sc.Role == domain.RoleAdmin,
		Presets: domain.RateTables, Saved: c.Query("saved") == "1", Problem: problem}
	if price, err := accounting.DTicketPrice(h.Svc.Now().In(berlin())); err == nil {
		p.DTicketPrice = price.String()
	}
	for _, e := range hist.Tables {
		row := toRateRow(e.Table, e.ValidFrom, hist.Current)
		row.Started, row.Deletable = e.Started, p.CanEdit
		p.Tables = append(p.Tables, row)
	}
	if form != nil {
		p.Form = *form
	} else {
		// Start from the chosen preset, or from the table in force now.
		start := hist.Base
		if preset, ok := service.RatePreset(c.Query("preset")); ok {
			start = preset
		} else {
			for _, e := range hist.Tables {
				if e.Name == hist.Current {
					start = e.Table
				}
			}
		}
		p.Form = formOf(start)
		p.Form.ValidFrom = h.Svc.Now().In(berlin()).AddDate(0, 0, 1).Format(time.DateOnly)
	}
	h.render(c, status, "rates", h.T.T(langOf(c), "rates.title"), p, errs)
}

func (h *Handler) pageRates(c *gin.Context) { h.ratesPage(c, http.StatusOK, nil, "", nil) }

func (h *Handler) pageRatesAdd(c *gin.Context) {
	f := ratesForm{ValidFrom: c.PostForm("valid_from"), Name: c.PostForm("name"), Car: c.PostForm("car"),
		Motorbike: c.PostForm("motorbike"), Bicycle: c.PostForm("bicycle"), EBike: c.PostForm("ebike"),
		Passenger: c.PostForm("passenger"), RaisedCar: c.PostForm("raised_car"), RaisedRule: c.PostForm("raised_rule"),
		PerTripCap: c.PostForm("per_trip_cap"), Source: c.PostForm("source"),
		CapRaised: c.PostForm("cap_raised") == "1", DTicket: c.PostForm("dticket") == "1",
		ExclusionMonths: c.PostForm("exclusion_months"), DetourFactor: c.PostForm("detour_factor")}
	_, err := h.Svc.AddTravelRates(c.Request.Context(), sessionUser(c).Scope(), f.input())
	switch domain.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, "/admin/rates?saved=1")
	case domain.EInvalid:
		h.ratesPage(c, http.StatusUnprocessableEntity, &f, "", domain.FieldsOf(err))
	default:
		h.pageError(c, err)
	}
}

func (h *Handler) pageRatesDelete(c *gin.Context) {
	err := h.Svc.DeleteTravelRates(c.Request.Context(), sessionUser(c).Scope(), c.Param("from"))
	switch domain.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, "/admin/rates?saved=1")
	case domain.EConflict:
		h.ratesPage(c, http.StatusConflict, nil, "rates.used", nil)
	default:
		h.pageError(c, err)
	}
}

// ratesJSON is a rate table in the API: rates in euros per km and the cap
// in euros as decimal strings ("0.30", "130.00"); the cap is "" for none.
type ratesJSON struct {
	ValidFrom  string `json:"valid_from"` // YYYY-MM-DD; "" for the preset
	Name       string `json:"name"`
	Car        string `json:"car"`
	Motorbike  string `json:"motorbike"`
	Bicycle    string `json:"bicycle"`
	EBike      string `json:"ebike"`
	Passenger  string `json:"passenger"`
	RaisedCar  string `json:"raised_car"`
	RaisedRule string `json:"raised_rule"`
	PerTripCap string `json:"per_trip_cap"`
	CapRaised  bool   `json:"cap_raised"`
	DTicket    bool   `json:"dticket"`
	Source     string `json:"source"`
	// ExclusionMonths: claims lapse this many months after the trip (0 on
	// input: six); DetourFactor: routes longer than the straight line × it
	// are flagged ("" on input: 1.5).
	ExclusionMonths int    `json:"exclusion_months"`
	DetourFactor    string `json:"detour_factor"`
}

func toRatesJSON(t accounting.RateTable, validFrom string) ratesJSON {
	return ratesJSON{ValidFrom: validFrom, Name: t.Name, Car: kmRateJSON(t.Car), Motorbike: kmRateJSON(t.Motorbike),
		Bicycle: kmRateJSON(t.Bicycle), EBike: kmRateJSON(t.EBike), Passenger: kmRateJSON(t.Passenger),
		RaisedCar: kmRateJSON(t.RaisedCar), RaisedRule: t.RaisedRule, PerTripCap: capField(t.PerTripCap, "."),
		CapRaised: t.CapRaised, DTicket: t.DTicket, Source: t.Source, ExclusionMonths: t.Exclusion(), DetourFactor: factorText(t.Detour(), ".")}
}

// rateHistoryJSON is the answer of GET /api/v1/settings/rates.
type rateHistoryJSON struct {
	Preset  string      `json:"preset"`
	Base    ratesJSON   `json:"base"`
	Tables  []ratesJSON `json:"tables"`
	Current string      `json:"current"`
}

func (h *Handler) apiRatesShow(c *gin.Context) {
	hist, err := h.Svc.RateHistory(c.Request.Context(), sessionUser(c).Scope())
	if err != nil {
		h.apiError(c, err)
		return
	}
	out := rateHistoryJSON{Preset: hist.Preset, Base: toRatesJSON(hist.Base, ""), Tables: []ratesJSON{}, Current: hist.Current}
	for _, e := range hist.Tables {
		out.Tables = append(out.Tables, toRatesJSON(e.Table, e.ValidFrom))
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handler) apiRatesAdd(c *gin.Context) {
	var in ratesJSON
	if err := bindJSON(c, &in); err != nil {
		h.badJSON(c)
		return
	}
	f := ratesForm{ValidFrom: in.ValidFrom, Name: in.Name, Car: in.Car, Motorbike: in.Motorbike, Bicycle: in.Bicycle,
		EBike: in.EBike, Passenger: in.Passenger, RaisedCar: in.RaisedCar, RaisedRule: in.RaisedRule,
		PerTripCap: in.PerTripCap, Source: in.Source, CapRaised: in.CapRaised, DTicket: in.DTicket, DetourFactor: in.DetourFactor}
	if in.ExclusionMonths != 0 {
		f.ExclusionMonths = strconv.Itoa(in.ExclusionMonths)
	}
	r, err := h.Svc.AddTravelRates(c.Request.Context(), sessionUser(c).Scope(), f.input())
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toRatesJSON(service.TableOf(*r), r.ValidFrom))
}

func (h *Handler) apiRatesDelete(c *gin.Context) {
	if err := h.Svc.DeleteTravelRates(c.Request.Context(), sessionUser(c).Scope(), c.Param("from")); err != nil {
		h.apiError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
