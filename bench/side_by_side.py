#!/usr/bin/env python3
"""Helper of bench/spdk-side-by-side: records the runs and renders its section.

  side_by_side.py record RESULTS ROUND CASE TARGET PERF_OUT [TICKS SECONDS [CLIENT_CPU]]
      append one spdk_nvme_perf run (TARGET: spdk or weft), with the target's CPU ticks over it
      and the client's own CPU (a file: CPU seconds before and after, wall clock before and after)
  side_by_side.py record-weft RESULTS ROUND CASE TARGET JSON [CLIENT]
      append one weft perf run (CLIENT: weft, or weft-park for a run that parks when idle)
  side_by_side.py record-floor RESULTS ROUND CASE FLOOR_OUT    append one tcp-floor run
  side_by_side.py record-tail-floor RESULTS ROUND CASE OUT     append one bench/tail-floor.c run
  side_by_side.py idle RESULTS ROUND TARGET TICKS SECONDS      append a target's idle CPU
  side_by_side.py render RESULTS CASES OUTPUT KEY=VALUE...     rewrite the section of OUTPUT between
                                                               the side-by-side markers

RESULTS is a JSON-lines file, one run per line; CASES the tab-separated case table (id, label,
workload, bs, qd). The section lives below docs/benchmarks.md's notes marker, which bench/run
keeps, so the two commands update their own parts of one page.
"""

import json
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
from section import put_section  # noqa: E402

BEGIN = "<!-- spdk-side-by-side -->"  # put_section's markers
END = "<!-- /spdk-side-by-side -->"
NOTES_MARKER = "<!-- notes -->"
TARGETS = ("spdk", "weft")
NAMES = {"spdk": "SPDK nvmf_tgt", "weft": "Weft target"}

TOTAL = re.compile(r"^Total\s+:\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", re.M)
PERCENTILE = re.compile(r"^\s*([\d.]+)% :\s+([\d.]+)us", re.M)


def fail(msg):
    print(f"bench: {msg}", file=sys.stderr)
    sys.exit(1)


HZ = 100  # USER_HZ: /proc/PID/stat counts CPU time in these ticks


