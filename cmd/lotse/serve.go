package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"lotse/config"
	"lotse/demo"
	"lotse/geo"
	"lotse/handlers"
	"lotse/jobs"
	"lotse/mail"
	"lotse/service"
	"lotse/store"
	"lotse/templates"
)

// app is the wired service with its database.
type app struct {
	st  *store.Store
	svc *service.Service
	log *slog.Logger
}

func openApp(ctx context.Context, cfg config.Config) (*app, error) {
	log := newLogger(cfg)
	st, err := store.Open(ctx, store.Options{URI: cfg.MongoURI, DataDir: cfg.DataDir, Database: cfg.Database, Logger: log})
	if err != nil {
		return nil, err
	}
	tr, err := templates.LoadTranslator()
	if err != nil {
		_ = st.Close(context.Background())
		return nil, err
	}
	svc, err := service.New(st, geo.Default(), tr, log, cfg.BaseURL, cfg.Secret)
	if err != nil {
		_ = st.Close(context.Background())
		return nil, err
	}
	svc.MailFrom = cfg.MailFrom
	return &app{st: st, svc: svc, log: log}, nil
}

func (a *app) close() {
	a.svc.CloseProposals(true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.st.Close(ctx); err != nil {
		a.log.Warn("closing database", "err", err)
	}
}

func runServe(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	withDemo := fs.Bool("demo", false, "load the demo tenant when the database is empty")
	mailWorkers := fs.Int("mail-workers", service.DefaultMailWorkers, "mail deliveries at once")
	mailLease := fs.Duration("mail-lease", service.DefaultMailLease, "how long a dispatcher holds a message it sends; after a crash the message is sent again once this has passed")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *mailWorkers < 1 || *mailLease < 2*time.Second {
		return usageError{errors.New("-mail-workers must be at least 1 and -mail-lease at least 2s")}
	}
	start := time.Now()
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	a.svc.MailWorkers, a.svc.MailLease = *mailWorkers, *mailLease
	if !cfg.SecretSet {
		a.log.Warn("LOTSE_SECRET is not set: using a random secret, so sessions and mailed links end with this process")
	}
	if *withDemo {
		logins, err := demo.LoadIfEmpty(ctx, a.svc)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		printLogins(logins, cfg.BaseURL)
	}
	h, err := handlers.New(a.svc, a.svc.T, a.log, cfg.BaseURL, cfg.SecureCookies())
	if err != nil {
		return err
	}
	h.Proxies = cfg.Proxies
	// The schedule is checked before the server listens, so a wrong
	// LOTSE_JOB_<NAME> stops the start with the variable named.
	sched, err := jobs.New(a.svc, a.log, jobs.Catalog(a.svc), jobs.Options{Specs: cfg.JobSpecs})
	if err != nil {
		return invalidInput{fmt.Errorf("configuration: %w", err)}
	}
	h.Jobs = sched
	srv := &http.Server{
		Addr: cfg.Addr, Handler: h.Router(),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	dispatched := make(chan struct{})
	if cfg.SMTPURL != "" {
		mcfg, err := mail.ParseURL(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return fmt.Errorf("LOTSE_SMTP_URL: %w", err)
		}
		sender, err := mail.NewSender(mcfg)
		if err != nil {
			return err
		}
		go func() {
			defer close(dispatched)
			dispatchLoop(ctx, a, sender, dispatchTick)
		}()
	} else {
		close(dispatched)
		a.log.Info("no LOTSE_SMTP_URL: mail stays in the outbox, admins read it at /admin/outbox")
	}
	if cfg.Jobs {
		sched.Start()
	} else {
		a.log.Info("LOTSE_JOBS=off: this process runs no scheduled jobs (admins can still run one now)")
	}
	// Runs the scheduler started finish, or are cancelled, before the
	// database closes (a.close, deferred earlier, runs later).
	defer func() {
		jctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownIn)
		defer cancel()
		if err := sched.Stop(jctx); err != nil {
			a.log.Warn("stopping jobs", "err", err)
		}
	}()
	a.log.Info("lotse listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL,
		"embedded_db", a.st.Embedded(), "startup_ms", time.Since(start).Milliseconds(), "version", version)

	errC := make(chan error, 1)
	go func() { errC <- srv.Serve(ln) }()
	select {
	case err := <-errC:
		return err
	case <-ctx.Done():
	}
	// Finish in-flight requests, then close the database (deferred above).
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownIn)
	defer cancel()
	err = srv.Shutdown(sctx)
	// The dispatcher finishes the deliveries under way before the database
	// closes; one that overruns is sent again after its lease (see
	// service.DispatchOutbox).
	select {
	case <-dispatched:
	case <-sctx.Done():
		a.log.Warn("mail dispatch still running at shutdown")
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// dispatchTick is how often the dispatcher looks for mail queued by other
// replicas or due for a retry; mail queued in this process wakes it at once.
const dispatchTick = 5 * time.Second

// dispatchLoop sends due mail until ctx ends: at start, whenever this process
// queues mail, and every tick. DispatchOutbox sends with bounded concurrency
// and, when ctx ends, finishes what it has claimed before returning.
func dispatchLoop(ctx context.Context, a *app, sender *mail.Sender, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if n, err := a.svc.DispatchOutbox(ctx, sender); err != nil {
			a.log.Error("mail dispatch", "err", err)
		} else if n > 0 {
			a.log.Info("mail sent", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-a.svc.MailQueued():
		}
	}
}

func printLogins(logins []demo.Login, baseURL string) {
	if len(logins) == 0 {
		return
	}
	fmt.Printf("\nDemo tenant ready at %s – log in with:\n", baseURL)
	for _, l := range logins {
		fmt.Printf("  %-12s %-32s password: %s\n", l.Role, l.Email, l.Password)
	}
	fmt.Println()
}
