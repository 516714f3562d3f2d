package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// matchScenario is valid: two volunteers in Landkreis Lörrach by postal code
// and one request they can both serve.
const matchScenario = `{
  "now": "2026-11-23T09:00:00Z", "max_distance_km": 30,
  "volunteers": [
    {"id": "v-001", "plz": "79589", "radius_km": 20, "languages": ["de", "ar"], "skills": ["housing_search"]},
    {"id": "v-002", "plz": "79539", "languages": ["de"], "skills": ["housing_search"], "capacity": 2}
  ],
  "requests": [
    {"id": "r-001", "plz": "79591", "category": "housing_search", "languages_any": ["ar"]},
    {"id": "r-002", "plz": "79650", "category": "housing_search", "needed": 2}
  ]
}`

// badScenario has an unknown postal code in its second volunteer.
var badScenario = strings.Replace(matchScenario, `"plz": "79539"`, `"plz": "9999"`, 1)

func writeTestFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runLotse runs the command line in-process and returns its exit status and
// output.
func runLotse(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// matchResult is what the tests read back from a result file.
type matchResult struct {
	Assignments []struct{ Request, Volunteer string }
	Unfilled    []struct {
		Request string
		Missing int
	}
	Stats struct {
		Filled        int
		FeasiblePairs int `json:"feasible_pairs"`
	}
}

func readResult(t *testing.T, b []byte) matchResult {
	t.Helper()
	var r matchResult
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("result is not JSON: %v\n%s", err, b)
	}
	return r
}

