package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/service"
)

// languageRows is how many language/level pairs the sign-up form offers.
const languageRows = 5

type signupPage struct {
	Form           domain.SignupInput
	LanguageRows   []domain.LanguageSkill
	Municipalities []domain.Municipality
}

func (h *Handler) signupView(c *gin.Context, in domain.SignupInput) signupPage {
	rows := make([]domain.LanguageSkill, languageRows)
	copy(rows, in.Languages)
	if len(in.Languages) == 0 {
		rows[0] = domain.LanguageSkill{Code: "de"}
	}
	munis, err := h.Svc.MunicipalitiesForPLZ(c.Request.Context(), in.PLZ)
	if err != nil || len(munis) < 2 {
		munis = nil
	}
	return signupPage{Form: in, LanguageRows: rows, Municipalities: munis}
}

// fieldTarget links a municipality error to the postal code when the form
// offers no choice of municipality (it does only for a postal code that
// several share): the postal code is what decides the municipality.
func (p signupPage) fieldTarget(field, id string) string {
	if field == "municipality" && len(p.Municipalities) == 0 {
		return "f-plz"
	}
	return id
}

func (h *Handler) pageSignupNew(c *gin.Context) {
	in := domain.SignupInput{RadiusKm: 10, Capacity: 1, MaxHoursPerMonth: 8}
	h.render(c, http.StatusOK, "signup", h.T.T(langOf(c), "signup.title"), h.signupView(c, in), nil)
}

// bindSignupForm reads the form; numbers that do not parse stay 0 and fail
// validation with a field message, so there is one error path.
func bindSignupForm(c *gin.Context) domain.SignupInput {
	atoi := func(s string) int { n, _ := strconv.Atoi(strings.TrimSpace(s)); return n }
	in := domain.SignupInput{
		Name: c.PostForm("name"), Email: c.PostForm("email"), Phone: c.PostForm("phone"),
		PLZ: c.PostForm("plz"), Municipality: c.PostForm("municipality"),
		RadiusKm: atoi(c.PostForm("radius_km")), Transport: c.PostFormArray("transport"),
		Skills: c.PostFormArray("skills"), Availability: c.PostFormArray("availability"),
		Capacity: atoi(c.PostForm("capacity")), MaxHoursPerMonth: atoi(c.PostForm("max_hours_per_month")),
		Neighbouring:   c.PostForm("neighbouring_municipalities") == "true",
		PrivacyConsent: c.PostForm("privacy_consent") == "true",
		Locale:         c.PostForm("locale"),
	}
	for i := 0; i < languageRows; i++ {
		code, level := c.PostForm("lang_"+strconv.Itoa(i)), c.PostForm("level_"+strconv.Itoa(i))
		if code == "" && level == "" {
			continue
		}
		in.Languages = append(in.Languages, domain.LanguageSkill{Code: code, Level: level})
	}
	return in
}

func (h *Handler) pageSignupCreate(c *gin.Context) {
	in := bindSignupForm(c)
	// A filled honeypot is a bot: answer like a success and store nothing.
	if c.PostForm("website") != "" {
		c.Redirect(http.StatusSeeOther, "/signup/thanks")
		return
	}
	err := h.Svc.SignUp(c.Request.Context(), in, c.ClientIP())
	switch domain.ErrorCode(err) {
	case "":
		c.Redirect(http.StatusSeeOther, "/signup/thanks")
	case domain.EInvalid:
		h.render(c, http.StatusUnprocessableEntity, "signup", h.T.T(langOf(c), "signup.title"),
			h.signupView(c, in), domain.FieldsOf(err))
	default:
		h.pageError(c, err)
	}
}

func (h *Handler) pageSignupThanks(c *gin.Context) {
	h.render(c, http.StatusOK, "signup_thanks", h.T.T(langOf(c), "signup.thanks.title"), nil, nil)
}

func (h *Handler) pageSignupConfirm(c *gin.Context) {
	v, err := h.Svc.ConfirmEmail(c.Request.Context(), service.SignedLink{
		ID: c.Query("id"), Exp: c.Query("exp"), Sig: c.Query("sig"),
	})
	if err != nil {
		h.pageError(c, err)
		return
	}
	h.render(c, http.StatusOK, "confirm", h.T.T(langOf(c), "confirm.title"), map[string]string{"Name": v.Name}, nil)
}

// apiSignup is the public JSON sign-up. It answers 202 for a new and a known
// address alike.
func (h *Handler) apiSignup(c *gin.Context) {
	var in domain.SignupInput
	if err := bindJSON(c, &in); err != nil {
		h.badJSON(c)
		return
	}
	if err := h.Svc.SignUp(c.Request.Context(), in, c.ClientIP()); err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"status": "pending_confirmation",
		"message": h.T.T(langOf(c), "signup.thanks.text")})
}
