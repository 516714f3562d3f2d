// Command lotse runs the Lotse service and its administrative subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	// Europe/Berlin must resolve on hosts and containers without system tzdata:
	// dates shown to people and cron schedules depend on it.
	_ "time/tzdata"

	"lotse/config"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

type command struct {
	name, usage, summary string
	run                  func(ctx context.Context, cfg config.Config, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "serve [-demo] [-mail-workers N] [-mail-lease D]", "run the web server, API and mail dispatcher (default)", runServe},
		{"demo", "demo", "load the demo tenant (Landkreis Lörrach) into an empty database", runDemo},
		{"user", "user add -tenant T -email E -role admin|coordinator|accountant [-municipality AGS …]", "add a staff user; the password is read from stdin", runUserCmd},
		{"token", "token create -email E [-name N]", "create a personal API token and print it once", runTokenCmd},
		{"audit", "audit verify", "check every tenant's hash-chained audit log", runAudit},
		{"job", "job list | job run NAME", "list the scheduled jobs, or run one now under its lease (serve runs them on schedule)", runJobCmd},
		{"db", "db [-addr 127.0.0.1:27018]", "serve the embedded database on a local port, so several lotse processes can share it via MONGODB_URI", runDB},
		{"match", "match -in FILE -out FILE [-edges FILE] [-workers N]", "compute the optimal assignment of a scenario file (- for stdin/stdout)", runMatch},
		{"version", "version", "print the version", func(context.Context, config.Config, []string) error {
			fmt.Println("lotse", version)
			return nil
		}},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	name := "serve"
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		usage(stdout)
		return 0
	}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		cfg, err := config.FromEnv()
		if err != nil {
			fmt.Fprintln(stderr, "lotse: configuration:", err)
			return 2
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := c.run(ctx, cfg, args); err != nil {
			var ue usageError
			if errors.As(err, &ue) {
				fmt.Fprintf(stderr, "lotse %s: %v\nusage: lotse %s\n", name, err, c.usage)
				return 2
			}
			var bad invalidInput
			if errors.As(err, &bad) {
				fmt.Fprintf(stderr, "lotse %s: %v\n", name, err)
				return 2
			}
			fmt.Fprintf(stderr, "lotse %s: %v\n", name, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "lotse: unknown command %q\n\n", name)
	usage(stderr)
	return 2
}

// usageError marks a mistake on the command line (exit status 2).
type usageError struct{ error }

// invalidInput marks an input file that cannot be used (exit status 2).
type invalidInput struct{ error }

func usage(w io.Writer) {
	fmt.Fprintln(w, "lotse – volunteer coordination and matching for municipal integration work")
	fmt.Fprintln(w, "\nUsage: lotse [command] [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n            lotse %s\n", c.name, c.summary, c.usage)
	}
	fmt.Fprintln(w, "  help      this text\n\nEnvironment:")
	for _, v := range config.Vars {
		def := v.Default
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "  %-16s %s\n                   default: %s\n", v.Name, v.Meaning, def)
	}
}

func newLogger(cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