func TestMatchWritesResultAndEdges(t *testing.T) {
	dir := t.TempDir()
	in := writeTestFile(t, dir, "scenario.json", matchScenario)
	out, edges := filepath.Join(dir, "result.json"), filepath.Join(dir, "edges.jsonl")
	code, stdout, stderr := runLotse("match", "-in", in, "-out", out, "-edges", edges)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if stdout != "" || stderr != "" {
		t.Errorf("stdout %q, stderr %q; want both empty", stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	r := readResult(t, b)
	if r.Stats.Filled != 2 || len(r.Assignments) != 2 || len(r.Unfilled) != 1 || r.Unfilled[0].Request != "r-002" {
		t.Errorf("result: %+v; want r-001 and r-002 filled once each, r-002 missing one", r)
	}
	f, err := os.Open(edges)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := 0
	for sc := bufio.NewScanner(f); sc.Scan(); lines++ {
		var e struct {
			Request, Volunteer string
			Score              float64
			DistanceKm         float64 `json:"distance_km"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Request == "" || e.Volunteer == "" {
			t.Fatalf("edge line %q: %v", sc.Text(), err)
		}
	}
	if lines != r.Stats.FeasiblePairs || lines < 3 {
		t.Errorf("%d edge lines, stats.feasible_pairs %d", lines, r.Stats.FeasiblePairs)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".lotse-match-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

// An invalid scenario exits 2, names the entry, and writes nothing: an
// earlier result stays as it was.
func TestMatchInvalidScenarioWritesNothing(t *testing.T) {
	cases := []struct{ name, scenario, want string }{
		{"unknown postal code", badScenario, `invalid scenario: volunteers[1].plz: unknown postal code "9999"`},
		{"syntax error", matchScenario[:len(matchScenario)-3] + ",}", "invalid scenario: "},
		{"missing now", strings.Replace(matchScenario, `"now": "2026-11-23T09:00:00Z",`, "", 1), "invalid scenario: now: missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in := writeTestFile(t, dir, "scenario.json", c.scenario)
			out := writeTestFile(t, dir, "result.json", "the previous result\n")
			edges := filepath.Join(dir, "edges.jsonl")
			code, _, stderr := runLotse("match", "-in", in, "-out", out, "-edges", edges)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.HasPrefix(stderr, "lotse match: "+c.want) {
				t.Errorf("stderr %q, want it to start with %q", stderr, "lotse match: "+c.want)
			}
			if b, err := os.ReadFile(out); err != nil || string(b) != "the previous result\n" {
				t.Errorf("-out file now holds %q (%v), want it unchanged", b, err)
			}
			if _, err := os.Stat(edges); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("-edges file exists (%v), want none", err)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 2 {
				t.Errorf("directory holds %d files, want the scenario and the old result only", len(entries))
			}
		})
	}

	// Without an old result, no -out file appears.
	dir := t.TempDir()
	in := writeTestFile(t, dir, "scenario.json", badScenario)
	out := filepath.Join(dir, "result.json")
	if code, _, _ := runLotse("match", "-in", in, "-out", out); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("-out file exists (%v), want none", err)
	}
}

func TestMatchUsage(t *testing.T) {
	dir := t.TempDir()
	in := writeTestFile(t, dir, "scenario.json", matchScenario)
	out := filepath.Join(dir, "result.json")
	for _, args := range [][]string{
		{"match"},
		{"match", "-in", in},
		{"match", "-out", out},
		{"match", "-in", in, "-out", out, "extra"},
		{"match", "-in", in, "-out", out, "-bogus"},
		{"match", "-in", in, "-out", out, "-workers", "many"},
	} {
		code, stdout, stderr := runLotse(args...)
		if code != 2 || !strings.Contains(stderr, "usage: lotse match -in FILE -out FILE [-edges FILE]") || stdout != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and the usage on stderr", args, code, stdout, stderr)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a usage error wrote %s", out)
	}

	// A missing input file is not a usage error, nor an invalid scenario.
	code, _, stderr := runLotse("match", "-in", filepath.Join(dir, "nope.json"), "-out", out)
	if code != 1 || !strings.Contains(stderr, "nope.json") {
		t.Errorf("missing input: exit %d, stderr %q; want 1 and the file's name", code, stderr)
	}
}

// "-" reads the scenario from stdin and writes the result to stdout; matchFiles
// takes both as arguments, so the tests pass their own.
func TestMatchFilesStdio(t *testing.T) {
	var stdout bytes.Buffer
	if err := matchFiles("-", "-", "", 1, strings.NewReader(matchScenario), &stdout); err != nil {
		t.Fatal(err)
	}
	if r := readResult(t, stdout.Bytes()); r.Stats.Filled != 2 {
		t.Errorf("stdin → stdout: %+v", r)
	}

	// A file in, the result on stdout and the edges in a file.
	dir := t.TempDir()
	in := writeTestFile(t, dir, "scenario.json", matchScenario)
	edges := filepath.Join(dir, "edges.jsonl")
	stdout.Reset()
	if err := matchFiles(in, "-", edges, 0, strings.NewReader("not read"), &stdout); err != nil {
		t.Fatal(err)
	}
	if r := readResult(t, stdout.Bytes()); r.Stats.Filled != 2 {
		t.Errorf("file → stdout: %+v", r)
	}
	if b, err := os.ReadFile(edges); err != nil || bytes.Count(b, []byte("\n")) < 3 {
		t.Errorf("edges: %q, %v", b, err)
	}

	// stdin → a file.
	out := filepath.Join(dir, "result.json")
	stdout.Reset()
	if err := matchFiles("-", out, "", 0, strings.NewReader(matchScenario), &stdout); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(out); err != nil || readResult(t, b).Stats.Filled != 2 || stdout.Len() != 0 {
		t.Errorf("stdin → file: %v, stdout %q", err, stdout.String())
	}

	// An invalid scenario on stdin: an invalidInput error, nothing on stdout.
	stdout.Reset()
	err := matchFiles("-", "-", "", 0, strings.NewReader(badScenario), &stdout)
	var bad invalidInput
	if !errors.As(err, &bad) || !strings.Contains(err.Error(), "volunteers[1].plz") || stdout.Len() != 0 {
		t.Errorf("invalid stdin: %v (%T), stdout %q; want an invalidInput naming volunteers[1].plz and no output", err, err, stdout.String())
	}
}
