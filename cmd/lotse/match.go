package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"lotse/config"
	"lotse/geo"
	"lotse/matching"
)

// runMatch is `lotse match -in FILE -out FILE [-edges FILE]` (contract:
// shared/contracts/matching.md). An invalid scenario exits 2 with a message
// naming the entry and writes nothing.
func runMatch(_ context.Context, _ config.Config, args []string) error {
	fs := flag.NewFlagSet("match", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	in := fs.String("in", "", "scenario file, - for stdin")
	out := fs.String("out", "", "result file, - for stdout")
	edges := fs.String("edges", "", "optional: write every feasible pair here, one JSON object a line")
	workers := fs.Int("workers", 0, "CPUs to use for candidate search (0: all)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *in == "" || *out == "" || fs.NArg() > 0 {
		return usageError{errors.New("want -in FILE and -out FILE")}
	}
	return matchFiles(*in, *out, *edges, *workers, os.Stdin, os.Stdout)
}

func matchFiles(in, out, edges string, workers int, stdin io.Reader, stdout io.Writer) error {
	r := stdin
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	sc, err := matching.Decode(r)
	if err != nil {
		return inputError(err)
	}
	gz := geo.Default()
	res, err := matching.Solve(sc, matching.Config{Workers: workers, Locate: func(plz string) (float64, float64, bool) {
		p, ok := gz.Lookup(plz)
		return p.Point.Lat, p.Point.Lon, ok
	}})
	if err != nil {
		return inputError(err)
	}
	if edges != "" {
		if err := writeFile(edges, stdout, res.WriteEdges); err != nil {
			return err
		}
	}
	return writeFile(out, stdout, res.WriteJSON)
}

// inputError marks an invalid scenario, so the command exits 2.
func inputError(err error) error {
	var ie *matching.InputError
	if errors.As(err, &ie) {
		return invalidInput{fmt.Errorf("invalid scenario: %w", err)}
	}
	return err
}

// writeFile writes through a temporary file renamed into place, so a failed
// run never leaves a half-written result; "-" is stdout.
func writeFile(name string, stdout io.Writer, write func(io.Writer) error) error {
	if name == "-" {
		return write(stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".lotse-match-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
