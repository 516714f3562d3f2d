package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"lotse/domain"
)

var errNotFound = domain.ErrNotFound

// routes is the route table. Pages and API are separate functions calling the
// same service methods; every group states who may enter.
func (h *Handler) routes(r *gin.Engine) {
	staff := []domain.Role{domain.RoleAdmin, domain.RoleCoordinator}

	// HTML pages: staff and portal sessions, then CSRF on every unsafe method.
	pages := r.Group("/", h.session, h.portalSession, h.csrf)
	pages.GET("/", h.pageHome)
	pages.GET("/about", h.pageAbout)
	pages.GET("/signup", h.pageSignupNew)
	pages.POST("/signup", h.pageSignupCreate)
	pages.GET("/signup/thanks", h.pageSignupThanks)
	pages.GET("/signup/confirm", h.pageSignupConfirm)
	h.offerRoutes(pages)
	h.authRoutes(pages)
	h.portalRoutes(pages)
	h.claimPageRoutes(pages)
	h.allowancePageRoutes(pages)

	staffPages := pages.Group("/", h.requirePage(staff...))
	staffPages.GET("/volunteers", h.pageVolunteerList)
	staffPages.GET("/volunteers/load", h.pageVolunteerLoad)
	staffPages.GET("/volunteers/:id", h.pageVolunteerShow)
	staffPages.POST("/volunteers/:id/background-check", h.pageBackgroundCheck)
	staffPages.POST("/volunteers/:id/background-check/delete", h.pageBackgroundCheckDelete)

	adminPages := pages.Group("/admin", h.requirePage(domain.RoleAdmin))
	adminPages.GET("/outbox", h.pageOutbox)
	adminPages.POST("/outbox/:key/resend", h.pageOutboxResend)
	adminPages.GET("/jobs", h.pageJobs)
	adminPages.POST("/jobs/:name/run", h.pageJobRun)

	// JSON API: no cookies needed for public endpoints; staff endpoints accept the
	// session cookie or a bearer token. CSRF does not apply: a cross-site form
	// cannot send application/json, and the API rejects any other content type.
	api := r.Group("/api/v1", requireJSON)
	api.GET("/openapi.json", h.apiOpenAPI)
	api.POST("/signup", h.apiSignup)

	staffAPI := api.Group("/", h.apiAuth, h.requireAPI(staff...))
	staffAPI.GET("/volunteers", h.apiVolunteerList)
	staffAPI.GET("/volunteers/load", h.apiVolunteerLoad)
	staffAPI.GET("/volunteers/:id", h.apiVolunteerShow)
	staffAPI.PATCH("/volunteers/:id", h.apiVolunteerUpdate)
	staffAPI.PUT("/volunteers/:id/background-check", h.apiBackgroundCheckPut)
	staffAPI.DELETE("/volunteers/:id/background-check", h.apiBackgroundCheckDelete)

	h.requestRoutes(staffPages, staffAPI)
	h.proposalRoutes(staffPages, staffAPI)
	h.claimRoutes(api)
	h.payoutRoutes(pages, api)
	h.ratesRoutes(pages, api)
}

// requireJSON refuses bodies that are not JSON, which also keeps cross-site HTML
// forms (which cannot send application/json) away from the API.
func requireJSON(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		if ct := c.ContentType(); ct != "application/json" && ct != "application/merge-patch+json" {
			c.Header("Content-Type", "application/problem+json")
			c.AbortWithStatusJSON(http.StatusUnsupportedMediaType, Problem{
				Type: "about:blank", Title: "Content-Type must be application/json",
				Status: http.StatusUnsupportedMediaType, Instance: c.GetString(ctxRequestID)})
			return
		}
	}
	c.Next()
}

func (h *Handler) pageHome(c *gin.Context) {
	h.render(c, http.StatusOK, "home", "", nil, nil)
}

func (h *Handler) pageAbout(c *gin.Context) {
	h.render(c, http.StatusOK, "about", h.T.T(langOf(c), "about.title"), nil, nil)
}
