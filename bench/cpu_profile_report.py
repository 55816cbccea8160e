"""Renders bench/cpu-profile's section of docs/benchmarks.md from `perf script` samples.

Every sample is put in one bucket by the CPU it was taken on, the process running (by pid) and
its leaf symbol. A bucket's share of a CPU's samples, divided by the I/O rate, is that bucket's CPU time
per I/O: the timer samples every CPU at the same rate whether it is busy or not.
"""

import collections
import json
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
from section import put_section  # noqa: E402

SAMPLE = re.compile(r"^\s*(?P<comm>.+?)\s+(?P<pid>\d+)\s+\[(?P<cpu>\d+)\]\s+[0-9a-f]+\s+(?P<sym>.*?)\s+\((?P<dso>[^()]*)\)\s*$")

# Leaf kernel symbols by what the kernel is doing for the process; first match wins. The TCP/IP
# bucket also takes the page and slab allocation and the locks under it: on these paths nearly all
# of that is for socket buffers.
KERNEL = [
    ("data copies", re.compile(r"copy_user|_copy_(to|from)_iter|copy_page|memcpy|memmove|rep_movs|"
                               r"csum_partial_copy|skb_copy_datagram|__copy")),
    ("system call entry and exit", re.compile(r"entry_SYSCALL|syscall|exit_to_user|srso_|return_thunk|"
                                              r"retbleed|^entry_|fdget|^fput|^__fget|clear_bhb")),
    ("scheduling and epoll", re.compile(r"^ep_|epoll|schedule|switch|wake|ttwu|enqueue|dequeue|"
                                        r"pick_next|update_curr|update_load|psi_|hrtimer|"
                                        r"select_task|idle")),
    ("TCP/IP and socket buffers", re.compile(r"tcp|^ip_|^__ip|skb|^sk_|sock|^net|^__net|napi|"
                                             r"loopback|inet|dev_|^__dev|kmem_cache|kfree|slab|"
                                             r"alloc_pages|page_frag|__alloc|free_unref|"
                                             r"rcu_read|refill|^lock_|_raw_spin|rmqueue|"
                                             r"__mod_|mem_cgroup|memcg|__local_bh|bh_|sch_|qdisc|"
                                             r"validate_xmit|__build|eth_|nf_|raw_|__inet|"
                                             r"dst_|fib|neigh|__sk|__release_sock|release_sock")),
]
ORDER = ["own code (user space)"] + [k for k, _ in KERNEL] + ["other kernel work", "idle",
                                                               "other processes"]


def bucket(pid, sym, dso, own):
    if pid == 0:
        return "idle"
    if pid != own:
        return "other processes"
    if dso != "[kernel.kallsyms]":
        return "own code (user space)"
    for name, pattern in KERNEL:
        if pattern.search(sym):
            return name
    return "other kernel work"


def profile(path, cpu, own):
    counts = collections.Counter()
    kernel_other = collections.Counter()
    for line in open(path, errors="replace"):
        m = SAMPLE.match(line)
        if not m or int(m["cpu"]) != cpu:
            continue
        b = bucket(int(m["pid"]), m["sym"], m["dso"], own)
        counts[b] += 1
        if b == "other kernel work":
            kernel_other[m["sym"]] += 1
    return counts, kernel_other


def iops(path):
    """The I/O (or op) rate a client reported: spdk_nvme_perf's Total line, weft perf's JSON, or
    tcp-floor's ops_per_s."""
    text = open(path, errors="replace").read()
    for line in text.splitlines():
        if line.startswith("Total"):
            return float(line.split()[2])
    m = re.search(r"ops_per_s=([\d.]+)", text)
    if m:
        return float(m[1])
    try:
        return float(json.loads(text)["iops"])
    except (ValueError, KeyError):
        raise SystemExit(f"bench: no rate in {path}")


TARGETS = {"spdk": "SPDK nvmf_tgt", "weft": "Weft"}


def cells(rows, index):
    """A row's cells: each bucket's median µs per I/O over the rounds; idle as a share of the CPU."""
    out = []
    for b in ORDER:
        values = [r[index][b] for r in rows]
        if b == "idle":
            out.append(f"{statistics.median(values) * 100:.0f}%")
        else:
            out.append(f"{statistics.median(v * 1e6 / r[0] for v, r in zip(values, rows)):.2f}")
    return out


