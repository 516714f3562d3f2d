package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"lotse/domain"
	"lotse/service"
	"lotse/templates"
)

// municipalityFlags collects a repeatable -municipality flag; one value may also
// list several codes separated by commas.
type municipalityFlags []string

func (m *municipalityFlags) String() string { return strings.Join(*m, ",") }

func (m *municipalityFlags) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*m = append(*m, s)
		}
	}
	return nil
}

// runUser runs `lotse user add -tenant T -email E -role R [-municipality AGS]…`.
// The password is the first line of stdin, so it never shows up in the process
// list or the shell history.
func runUser(ctx context.Context, svc *service.Service, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{errors.New("want: user add")}
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // main prints the usage line
	tenant := fs.String("tenant", "", "slug of the tenant, e.g. loerrach")
	email := fs.String("email", "", "email address; the login name")
	role := fs.String("role", "", "admin, coordinator or accountant")
	var munis municipalityFlags
	fs.Var(&munis, "municipality", "AGS of a coordinator's municipality (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	case *tenant == "" || *email == "" || *role == "":
		return usageError{errors.New("-tenant, -email and -role are required")}
	}
	password, err := readPassword(stdin)
	if err != nil {
		return err
	}
	u, err := svc.AddUser(ctx, *tenant, domain.UserInput{
		Email: *email, Role: domain.Role(*role), Municipalities: munis, Password: password,
	})
	if err != nil {
		return cliError(svc, err)
	}
	fmt.Fprintf(stdout, "added %s %s (id %s)\n", u.Role, u.Email, u.ID.Hex())
	return nil
}

// runToken runs `lotse token create -email E [-name N]` and prints only the
// token, so it can be piped into a secret store; it is not shown again.
func runToken(ctx context.Context, svc *service.Service, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{errors.New("want: token create")}
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "email address of the token's owner")
	name := fs.String("name", "", "what the token is for, e.g. export-script")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	case *email == "":
		return usageError{errors.New("-email is required")}
	}
	token, err := svc.CreateToken(ctx, *email, *name)
	if err != nil {
		return cliError(svc, err)
	}
	_, err = fmt.Fprintln(stdout, token)
	return err
}

// readPassword returns the first line of r without its line ending; spaces are
// kept, they may be part of the password.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on stdin (give it as the first line)")
	}
	return line, nil
}

// cliError spells out a domain error's message keys in the default language, so
// the operator reads "email: …" instead of message keys.
func cliError(svc *service.Service, err error) error {
	var de *domain.Error
	if !errors.As(err, &de) || de.Code == domain.EInternal {
		return err
	}
	if len(de.Fields) == 0 {
		return errors.New(svc.T.T(templates.DefaultLang, de.Key))
	}
	fe := domain.FieldErrors(de.Fields)
	var parts []string
	for _, f := range fe.Names() {
		name := "-" + f // the fields are named like the flags
		if f == "password" {
			name = "password (stdin)"
		}
		parts = append(parts, name+": "+svc.T.T(templates.DefaultLang, fe[f]))
	}
	return errors.New(strings.Join(parts, "; "))
}
