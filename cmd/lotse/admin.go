package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"

	"lotse/config"
	"lotse/demo"
	"lotse/store"
)

func runDemo(ctx context.Context, cfg config.Config, args []string) error {
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	logins, err := demo.LoadIfEmpty(ctx, a.svc)
	if err != nil {
		return err
	}
	if len(logins) == 0 {
		return errors.New("the database already has tenants; the demo loads only into an empty one")
	}
	printLogins(logins, cfg.BaseURL)
	return nil
}

func runUserCmd(ctx context.Context, cfg config.Config, args []string) error {
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	return runUser(ctx, a.svc, args, os.Stdin, os.Stdout)
}

func runTokenCmd(ctx context.Context, cfg config.Config, args []string) error {
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	return runToken(ctx, a.svc, args, os.Stdout)
}

func runAudit(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) != 1 || args[0] != "verify" {
		return usageError{errors.New("want: audit verify")}
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.close()
	counts, err := a.svc.VerifyAudit(ctx)
	slugs := make([]string, 0, len(counts))
	for s := range counts {
		slugs = append(slugs, s)
	}
	sort.Strings(slugs)
	for _, s := range slugs {
		fmt.Printf("%-20s %d entries\n", s, counts[s])
	}
	if err != nil {
		return err
	}
	fmt.Println("audit log intact")
	return nil
}

// runDB serves the embedded database on a TCP port, holding the directory lock,
// so other lotse processes can share it through MONGODB_URI.
func runDB(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("db", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:27018", "address to listen on (keep it on loopback)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	st, err := store.Open(ctx, store.Options{DataDir: cfg.DataDir, Database: cfg.Database, Listen: *addr, Logger: newLogger(cfg)})
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	fmt.Printf("embedded database for %s listening; use MONGODB_URI=%s\n", cfg.DataDir, st.URI())
	<-ctx.Done()
	return nil
}
