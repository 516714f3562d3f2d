package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"lotse/domain"
	"lotse/templates"
)

// pageSet holds one parsed template per page, each with the layout and partials.
type pageSet struct {
	t     *templates.Translator
	pages map[string]*template.Template
}

// funcs are the helpers templates may call. "t" is bound per request to the
// page's language by render.
func baseFuncs(t *templates.Translator) template.FuncMap {
	return template.FuncMap{
		"t":    func(key string, args ...any) string { return t.T(templates.DefaultLang, key, args...) },
		"has":  func(list []string, s string) bool { return slices.Contains(list, s) },
		"join": strings.Join,
		"add":  func(a, b int) int { return a + b },
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i
			}
			return s
		},
		"skills":    func() []string { return domain.Skills },
		"langs":     func() []string { return domain.Languages },
		"levels":    func() []string { return domain.LanguageLevels },
		"weekdays":  func() []string { return domain.Weekdays },
		"dayparts":  func() []string { return domain.DayParts },
		"transport": func() []string { return domain.TransportModes },
		"list":      func(s ...string) []string { return s },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}

func parsePages(t *templates.Translator) (*pageSet, error) {
	ps := &pageSet{t: t, pages: map[string]*template.Template{}}
	files, err := fs.Glob(templates.FS, "html/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		tpl, err := template.New("layout.html").Funcs(baseFuncs(t)).
			ParseFS(templates.FS, "html/layout.html", "html/partials/*.html", f)
		if err != nil {
			return nil, fmt.Errorf("handlers: template %s: %w", f, err)
		}
		ps.pages[name] = tpl
	}
	return ps, nil
}

// Names lists the parsed pages; a test renders every one in every language.
func (ps *pageSet) Names() []string {
	out := make([]string, 0, len(ps.pages))
	for n := range ps.pages {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// View is what every page template gets: the request's language and user, the
// CSRF token, field errors and the page's own data.
type View struct {
	Lang    string
	Dir     string // "rtl" for Arabic, Persian, Dari, Pashto, Kurdish
	Langs   []string
	Path    string
	User    *SessionUser
	CSRF    string
	Title   string
	Flash   string
	Errors  map[string]string // field → message key
	Data    any
	Version string
}

// render executes page into a buffer and writes it only when it succeeded, so a
// template error never sends half a page.
func (h *Handler) render(c *gin.Context, status int, page string, title string, data any, fieldErrs map[string]string) {
	tpl, ok := h.pages.pages[page]
	if !ok {
		h.fail(c, fmt.Errorf("handlers: no page %q", page))
		return
	}
	lang := langOf(c)
	v := View{
		Lang: lang, Dir: dirOf(lang), Langs: h.T.Langs(), Path: c.Request.URL.Path,
		User: sessionUser(c), CSRF: csrfToken(c), Title: title, Errors: fieldErrs, Data: data,
		Flash: c.GetString(ctxFlash),
	}
	var buf bytes.Buffer
	clone, err := tpl.Clone()
	if err != nil {
		h.fail(c, err)
		return
	}
	clone.Funcs(template.FuncMap{"t": func(key string, args ...any) string { return h.T.T(lang, key, args...) }})
	if err := clone.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		h.fail(c, fmt.Errorf("handlers: render %s: %w", page, err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func dirOf(lang string) string {
	if slices.Contains(domain.RTLLanguages, lang) {
		return "rtl"
	}
	return "ltr"
}

// fail logs an internal error once, with the request ID, and shows a generic page.
func (h *Handler) fail(c *gin.Context, err error) {
	h.Log.Error("request failed", "request_id", c.GetString(ctxRequestID), "route", c.FullPath(), "err", err)
	c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8",
		[]byte(h.T.T(langOf(c), "error.internal")+"\n"+c.GetString(ctxRequestID)))
	c.Abort()
}
