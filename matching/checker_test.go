package matching

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lotse/geo"
)

// The contract's own tools judge the engine here: testdata/gen_scenario.py
// writes realistic scenarios, the engine solves them in-process, and
// testdata/check_match.py recomputes feasibility from the scenario alone and
// the optimum on the engine's edges with networkx. Both scripts are copies of
// shared/tools (see their headers), so CI needs no /work/shared.

// python3WithNetworkx returns the python3 to run the tools with. Without it
// the test fails and says how to get it, unless LOTSE_SKIP_PYTHON=1.
func python3WithNetworkx(t *testing.T) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err == nil {
		if out, e := exec.Command(python, "-c", "import networkx").CombinedOutput(); e != nil {
			err = fmt.Errorf("%v: %s", e, bytes.TrimSpace(out))
		}
	}
	if err != nil {
		if os.Getenv("LOTSE_SKIP_PYTHON") == "1" {
			t.Skipf("python3 with networkx is missing (%v); skipped since LOTSE_SKIP_PYTHON=1", err)
		}
		t.Fatalf("the matching checker needs python3 with networkx (%v): run `make deps` (or set LOTSE_SKIP_PYTHON=1 to skip)", err)
	}
	return python
}

// badenWuerttemberg lists the Kreis codes of Baden-Württemberg (AGS 08…) in
// the embedded gazetteer.
func badenWuerttemberg() []string {
	var codes []string
	for _, p := range geo.Default().All() {
		if strings.HasPrefix(p.KreisCode, "08") && !slices.Contains(codes, p.KreisCode) {
			codes = append(codes, p.KreisCode)
		}
	}
	slices.Sort(codes)
	return codes
}

func gazetteerLocate(plz string) (float64, float64, bool) {
	p, ok := geo.Default().Lookup(plz)
	return p.Point.Lat, p.Point.Lon, ok
}

func TestCheckMatch(t *testing.T) {
	python := python3WithNetworkx(t)
	csv, err := filepath.Abs(filepath.Join("..", "geo", "data", "zipcodes.de.csv"))
	if err != nil {
		t.Fatal(err)
	}
	loerrach := "08336,08315,08311,08337" // Lörrach, Breisgau-Hochschwarzwald, Freiburg, Waldshut
	bw := badenWuerttemberg()
	if len(bw) < 40 {
		t.Fatalf("the gazetteer knows %d Kreise in Baden-Württemberg, want 44", len(bw))
	}
	cases := []struct {
		name                 string
		volunteers, requests int
		seed                 int
		kreis                string
	}{
		{"3000x800/Loerrach/seed1", 3000, 800, 1, loerrach},
		{"3000x800/Loerrach/seed2", 3000, 800, 2, loerrach},
		{"3000x800/Loerrach/seed3", 3000, 800, 3, loerrach},
		{"1000x300/Baden-Wuerttemberg", 1000, 300, 1, strings.Join(bw, ",")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // the checker is single-threaded Python
			dir := t.TempDir()
			scenarioFile := filepath.Join(dir, "scenario.json")
			resultFile := filepath.Join(dir, "result.json")
			edgesFile := filepath.Join(dir, "edges.jsonl")

			gen := exec.Command(python, filepath.Join("testdata", "gen_scenario.py"), "--volunteers", fmt.Sprint(c.volunteers),
				"--requests", fmt.Sprint(c.requests), "--seed", fmt.Sprint(c.seed), "--kreis", c.kreis)
			gen.Env = append(os.Environ(), "LOTSE_PLZ_CSV="+csv)
			var stderr bytes.Buffer
			gen.Stderr = &stderr
			scenario, err := gen.Output()
			if err != nil {
				t.Fatalf("gen_scenario.py: %v\n%s", err, stderr.Bytes())
			}
			if err := os.WriteFile(scenarioFile, scenario, 0o644); err != nil {
				t.Fatal(err)
			}

			sc, err := Decode(bytes.NewReader(scenario))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Solve(sc, Config{Locate: gazetteerLocate})
			if err != nil {
				t.Fatal(err)
			}
			var result, edges bytes.Buffer
			if err := res.WriteJSON(&result); err != nil {
				t.Fatal(err)
			}
			if err := res.WriteEdges(&edges); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(resultFile, result.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(edgesFile, edges.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}

			out, err := exec.Command(python, filepath.Join("testdata", "check_match.py"), scenarioFile, resultFile, edgesFile).CombinedOutput()
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			last := lines[len(lines)-1]
			if err != nil || !strings.HasPrefix(last, "OK") {
				t.Fatalf("check_match.py (%v):\n%s", err, out)
			}
			t.Logf("%d feasible pairs, %d of %d slots filled; check_match.py: %s",
				res.Stats.FeasiblePairs, res.Stats.Filled, res.Stats.Slots, last)
		})
	}
}
