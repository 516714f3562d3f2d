#!/usr/bin/env python3
# Copied from shared/tools/gen_scenario.py (the matching contract's tools,
# /work/shared/tools) so that matching/checker_test.go runs without /work/shared.
# One change: the postal-code CSV is taken from the environment variable
# LOTSE_PLZ_CSV when it is set (the test points it at geo/data/zipcodes.de.csv,
# the gazetteer lotse embeds); without it the script looks where the original does.
"""Generate a matching scenario (contract: shared/contracts/matching.md).

usage: gen_scenario.py --volunteers N --requests M --seed S [--kreis 08336,08315] > scenario.json
Points are given as explicit lat/lon (jittered around a postal code centroid), so the
checker needs no rule for postal codes with several rows.
"""
import argparse, csv, json, os, random

HERE = os.path.dirname(os.path.abspath(__file__))
PLZ = next(p for p in ([os.environ["LOTSE_PLZ_CSV"]] if os.environ.get("LOTSE_PLZ_CSV") else []) +  # lotse: see the header
           [os.path.join(HERE, "..", "data", "plz", "zipcodes.de.csv"), os.path.join(HERE, "..", "shared", "data", "plz", "zipcodes.de.csv")] if os.path.exists(p))

LANGS = [("de", .93), ("en", .45), ("ar", .10), ("uk", .08), ("ru", .10), ("tr", .08),
         ("fa", .04), ("prs", .02), ("ku", .03), ("ti", .01), ("fr", .10), ("es", .06),
         ("pl", .03), ("ro", .02), ("sq", .01), ("so", .005), ("ps", .01)]
CATS = [("housing_search", .22), ("authority_accompaniment", .18), ("legal_help", .08),
        ("job_speed_dating", .06), ("language_cafe", .10), ("homework_help", .10),
        ("interpreting", .08), ("mentoring", .08), ("training", .03), ("event_help", .05),
        ("driving", .02)]
SLOTS = [f"{d}_{p}" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") for p in ("am", "pm", "eve")]


def pick_weighted(rng, pairs):
    x = rng.random() * sum(w for _, w in pairs)
    for k, w in pairs:
        x -= w
        if x <= 0:
            return k
    return pairs[-1][0]


def load_points(kreise):
    pts = {}
    with open(PLZ, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if kreise and row["community_code"] not in kreise:
                continue
            pts.setdefault(row["zipcode"], (float(row["latitude"]), float(row["longitude"])))
    return sorted(pts.items())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--volunteers", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kreis", default="")
    ap.add_argument("--max-distance", type=float, default=30)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    pts = load_points(set(filter(None, a.kreis.split(","))))

    def point():
        plz, (lat, lon) = rng.choice(pts)
        return plz, round(lat + rng.gauss(0, 0.01), 5), round(lon + rng.gauss(0, 0.015), 5)

    vols = []
    for i in range(a.volunteers):
        plz, lat, lon = point()
        langs = sorted({k for k, p in LANGS if rng.random() < p} or {"de"})
        skills = sorted({pick_weighted(rng, CATS) for _ in range(rng.randint(1, 4))})
        avail = sorted(rng.sample(SLOTS, rng.randint(1, 8)))
        cap = rng.choice([1, 1, 1, 2, 2, 3])
        v = {"id": f"v-{i:06d}", "plz": plz, "lat": lat, "lon": lon,
             "radius_km": rng.choice([5, 10, 10, 15, 20, 25, 30, 50]),
             "languages": langs, "skills": skills, "availability": avail,
             "capacity": cap, "active_assignments": rng.choice([0, 0, 0, 1]) if cap > 1 else 0}
        if rng.random() < 0.4:
            v["background_check_valid_until"] = f"{rng.choice([2025, 2026, 2027, 2028, 2030])}-{rng.randint(1, 12):02d}-15"
        vols.append(v)
    reqs = []
    for j in range(a.requests):
        plz, lat, lon = point()
        cat = pick_weighted(rng, CATS)
        r = {"id": f"r-{j:06d}", "plz": plz, "lat": lat, "lon": lon, "category": cat,
             "needed": 1 if rng.random() < .85 else rng.randint(2, 6),
             "priority": rng.choice([0, 0, 0, 1, 2, 3])}
        if rng.random() < .7:
            r["languages_any"] = sorted({pick_weighted(rng, LANGS[2:]) for _ in range(rng.randint(1, 2))} | ({"de"} if rng.random() < .3 else set()))
        if rng.random() < .6:
            r["slots"] = sorted(rng.sample(SLOTS, rng.randint(1, 5)))
        if rng.random() < .15:
            r["requires_background_check"] = True
        if rng.random() < .5:
            r["date"] = f"2026-12-{rng.randint(1, 28):02d}"
        reqs.append(r)
    json.dump({"now": "2026-11-23T09:00:00Z", "max_distance_km": a.max_distance,
               "volunteers": vols, "requests": reqs}, __import__("sys").stdout)


if __name__ == "__main__":
    main()