def main():
    runs, output, date, commit, load, command, duration = sys.argv[1:]
    # (case, target, client) -> per round: (rate, CPU 0's bucket shares, CPU 1's bucket shares)
    results = collections.defaultdict(list)
    others = collections.defaultdict(collections.Counter)
    for line in open(runs):
        target, case, client, perf_out, samples, target_pid, client_pid = line.rstrip("\n").split("\t")
        rate = iops(perf_out)
        shares = []
        # A process's samples are all its threads' (for Weft the JIT compilers and the GC too).
        for cpu, own in ((0, int(target_pid)), (1, int(client_pid))):
            counts, kernel_other = profile(samples, cpu, own)
            total = sum(counts.values()) or 1
            shares.append({b: counts[b] / total for b in ORDER})
            if cpu == 0 and target in TARGETS:
                others[target].update(kernel_other)
        results[(case, target, client)].append((rate, shares[0], shares[1]))
    cases = list(dict.fromkeys(k[0] for k in results))
    rounds = max(len(v) for v in results.values())
    out = ["<!-- cpu-profile -->", "## Where both CPUs go, kernel included (perf)", "",
           "<!-- Generated by bench/cpu-profile. -->", "",
           "`perf record -a` (cpu-clock timer, 999 Hz on each CPU) while a client on CPU 1 drives "
           "SPDK's nvmf_tgt or the Weft target on CPU 0 (1 GiB memory namespace, 4 KiB blocks; Weft with "
           "`--io-threads 1 --spin-us 0 --c2h-success-always`: its spare time shows as idle, and it ends "
           "reads with the SUCCESS flag, as nvmf_tgt does by default). The client is spdk_nvme_perf. "
           "4 KiB randread and randwrite at QD32 run again with header and data digests (`-H -I`) and "
           "over TLS 1.3 with a PSK (`-S ssl`, each target's TLS listener; SPDK with "
           "`bench/hkdf-empty-salt.c` preloaded). At 4 KiB randread QD32 the client is also "
           "weft perf, spinning (`--spin-us 200`) and parking "
           "(`--spin-us 0`: its spare time shows as idle), sampled from its 7th second, once its JIT "
           "has compiled the hot path (other clients from their 3rd); beside them, the loopback TCP "
           "floor of that shape (`tcp-floor 72 4144 32`, spinning: one process whose client and server "
           "threads share both CPUs, parse nothing and send the same 4 KiB every time; its row is the "
           "sum of both CPUs per operation). Each sample goes in one bucket by its leaf symbol; a "
           "bucket's share of a CPU divided by the I/O rate is its CPU time per I/O, in µs. A process's "
           "buckets count all its threads (for Weft the JIT compilers and the GC too). On loopback the "
           "sending side also runs the receiving side's TCP processing, so each CPU pays for what it "
           "sends.", "",
           f"- Command: `{command.strip()}`; {duration} s sampled per case, {rounds} round(s); "
           "figures are medians over the rounds",
           f"- Date: {date}; commit {commit}; load {load}", ""]
    for case in cases:
        out += [f"### {case}", "",
                "| CPU, µs per I/O | " + " | ".join(ORDER) + " | IOPS |",
                "|---|" + "---:|" * (len(ORDER) + 1)]
        for (c, target, client), rows in results.items():
            if c != case:
                continue
            rate = f"{statistics.median(r[0] for r in rows) / 1000:.0f}K"
            if target == "floor":
                both = [(r[0], {b: r[1][b] + r[2][b] for b in ORDER}) for r in rows]
                row = cells(both, 1)
                row[ORDER.index("idle")] = f"{statistics.median((r[1]['idle'] + r[2]['idle']) / 2 for r in rows) * 100:.0f}%"
                out.append(f"| tcp-floor, both CPUs | " + " | ".join(row) + f" | {rate} |")
                continue
            for index, who in ((1, f"{TARGETS[target]} target"), (2, f"{client} against {TARGETS[target]}")):
                out.append(f"| {who} | " + " | ".join(cells(rows, index)) + f" | {rate} |")
        out.append("")
    for target in TARGETS:
        top = ", ".join(f"`{s}`" for s, _ in others[target].most_common(6))
        out.append(f"Most frequent symbols in other kernel work on the {TARGETS[target]} target's CPU: {top}.")
        out.append("")
    out.append("<!-- /cpu-profile -->")
    section = "\n".join(out) + "\n"
    print(section)
    put_section(output, "cpu-profile", section)


if __name__ == "__main__":
    main()