def append(results, rec):
    with open(results, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")


def record_weft(results, rnd, case, target, path, client="weft"):
    r = json.load(open(path, encoding="utf-8"))
    if r["errors"]:
        fail(f"I/O errors in {path}")
    cores = r.get("cpuCores")
    append(results, {"round": int(rnd), "case": case, "target": target, "client": client,
                     "iops": r["iops"], "mibps": r["mibPerSec"], "mean": r["latAvgUs"],
                     "p50": r["latP50Us"], "p99": r["latP99Us"], "p999": r["latP999Us"],
                     "max": r["latMaxUs"], "client_cores": cores,
                     "iops_per_core": r["iops"] / cores if cores else None})
    print(f"           {r['iops']:>10,.0f} IOPS  ({client}, {cores or 0:.2f} cores)")


FLOOR = re.compile(r"ops_per_s=([\d.]+)\s+MiB_per_s=([\d.]+)\s+mean_latency_us=([\d.]+)")


def record_floor(results, rnd, case, path):
    text = open(path, encoding="utf-8", errors="replace").read()
    m = FLOOR.search(text)
    if not m:
        fail(f"no figures in {path}: {text[-300:]}")
    ops, mibps, mean = (float(x) for x in m.groups())
    append(results, {"round": int(rnd), "case": case, "target": "floor", "client": "floor",
                     "iops": ops, "mibps": mibps, "mean": mean})
    print(f"           {ops:>10,.0f} ops/s  {mibps:8.1f} MiB/s  round trip {mean:.1f} us")


TAIL_FLOOR = re.compile(r"ops_per_s=([\d.]+) mean_us=([\d.]+) p50_us=([\d.]+) p99_us=([\d.]+) "
                        r"p999_us=([\d.]+) max_us=([\d.]+)")


def record_tail_floor(results, rnd, case, path):
    text = open(path, encoding="utf-8", errors="replace").read()
    m = TAIL_FLOOR.search(text)
    if not m:
        fail(f"no figures in {path}: {text[-300:]}")
    ops, mean, p50, p99, p999, top = (float(x) for x in m.groups())
    append(results, {"round": int(rnd), "case": case, "target": "tail-floor",
                     "client": "tail-floor", "iops": ops, "mean": mean, "p50": p50, "p99": p99,
                     "p999": p999, "max": top})
    print(f"           {ops:>10,.0f} ops/s  p50 {p50:.1f}  p99 {p99:.1f}  p99.9 {p999:.1f} us")


def idle(results, rnd, target, ticks, seconds):
    share = int(ticks) / HZ / float(seconds)
    append(results, {"round": int(rnd), "case": "idle", "target": target, "client": "idle",
                     "cpu_share": share})
    print(f"           idle {target}: {share * 100:.1f}% of a core")


def record(results, rnd, case, target, path, ticks=None, seconds=None, client_cpu=None):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if "completed with error" in text:
        fail(f"I/O errors in {path}")
    m = TOTAL.search(text)
    if not m:
        fail(f"no Total line in {path}")
    iops, mibps, mean, lat_min, lat_max = (float(x) for x in m.groups())
    pct = {float(p): float(us) for p, us in PERCENTILE.findall(text)}
    rec = {
        "round": int(rnd), "case": case, "target": target, "client": "spdk", "iops": iops,
        "mibps": mibps, "mean": mean, "p50": pct.get(50.0), "p99": pct.get(99.0),
        "p999": pct.get(99.9), "max": lat_max,
    }
    if ticks is not None and iops:
        # CPU over the whole perf run (warm-up included) per I/O at the measured rate.
        rec["cpu_us_per_io"] = int(ticks) / HZ * 1e6 / (iops * float(seconds))
    if client_cpu is not None:
        # spdk_nvme_perf's own CPU over its whole run (start-up included), in cores.
        c0, c1, w0, w1 = (float(x) for x in open(client_cpu, encoding="utf-8").read().split())
        if w1 > w0:
            rec["client_cores"] = (c1 - c0) / (w1 - w0)
            rec["iops_per_core"] = iops / rec["client_cores"] if rec["client_cores"] else None
    append(results, rec)
    print(f"           {iops:>10,.0f} IOPS  {mibps:8.1f} MiB/s  mean {mean:.1f}  "
          f"p50 {rec['p50'] or 0:.1f}  p99 {rec['p99'] or 0:.1f} us")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=1):
    if v is None:
        return "–"
    if v >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def render(results, cases_path, output, kv):
    meta = dict(item.split("=", 1) for item in kv)
    every = [json.loads(line) for line in open(results, encoding="utf-8") if line.strip()]
    runs = [r for r in every if r.get("client", "spdk") == "spdk"]
    cases = [line.rstrip("\n").split("\t") for line in open(cases_path, encoding="utf-8")
             if line.strip()]
    lines = [BEGIN, "## SPDK nvmf_tgt and the Weft target, same client", "",
             "<!-- Generated by bench/spdk-side-by-side; bench/run keeps this section. -->", "",
             "SPDK's `spdk_nvme_perf` drives SPDK's own target (`nvmf_tgt`, a 1 GiB `bdev_malloc` "
             "of 4 KiB blocks) and the Weft target (`--memory 1G --block-size 4096 --io-threads 1 "
             f"--spin-us {meta['spin_us']} --c2h-success-always`) in turn, with the same options. "
             "Both end a successful read with the SUCCESS flag on its C2HData and no CapsuleResp "
             "(nvmf_tgt's default `c2h_success`; Weft's flag, since spdk_nvme_perf keeps SQ flow "
             "control on, where the spec leaves Weft's default to a CapsuleResp). Each target runs "
             f"alone on CPU {meta['target_cpu']}, perf on CPU {meta['client_cpu']} "
             "(`-c` with one core, one queue pair, `-L` latency tracking). nvmf_tgt polls its core "
             f"all the time; Weft's event loop spins {meta['spin_us']} µs before it parks. Each "
             "round starts each target fresh, fills its namespace once with 128 KiB writes, then "
             "runs every case; which target goes first alternates between rounds. Figures are "
             "medians over the rounds; Weft ÷ SPDK is the median of the per-round IOPS ratios "
             "with their range.", "",
             f"- Command: `{meta['command']}`",
             f"- Settings: {meta['duration']} s per case after {meta['warmup']} s of warm-up, "
             f"{meta['rounds']} round(s)" + (" (quick check, not a measurement)"
                                             if meta.get("quick") == "1" else ""),
             f"- Date: {meta['date']}",
             f"- Machine: {meta['machine']}",
             f"- Weft: commit {meta['commit']}; SPDK v23.05 (../shared/tools/spdk-peer)",
             f"- Load average (1 min) at start / end: {meta['load']}", "",
             ] + goals(every, meta) + qd1_tail(every) + clients(every, meta) + [
             "", "### Every case with spdk_nvme_perf", "",
             "| case | SPDK nvmf_tgt | Weft target | Weft ÷ SPDK | SPDK p50 / p99 µs | "
             "Weft p50 / p99 µs | target CPU-µs per I/O, SPDK / Weft |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for case in cases:
        cid, label, bs = case[0], case[1], int(case[3])
        by = {t: [r for r in runs if r["case"] == cid and r["target"] == t] for t in TARGETS}
        if not all(by.values()):
            continue
        ratios = []
        for rnd in sorted({r["round"] for r in by["weft"]}):
            s = [r for r in by["spdk"] if r["round"] == rnd]
            w = [r for r in by["weft"] if r["round"] == rnd]
            if s and w and s[0]["iops"]:
                ratios.append(w[0]["iops"] / s[0]["iops"])
        cells = []
        for t in TARGETS:
            iops = median(r["iops"] for r in by[t])
            mibps = median(r["mibps"] for r in by[t])
            cells.append(f"{mibps / 1024:.2f} GiB/s" if bs >= 65536 else f"{iops / 1000:.0f}K IOPS")
        lat = [f"{fmt(median(r['p50'] for r in by[t]))} / {fmt(median(r['p99'] for r in by[t]))}"
               for t in TARGETS]
        ratio = (f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"
                 if ratios else "–")
        cpu = " / ".join(fmt(median(r.get("cpu_us_per_io") for r in by[t]), 2) for t in TARGETS)
        lines.append(f"| {label} | {cells[0]} | {cells[1]} | {ratio} | {lat[0]} | {lat[1]} | {cpu} |")
    lines += ["", "Every run, in µs:", "",
              "| case | target | round | IOPS | MiB/s | mean | p50 | p99 | p99.9 | max |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for case in cases:
        for r in sorted((r for r in runs if r["case"] == case[0]),
                        key=lambda r: (r["round"], r["target"])):
            lines.append(f"| {case[1]} | {NAMES[r['target']]} | {r['round']} | {r['iops']:,.0f} | "
                         f"{fmt(r['mibps'])} | {fmt(r['mean'])} | {fmt(r['p50'])} | "
                         f"{fmt(r['p99'])} | {fmt(r['p999'])} | {fmt(r['max'])} |")
    lines.append(END)
    section = "\n".join(lines) + "\n"
    print(section)

    put_section(output, "spdk-side-by-side", section, after=NOTES_MARKER)


def per_round(every, num, den):
    """Median and range of per-round ratios num(round) / den(round), each a function of the runs."""
    rounds = sorted({r["round"] for r in every})
    ratios = []
    for rnd in rounds:
        in_round = [r for r in every if r["round"] == rnd]
        a, b = num(in_round), den(in_round)
        if a is not None and b:
            ratios.append(a / b)
    return ratios


def pick(runs, case, target, client, field):
    for r in runs:
        if r["case"] == case and r["target"] == target and r.get("client", "spdk") == client:
            return r.get(field)
    return None


def qd1_tail(every):
    """4 KiB randread QD1's distribution for each target and client beside the floor's."""
    lines = ["", "### The QD1 round trip against its floor", "",
             "The floor here is `bench/tail-floor.c`: the same message shapes one at a time over "
             "loopback TCP, its server spinning on the target's CPU and its client on the "
             "client's, every round trip timed (`tcp-floor` reports only a mean). Nothing is "
             "parsed or stored, so its tail is the machine's: timer interrupts, other tasks on "
             "the CPUs, the hypervisor. Medians over the rounds, in µs.", "",
             "| who | client | p50 | p99 | p99.9 | max |", "|---|---|---:|---:|---:|---:|"]
    who = (("tail-floor", "tail-floor", "the floor", "–"),
           ("spdk", "spdk", NAMES["spdk"], "spdk_nvme_perf"),
           ("weft", "spdk", NAMES["weft"], "spdk_nvme_perf"),
           ("spdk", "weft", NAMES["spdk"], "weft perf"),
           ("weft", "weft", NAMES["weft"], "weft perf"))
    for target, client, name, label in who:
        runs = [r for r in every if r["case"] == "rr4k-qd1" and r["target"] == target
                and r.get("client", "spdk") == client]
        if runs:
            lines.append(f"| {name} | {label} | " + " | ".join(
                fmt(median(r.get(f) for r in runs)) for f in ("p50", "p99", "p999", "max")) + " |")
    return lines if len(lines) > 7 else []


def clients(every, meta):
    """The three clients at 4 KiB randread QD32 against each target: rate, CPU, rate per core."""
    lines = ["", "### The clients at 4 KiB randread QD32", "",
             f"weft perf warmed up {meta.get('weft_warmup', meta['warmup'])} s before its "
             "measured part. Medians over the rounds.", "",
             "| target | client | IOPS | host cores used | IOPS per host core |",
             "|---|---|---:|---:|---:|"]
    labels = (("spdk", "spdk_nvme_perf"), ("weft", f"weft perf, spinning {meta['spin_us']} µs"),
              ("weft-park", "weft perf, parking when idle (`--spin-us 0`)"))
    for target in TARGETS:
        for client, label in labels:
            runs = [r for r in every if r["case"] == "rr4k-qd32" and r["target"] == target
                    and r.get("client", "spdk") == client]
            if not runs:
                continue
            iops = median(r["iops"] for r in runs)
            cores = median(r.get("client_cores") for r in runs)
            per_core = median(r.get("iops_per_core") for r in runs)
            lines.append(f"| {NAMES[target]} | {label} | {iops / 1000:.0f}K | {fmt(cores, 2)} | "
                         f"{per_core / 1000:.0f}K |" if per_core else
                         f"| {NAMES[target]} | {label} | {iops / 1000:.0f}K | – | – |")
    return lines


def goals(every, meta):
    """Issue 10's goals, each as a ratio measured in this run, and whether it is met."""
    rows = []

    def row(what, ratios, goal, good):
        if not ratios:
            rows.append(f"| {what} | – | {goal} | not measured |")
            return
        m = statistics.median(ratios)
        verdict = "for comparison" if good is None else "met" if good(m) else "not met"
        rows.append(f"| {what} | {m:.2f} ({min(ratios):.2f}–{max(ratios):.2f}) | {goal} | "
                    f"{verdict} |")

    def ratio(case, field, a, b):
        return per_round(every, lambda rs: pick(rs, case, *a, field),
                         lambda rs: pick(rs, case, *b, field))

    weft, spdk, floor = ("weft", "spdk"), ("spdk", "spdk"), ("floor", "floor")
    row("4 KiB randread QD1: p50, Weft ÷ SPDK", ratio("rr4k-qd1", "p50", weft, spdk), "≤ 0.8",
        lambda m: m <= 0.8)
    row("4 KiB randread QD1: p99.9, Weft ÷ SPDK", ratio("rr4k-qd1", "p999", weft, spdk), "≤ 0.8",
        lambda m: m <= 0.8)
    tail_floor = ("tail-floor", "tail-floor")
    row("4 KiB randread QD1: p99, Weft ÷ SPDK", ratio("rr4k-qd1", "p99", weft, spdk), "–", None)
    for who, name in ((spdk, "SPDK"), (weft, "Weft")):
        for field, label in (("p50", "p50"), ("p999", "p99.9")):
            row(f"4 KiB randread QD1: {label}, {name} ÷ the floor's {label} (every round trip "
                "timed)", ratio("rr4k-qd1", field, who, tail_floor), "–", None)
    row("4 KiB randread QD1: Weft p50 ÷ the floor's round trip",
        per_round(every, lambda rs: pick(rs, "rr4k-qd1", *weft, "p50"),
                  lambda rs: pick(rs, "rr4k-qd1", *floor, "mean")), "≤ 1.5", lambda m: m <= 1.5)
    for case, label, field, vs_spdk, vs_floor in (
            ("rr4k-qd32", "4 KiB randread QD32 IOPS", "iops", 1.5, 0.6),
            ("rw4k-qd32", "4 KiB randwrite QD32 IOPS", "iops", 1.5, 0.5),
            ("sr128k-qd16", "128 KiB read QD16 MiB/s", "mibps", 1.5, 0.8),
            ("sw128k-qd16", "128 KiB write QD16 MiB/s", "mibps", 1.5, 0.8)):
        row(f"{label}, Weft ÷ SPDK", ratio(case, field, weft, spdk), f"≥ {vs_spdk}",
            lambda m, g=vs_spdk: m >= g)
        row(f"{label}, Weft ÷ the floor", ratio(case, field, weft, floor), f"≥ {vs_floor}",
            lambda m, g=vs_floor: m >= g)
    row("target CPU-µs per I/O at 4 KiB randread QD32, Weft ÷ SPDK",
        ratio("rr4k-qd32", "cpu_us_per_io", weft, spdk), "≤ 0.7", lambda m: m <= 0.7)
    row("target CPU-µs per I/O at 4 KiB randwrite QD32, Weft ÷ SPDK",
        ratio("rw4k-qd32", "cpu_us_per_io", weft, spdk), "≤ 0.7", lambda m: m <= 0.7)
    idle_w = [r["cpu_share"] for r in every if r["case"] == "idle" and r["target"] == "weft"]
    idle_s = [r["cpu_share"] for r in every if r["case"] == "idle" and r["target"] == "spdk"]
    if idle_w:
        m = statistics.median(idle_w)
        rows.append(f"| idle target CPU, share of a core (SPDK: "
                    f"{statistics.median(idle_s) * 100 if idle_s else 0:.0f}%) | {m * 100:.2f}% | "
                    f"< 1% | {'met' if m < 0.01 else 'not met'} |")
    for target in ("weft", "spdk"):
        for client, how in (("weft", f"spinning {meta['spin_us']} µs"),
                            ("weft-park", "parking when idle")):
            row(f"4 KiB randread QD32 against the {NAMES[target]}: IOPS per host core, Weft perf "
                f"({how}) ÷ spdk_nvme_perf",
                ratio("rr4k-qd32", "iops_per_core", (target, client), (target, "spdk")), "≥ 1.2",
                lambda m: m >= 1.2)
        row(f"4 KiB randread QD32 against the {NAMES[target]}: IOPS, Weft perf (spinning) ÷ "
            "spdk_nvme_perf",
            ratio("rr4k-qd32", "iops", (target, "weft"), (target, "spdk")), "–", None)
    # The same cases with header and data digests, then over TLS, each against its plain run on
    # the same target in the same round. SPDK's own TLS ratio shows what the client allows.
    for suffix, channel, targets in (("-dg", "with header and data digests", ("weft", "spdk")),
                                     ("-tls", "over TLS", ("weft", "spdk"))):
        for case, label, field in (("rr4k-qd1", "4 KiB randread QD1 p50", "p50"),
                                   ("rr4k-qd32", "4 KiB randread QD32 IOPS", "iops"),
                                   ("rw4k-qd32", "4 KiB randwrite QD32 IOPS", "iops"),
                                   ("sr128k-qd16", "128 KiB read QD16 MiB/s", "mibps"),
                                   ("sw128k-qd16", "128 KiB write QD16 MiB/s", "mibps")):
            lower_better = field == "p50"
            for target in targets:
                ratios = per_round(
                    every, lambda rs, c=case, f=field, t=target: pick(rs, c + suffix, t, "spdk", f),
                    lambda rs, c=case, f=field, t=target: pick(rs, c, t, "spdk", f))
                if target == "weft":
                    row(f"{label} {channel} ÷ plain (Weft)", ratios,
                        "≤ 1.1" if lower_better else "≥ 0.9",
                        (lambda m: m <= 1.1) if lower_better else (lambda m: m >= 0.9))
                else:
                    row(f"{label} {channel} ÷ plain (SPDK nvmf_tgt, the same client)", ratios,
                        "–", None)
    return ["### Issue 10's goals in this run", "",
            "Each a ratio of two figures measured in the same round, median over the rounds "
            "(range in brackets). The floor is `../shared/tools/tcp-floor` spinning (`SPIN=1`) "
            "with the case's NVMe/TCP message sizes on both CPUs; a 128 KiB write's floor has no "
            "R2T round trip. CPU per I/O is the target's user + system time over the whole "
            "spdk_nvme_perf run, warm-up included, per I/O at the measured rate. IOPS per host "
            "core is a client's IOPS over the cores it used: spdk_nvme_perf's user + system time "
            "over its whole run (it polls its core), weft perf's own process (every thread, the "
            "JIT's included) over its measured part, as it reports it (`cpuCores`). TLS is TLS 1.3 "
            "with a PSK (TLS_AES_128_GCM_SHA256): spdk_nvme_perf `-S ssl --psk-path` (OpenSSL, "
            "with `bench/hkdf-empty-salt.c` preloaded so that SPDK v23.05 can derive its PSKs with "
            "OpenSSL 3.0) against each target's TLS listener (nvmf_tgt's ssl socket, Weft's own "
            "record layer). SPDK's own target with digests and over TLS, with the same client, "
            "is the comparison that shows how much of each cost is the client's.", "",
            "| what | measured | goal | |", "|---|---:|---:|---|"] + rows


def main(argv):
    if len(argv) >= 6 and argv[0] == "record":
        record(*argv[1:9])
    elif len(argv) >= 6 and argv[0] == "record-weft":
        record_weft(*argv[1:7])
    elif len(argv) >= 5 and argv[0] == "record-tail-floor":
        record_tail_floor(*argv[1:5])
    elif len(argv) >= 5 and argv[0] == "record-floor":
        record_floor(*argv[1:5])
    elif len(argv) >= 6 and argv[0] == "idle":
        idle(*argv[1:6])
    elif len(argv) >= 4 and argv[0] == "render":
        render(argv[1], argv[2], argv[3], argv[4:])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
