// Package config reads Lotse's typed configuration from LOTSE_* environment
// variables, validated once at start.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config is the whole configuration. Nothing reads the environment after Load.
type Config struct {
	Addr       string   // LOTSE_ADDR
	BaseURL    string   // LOTSE_BASE_URL: absolute links in mails; https here makes cookies Secure
	DataDir    string   // LOTSE_DATA_DIR: the embedded database's directory
	MongoURI   string   // MONGODB_URI: empty means embedded
	Database   string   // LOTSE_DB: database name
	SMTPURL    string   // LOTSE_SMTP_URL: empty keeps mail in the outbox; mail.ParseURL checks it
	MailFrom   string   // LOTSE_MAIL_FROM
	Secret     []byte   // LOTSE_SECRET: signs sessions and links
	SecretSet  bool     // false when a random secret was generated (dev only)
	LogLevel   string   // LOTSE_LOG_LEVEL: debug, info, warn, error
	Proxies    []string // LOTSE_TRUSTED_PROXIES: addresses or CIDRs whose X-Forwarded-For is believed
	ShutdownIn time.Duration
	// Jobs runs the scheduled jobs in this process (LOTSE_JOBS, default on).
	Jobs bool
	// JobSpecs are the LOTSE_JOB_<NAME> overrides of job schedules, by lower-case
	// job name; package jobs checks names and specs when serve starts.
	JobSpecs map[string]string
}

// Var describes one environment variable for `lotse help` and the README.
type Var struct {
	Name, Default, Meaning string
}

// Vars lists every variable Lotse reads.
var Vars = []Var{
	{"LOTSE_ADDR", ":8080", "address the web server listens on"},
	{"LOTSE_BASE_URL", "http://localhost:8080", "public URL, used in mailed links; https makes cookies Secure"},
	{"LOTSE_DATA_DIR", "./data", "directory of the embedded database (FerretDB on SQLite)"},
	{"MONGODB_URI", "", "MongoDB connection string; empty runs the embedded database"},
	{"LOTSE_DB", "lotse", "database name"},
	{"LOTSE_SMTP_URL", "", "smtp://user:pass@host:port?tls=starttls|tls|none; empty keeps mail in the outbox (admins read it at /admin/outbox)"},
	{"LOTSE_MAIL_FROM", "Lotse <lotse@localhost>", "sender address of mails"},
	{"LOTSE_SECRET", "(random per start)", "at least 32 characters; signs sessions and mailed links, so set it in production"},
	{"LOTSE_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"LOTSE_TRUSTED_PROXIES", "", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For names the client; empty trusts none"},
	{"LOTSE_JOBS", "on", "on or off: whether this process runs the scheduled jobs (any number of replicas may; each run happens once)"},
	{"LOTSE_JOB_<NAME>", "(the job's own)", "schedule of job <name> in Europe/Berlin: a cron spec with 5 or 6 fields (seconds first), @daily, @every 10m, or off"},
}

// Load reads the environment through getenv (os.Getenv in production) and
// validates it.
func Load(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Addr:       get("LOTSE_ADDR", ":8080"),
		BaseURL:    strings.TrimRight(get("LOTSE_BASE_URL", "http://localhost:8080"), "/"),
		DataDir:    get("LOTSE_DATA_DIR", "./data"),
		MongoURI:   get("MONGODB_URI", ""),
		Database:   get("LOTSE_DB", "lotse"),
		SMTPURL:    get("LOTSE_SMTP_URL", ""),
		MailFrom:   get("LOTSE_MAIL_FROM", "Lotse <lotse@localhost>"),
		LogLevel:   get("LOTSE_LOG_LEVEL", "info"),
		ShutdownIn: 15 * time.Second,
	}
	var errs []error
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("LOTSE_BASE_URL: want an absolute http(s) URL, got %q", c.BaseURL))
	}
	if s := getenv("LOTSE_SECRET"); s != "" {
		if len(s) < 32 {
			errs = append(errs, errors.New("LOTSE_SECRET: must be at least 32 characters"))
		}
		c.Secret, c.SecretSet = []byte(s), true
	} else {
		// A random secret keeps a demo safe; sessions and links die with the process.
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		c.Secret = []byte(hex.EncodeToString(b))
	}
	for _, p := range strings.Split(getenv("LOTSE_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !validProxy(p) {
			errs = append(errs, fmt.Errorf("LOTSE_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR", p))
			continue
		}
		c.Proxies = append(c.Proxies, p)
	}
	switch jobs := get("LOTSE_JOBS", "on"); jobs {
	case "on", "off":
		c.Jobs = jobs == "on"
	default:
		errs = append(errs, fmt.Errorf("LOTSE_JOBS: want on or off, got %q", jobs))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("LOTSE_LOG_LEVEL: want debug, info, warn or error, got %q", c.LogLevel))
	}
	return c, errors.Join(errs...)
}

func validProxy(s string) bool {
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// FromEnv loads the configuration from the process environment.
func FromEnv() (Config, error) {
	c, err := Load(os.Getenv)
	specs, serr := JobSpecs(os.Environ())
	c.JobSpecs = specs
	return c, errors.Join(err, serr)
}

// JobSpecs collects the LOTSE_JOB_<NAME>=spec entries of environ (KEY=value
// strings) by lower-case name. A name must be letters, digits and "_"; an
// empty spec means the job's default.
func JobSpecs(environ []string) (map[string]string, error) {
	out := map[string]string{}
	var errs []error
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		name, ok := strings.CutPrefix(k, "LOTSE_JOB_")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch {
		case name == "" || strings.Trim(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "":
			errs = append(errs, fmt.Errorf("%s: a job name is upper-case letters, digits and _", k))
		case v == "":
			// Empty means the default, as for every other variable.
		default:
			out[strings.ToLower(name)] = v
		}
	}
	return out, errors.Join(errs...)
}

// SecureCookies reports whether cookies must carry the Secure flag.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }
