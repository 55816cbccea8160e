#!/usr/bin/env python3
"""Helper of bench/run: records single runs and renders docs/benchmarks.md.

  report.py weft  RESULTS ROUND CASE MODE PERF_JSON   append a Weft perf run (fails on I/O errors)
  report.py floor RESULTS ROUND CASE MODE FLOOR_OUT   append a tcp-floor run
  report.py render RESULTS CASES OUTPUT KEY=VALUE...  write the report, keeping the notes section

RESULTS is a JSON-lines file, one run per line. CASES is the tab-separated case table bench/run
writes: id, label, workload, bs, qd, request bytes, response bytes, bar IOPS, bar p50 us, bar text.
Each record prints a one-line summary on stdout; render prints the generated tables.
"""

import json
import os
import re
import statistics
import sys

NOTES_MARKER = "<!-- notes -->"
MODES = ("blocking", "spinning")


def fail(msg):
    print(f"bench: {msg}", file=sys.stderr)
    sys.exit(1)


def append(results, rec):
    with open(results, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")


def record_weft(results, rnd, case, mode, path):
    try:
        with open(path, encoding="utf-8") as f:
            p = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"perf output {path} is not JSON: {e}")
    for key in ("iops", "mibPerSec", "latP50Us", "latP99Us", "latP999Us", "latAvgUs", "errors", "ios"):
        if key not in p:
            fail(f"perf output {path} has no '{key}'")
    if p["errors"]:
        fail(f"perf reported {p['errors']} I/O errors of {p['ios']} I/Os ({path})")
    if not p["ios"]:
        fail(f"perf completed no I/O ({path})")
    rec = {
        "round": int(rnd), "case": case, "mode": mode, "kind": "weft",
        "iops": p["iops"], "mibps": p["mibPerSec"], "mean": p["latAvgUs"],
        "p50": p["latP50Us"], "p99": p["latP99Us"], "p999": p["latP999Us"],
        "max": p.get("latMaxUs"), "seconds": p.get("seconds"),
    }
    append(results, rec)
    print(f"{rec['iops']:>10,.0f} IOPS  {rec['mibps']:8.1f} MiB/s  p50 {rec['p50']:.1f}  "
          f"p99 {rec['p99']:.1f}  p99.9 {rec['p999']:.1f}  max {rec['max'] or 0:.0f} us")


FLOOR_LINE = re.compile(r"req=(\d+) resp=(\d+) qd=(\d+) ops_per_s=([\d.]+) MiB_per_s=([\d.]+) "
                        r"mean_latency_us=([\d.]+)")


