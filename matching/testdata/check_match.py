#!/usr/bin/env python3
# Copied unchanged from shared/tools/check_match.py (the matching contract's
# tools, /work/shared/tools) so that matching/checker_test.go runs without
# /work/shared.
"""Independent check of a matching result (contract: shared/contracts/matching.md).

usage: check_match.py scenario.json result.json edges.jsonl
Recomputes every feasible pair from the scenario alone, compares it with the engine's
edge list, checks each assignment and the capacities, and computes the optimum on the
engine's own edges with networkx (max flow of min cost = lexicographic objective).
Prints findings; last line: 'OK count=.. optimum=.. score=.. best=..' or 'FAIL ...'.
"""
import json, math, sys
from collections import defaultdict

import networkx as nx

R = 6371.0088


def hav(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * R * math.asin(min(1, math.sqrt(h)))


def feasible(v, r, cap_km, now_day):
    if r["category"] not in v.get("skills", []):
        return False
    la = r.get("languages_any") or []
    if la and not set(la) & set(v.get("languages", [])):
        return False
    sl = r.get("slots") or []
    if sl and not set(sl) & set(v.get("availability", [])):
        return False
    if r.get("requires_background_check"):
        until = v.get("background_check_valid_until")
        if not until or until < (r.get("date") or now_day):
            return False
    d = hav((v["lat"], v["lon"]), (r["lat"], r["lon"]))
    return d <= min(v.get("radius_km", cap_km), cap_km) + 1e-9, d


def main():
    sc = json.load(open(sys.argv[1]))
    res = json.load(open(sys.argv[2]))
    edges = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
    cap_km = sc.get("max_distance_km", 1e9)
    now_day = sc.get("now", "9999")[:10]
    V = {v["id"]: v for v in sc["volunteers"]}
    Rq = {r["id"]: r for r in sc["requests"]}
    fails = []

    # feasible pairs from the scenario alone (grid bucketing on ~0.5 degree cells)
    cell = lambda lat, lon: (int(lat * 2), int(lon * 2))
    grid = defaultdict(list)
    for v in V.values():
        grid[cell(v["lat"], v["lon"])].append(v)
    mine = {}
    span = int(math.ceil(cap_km / 55.0)) + 1
    for r in Rq.values():
        ci, cj = cell(r["lat"], r["lon"])
        for di in range(-span, span + 1):
            for dj in range(-2 * span, 2 * span + 1):
                for v in grid.get((ci + di, cj + dj), ()):
                    f = feasible(v, r, cap_km, now_day)
                    if f and f[0]:
                        mine[(r["id"], v["id"])] = f[1]
    theirs = {(e["request"], e["volunteer"]): e for e in edges}
    missing = [k for k in mine if k not in theirs]
    extra = [k for k in theirs if k not in mine]
    if missing:
        fails.append(f"{len(missing)} feasible pairs missing from edges, e.g. {missing[:3]}")
    if extra:
        fails.append(f"{len(extra)} infeasible pairs listed as edges, e.g. {extra[:3]}")
    for k, e in theirs.items():
        if k in mine and abs(e.get("distance_km", mine[k]) - mine[k]) > 0.05 + 0.001 * mine[k]:
            fails.append(f"distance of {k} is {e.get('distance_km')} but haversine gives {mine[k]:.3f}")
            break
        if not (0 <= e["score"] <= 1):
            fails.append(f"score of {k} out of [0,1]: {e['score']}")
            break

    # the score must mean something: closer pairs score higher on average (rank correlation)
    pairs = [(e["score"], mine[k]) for k, e in theirs.items() if k in mine]
    if len(pairs) > 50:
        def ranks(xs):
            order = sorted(range(len(xs)), key=lambda i: xs[i])
            r = [0] * len(xs)
            for pos, i in enumerate(order):
                r[i] = pos
            return r
        rs, rd = ranks([p[0] for p in pairs]), ranks([p[1] for p in pairs])
        n_ = len(pairs); ms = (n_ - 1) / 2
        cov = sum((a - ms) * (b - ms) for a, b in zip(rs, rd))
        var = sum((a - ms) ** 2 for a in rs)
        rho = cov / var if var else 0
        print(f"  score~distance rank correlation: {rho:.2f}")
        if rho > -0.1:
            fails.append(f"scores barely depend on distance (rank correlation {rho:.2f})")
    expl = [a.get("explain") or {} for a in res["assignments"]]
    if expl and min(len(x) for x in expl) < 3:
        fails.append("an assignment explains fewer than 3 factors")

    # the assignments
    used_v, used_r, seen = defaultdict(int), defaultdict(int), set()
    total = 0.0
    for a in res["assignments"]:
        k = (a["request"], a["volunteer"])
        if k in seen:
            fails.append(f"pair assigned twice: {k}")
        seen.add(k)
        if k not in mine:
            fails.append(f"assignment violates a hard constraint: {k}")
        used_v[a["volunteer"]] += 1
        used_r[a["request"]] += 1
        total += a["score"]
        if k in theirs and abs(theirs[k]["score"] - a["score"]) > 1e-6:
            fails.append(f"score of {k} differs between edges and result")
    for vid, n in used_v.items():
        v = V[vid]
        if n > v.get("capacity", 1) - v.get("active_assignments", 0):
            fails.append(f"volunteer {vid} over capacity: {n}")
    for rid, n in used_r.items():
        if n > Rq[rid].get("needed", 1):
            fails.append(f"request {rid} over-filled: {n}")

    # the optimum on the engine's own (feasible) edges
    G = nx.DiGraph()
    for (rid, vid), e in theirs.items():
        if (rid, vid) not in mine:
            continue
        v = V[vid]
        G.add_edge("s", "v:" + vid, capacity=v.get("capacity", 1) - v.get("active_assignments", 0), weight=0)
        G.add_edge("v:" + vid, "r:" + rid, capacity=1, weight=-int(round(e["score"] * 1_000_000)))
        G.add_edge("r:" + rid, "t", capacity=Rq[rid].get("needed", 1), weight=0)
    best_n, best_score = 0, 0.0
    if G.number_of_edges():
        flow = nx.max_flow_min_cost(G, "s", "t")
        for u, d in flow.items():
            if u.startswith("v:"):
                for w, f in d.items():
                    if f:
                        best_n += 1
                        best_score += theirs[(w[2:], u[2:])]["score"]
    n = len(res["assignments"])
    if n < best_n:
        fails.append(f"not maximum: {n} slots filled, {best_n} possible")
    elif total < best_score - 1e-5 * max(1, n):
        fails.append(f"not optimal: score {total:.4f} < optimum {best_score:.4f}")
    for f in fails:
        print("  -", f)
    line = f"count={n} optimum={best_n} score={total:.4f} best={best_score:.4f} feasible={len(mine)} edges={len(theirs)}"
    print(("FAIL " if fails else "OK ") + line)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