def record_floor(results, rnd, case, mode, path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = FLOOR_LINE.search(text)
    if not m:
        fail(f"tcp-floor output not understood ({path}): {text.strip()!r}")
    ops = float(m.group(4))
    if ops <= 0:
        fail(f"tcp-floor completed nothing ({path})")
    rec = {
        "round": int(rnd), "case": case, "mode": mode, "kind": "floor",
        "req": int(m.group(1)), "resp": int(m.group(2)), "qd": int(m.group(3)),
        "ops": ops, "wire_mibps": float(m.group(5)), "mean": float(m.group(6)),
    }
    append(results, rec)
    print(f"{ops:>10,.0f} ops/s  {rec['wire_mibps']:8.1f} MiB/s on the wire  mean {rec['mean']:.1f} us")


def load_cases(path):
    cases = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            cid, label, workload, bs, qd, req, resp, bar_iops, bar_p50, bar_text = line.rstrip("\n").split("\t")
            cases.append({
                "id": cid, "label": label, "workload": workload, "bs": int(bs), "qd": int(qd),
                "req": int(req), "resp": int(resp), "bar_iops": float(bar_iops),
                "bar_p50": float(bar_p50) if bar_p50 else None, "bar_text": bar_text,
            })
    return cases


def fmt_int(v):
    return "–" if v is None else f"{v:,.0f}"


def fmt_mib(v):
    return "–" if v is None else f"{v:,.1f}"


def fmt_us(v):
    if v is None:
        return "–"
    return f"{v:,.0f}" if v >= 1000 else f"{v:.1f}"


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_ratio(values):
    """Median of the per-round ratios, with their range when there are several rounds."""
    if not values:
        return "–"
    m = statistics.median(values)
    if len(values) == 1:
        return f"{m:.2f}"
    return f"{m:.2f} ({min(values):.2f}–{max(values):.2f})"


def case_stats(case, recs):
    """Medians per run kind and mode, and the per-round Weft/floor ratios."""
    mib = case["bs"] / 1048576.0
    by = {(k, m): {} for k in ("weft", "floor") for m in MODES}
    for r in recs:
        if r["case"] == case["id"]:
            by[(r["kind"], r["mode"])][r["round"]] = r
    out = {}
    for mode in MODES:
        w = by[("weft", mode)]
        fl = by[("floor", mode)]
        out[("weft", mode)] = {
            "n": len(w),
            "iops": med([r["iops"] for r in w.values()]),
            "mibps": med([r["mibps"] for r in w.values()]),
            "mean": med([r["mean"] for r in w.values()]),
            "p50": med([r["p50"] for r in w.values()]),
            "p99": med([r["p99"] for r in w.values()]),
            "p999": med([r["p999"] for r in w.values()]),
        }
        out[("floor", mode)] = {
            "n": len(fl),
            "iops": med([r["ops"] for r in fl.values()]),
            "mibps": med([r["ops"] * mib for r in fl.values()]),
            "mean": med([r["mean"] for r in fl.values()]),
        }
    ratios = {}
    for wm in MODES:
        for fm in MODES:
            w, fl = by[("weft", wm)], by[("floor", fm)]
            ratios[(wm, fm)] = [w[k]["iops"] / fl[k]["ops"] for k in sorted(w) if k in fl and fl[k]["ops"] > 0]
    return out, ratios


def render(results, cases_path, output, meta_args):
    meta = dict(a.split("=", 1) for a in meta_args)
    cases = load_cases(cases_path)
    recs = []
    with open(results, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                recs.append(json.loads(line))

    notes = None
    if os.path.exists(output):
        with open(output, encoding="utf-8") as f:
            old = f.read().splitlines(keepends=True)
        for i, line in enumerate(old):
            if line.strip() == NOTES_MARKER:
                notes = "".join(old[i:])
                break
    if notes is None:
        notes = (f"{NOTES_MARKER}\n## Notes\n\n"
                 "Hand-written analysis goes here. `bench/run` regenerates everything above the\n"
                 f"`{NOTES_MARKER}` line and keeps this section, from that line to the end of the file.\n")
    if not notes.endswith("\n"):
        notes += "\n"

    spin = meta.get("spin_us", "?")
    L = []
    L.append("# Benchmarks\n")
    L.append("<!-- Generated by bench/run: edit only the notes section at the end. -->\n")
    if meta.get("quick") == "1":
        L.append("> **Quick check run** (`--quick`: 1 s per case, 1 round). These figures only show that the\n"
                 "> script works; run `bench/run` without `--quick` for a measurement.\n")
    L.append(
        "Weft's perf tool (`bin/weft perf`) drives the Weft target (memory namespace) over loopback, and in\n"
        "the same run the loopback TCP floor (`../shared/tools/tcp-floor`: plain TCP request/response\n"
        "with the same message sizes, nothing parsed or stored) measures what any NVMe/TCP target and\n"
        "host pair could reach on this machine at that moment. The machine is shared and noisy, so the\n"
        "figures that mean something are the ratios of Weft to the floor measured side by side.\n")
    L.append(
        f"Each round runs, for each case, the floor and Weft one after the other (the order alternates\n"
        f"between rounds), first both blocking, then both spinning:\n\n"
        f"- **blocking**: target and perf with `--spin-us 0` (their event loops sleep in the kernel\n"
        f"  while idle), against tcp-floor sleeping in `read()`;\n"
        f"- **spinning**: target and perf with `--spin-us {spin}` (they busy-poll {spin} µs before they\n"
        f"  park), against `SPIN=1 tcp-floor`, which busy-polls all the time.\n")
    L.append(
        f"The target (`--io-threads 1 --memory 1G`) is pinned to CPU {meta.get('target_cpu', '?')} and perf\n"
        f"(`--queues 1`) to CPU {meta.get('client_cpu', '?')}, as for the SPDK bar (nvmf_tgt on one core,\n"
        f"spdk_nvme_perf on the other); tcp-floor, one process with a client and a server thread, runs\n"
        f"on CPUs {meta.get('floor_cpus', '?')}.\n"
        "After each target start, one sequential 128 KiB write pass fills the 1 GiB namespace: Weft's\n"
        "memory backend allocates its 1 MiB chunks on first write, and reads of unwritten chunks only\n"
        "zero-fill, so without it reads would be flattered and writes would measure allocation.\n"
        "Figures are medians over the rounds; a ratio is the median of the per-round ratios (Weft IOPS\n"
        "÷ floor ops/s of the same round), with their range in brackets. MiB/s counts data only (the\n"
        "floor's ops × block size). Latencies are perf's, in µs; the floor reports only a mean. The SPDK\n"
        "bar was measured on this machine but not in this run: it is there for reference, not as a ratio.\n")

    L.append("## How to rerun\n")
    L.append("```sh\n"
             "bench/run                 # 10 s per case after 2 s of warm-up, 3 rounds (about 12 minutes)\n"
             "bench/run --quick         # 1 s per case, 1 round: checks that everything works\n"
             "bench/run --help          # options: duration, warm-up, rounds, spin budget, cases, CPUs\n"
             "```\n")

    L.append("## This run\n")
    L.append(f"- Command: `{meta.get('command', 'bench/run')}`")
    L.append(f"- Settings: {meta.get('duration', '?')} s per run after {meta.get('warmup', '?')} s of warm-up "
             f"(perf; the floor needs none), {meta.get('rounds', '?')} round(s), spin budget {spin} µs")
    L.append(f"- Date: {meta.get('date', '?')}")
    L.append(f"- Machine: {meta.get('nproc', '?')} CPUs, {meta.get('cpu', '?')}; Linux {meta.get('kernel', '?')}")
    L.append(f"- Java: {meta.get('jdk', '?')}")
    L.append(f"- Weft: {meta.get('weft', '?')}")
    L.append(f"- Load average (1 min) at start / end: {meta.get('load_start', '?')} / {meta.get('load_end', '?')}")
    L.append("")

    L.append("## Summary\n")
    L.append("| case | Weft blocking ÷ blocking floor | Weft spinning ÷ spinning floor | Weft best | SPDK bar |")
    L.append("|---|---:|---:|---:|---:|")
    per_case = []
    disturbed = False
    for c in cases:
        st, ratios = case_stats(c, recs)
        per_case.append((c, st, ratios))
        best = max((st[("weft", m)]["iops"] or 0) for m in MODES)
        if c["bs"] >= 65536:
            best_txt = f"{best * c['bs'] / 1073741824:.2f} GiB/s"
        elif c["qd"] == 1:
            p50 = min((st[("weft", m)]["p50"] or float("inf")) for m in MODES)
            best_txt = f"p50 {fmt_us(p50)} µs, {best / 1000:.0f}K IOPS"
        else:
            best_txt = f"{best / 1000:.0f}K IOPS"
        fb, fs = st[("floor", "blocking")]["iops"], st[("floor", "spinning")]["iops"]
        mark = " †" if fb and fs and fs < fb else ""
        disturbed = disturbed or bool(mark)
        L.append(f"| {c['label']} | {fmt_ratio(ratios[('blocking', 'blocking')])} "
                 f"| {fmt_ratio(ratios[('spinning', 'spinning')])}{mark} | {best_txt} | {c['bar_text']} |")
    L.append("")
    if disturbed:
        L.append("† The spinning floor came out below the blocking floor: busy-polling lost the CPUs to\n"
                 "other processes, so that ratio says little. Rerun when the machine is quieter.\n")

    for c, st, ratios in per_case:
        L.append(f"## {c['label']}\n")
        L.append(f"`bin/weft perf --workload {c['workload']} --bs {c['bs'] // 1024}k --qd {c['qd']} --queues 1`; "
                 f"floor shape: {c['req']}-byte request, {c['resp']}-byte response, QD {c['qd']}.\n")
        L.append("| run | IOPS | MiB/s | mean | p50 | p99 | p99.9 | ÷ blocking floor | ÷ spinning floor |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for m in MODES:
            w = st[("weft", m)]
            name = "Weft, blocking" if m == "blocking" else f"Weft, spinning {spin} µs"
            L.append(f"| {name} | {fmt_int(w['iops'])} | {fmt_mib(w['mibps'])} | {fmt_us(w['mean'])} "
                     f"| {fmt_us(w['p50'])} | {fmt_us(w['p99'])} | {fmt_us(w['p999'])} "
                     f"| {fmt_ratio(ratios[(m, 'blocking')])} | {fmt_ratio(ratios[(m, 'spinning')])} |")
        for m in MODES:
            fl = st[("floor", m)]
            name = "tcp-floor, blocking" if m == "blocking" else "tcp-floor, spinning"
            L.append(f"| {name} | {fmt_int(fl['iops'])} | {fmt_mib(fl['mibps'])} | {fmt_us(fl['mean'])} "
                     f"| | | | | |")
        bar_mib = c["bar_iops"] * c["bs"] / 1048576.0
        L.append(f"| SPDK bar (not this run) | {fmt_int(c['bar_iops'])} | {fmt_mib(bar_mib)} | "
                 f"| {fmt_us(c['bar_p50'])} | | | | |")
        L.append("")

    text = "\n".join(L) + "\n" + notes
    tmp = output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, output)
    # The tables, for the terminal.
    start = text.index("## Summary")
    print(text[start:text.index(NOTES_MARKER)].rstrip())


def main(argv):
    if len(argv) == 7 and argv[1] in ("weft", "floor"):
        _, kind, results, rnd, case, mode, path = argv[:7]
        (record_weft if kind == "weft" else record_floor)(results, rnd, case, mode, path)
    elif len(argv) >= 5 and argv[1] == "render":
        render(argv[2], argv[3], argv[4], argv[5:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
