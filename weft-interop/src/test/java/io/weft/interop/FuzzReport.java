package io.weft.interop;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads nvme_fuzz's output as it streams (it logs every command and completion, ~30 MB/s) and keeps
 * only what a verdict needs: the per-queue totals, a count of completion statuses, the lines that
 * mean the target misbehaved, and the commands nvme_fuzz dumps as JSON when a queue times out
 * (replayable with {@code nvme_fuzz -j}).
 */
final class FuzzReport implements Consumer<String> {
  /** Lines that mean the target hung, dropped the connection, or could not be fuzzed at all. */
  private static final List<String> PROBLEMS =
      List.of(
          "has timed out",
          "Unable to submit command",
          "CQ transport error",
          "spdk_nvme_connect() failed",
          "No valid NVMe Namespaces",
          "Unable to prepare the qpairs",
          "The IOMMU must be enabled",
          "in failed state");

  private static final Pattern TOTALS =
      Pattern.compile(
          "NS: \\S+ (I/O|admin) qp, Total commands completed: (\\d+), total successful commands:"
              + " (\\d+), random_seed: (\\d+)");
  private static final Pattern STATUS =
      Pattern.compile(
          "spdk_nvme_print_completion: \\*NOTICE\\*: (.+?) \\(([0-9a-f]{2}/[0-9a-f]{2})\\)");

  private final Map<String, Long> statuses = new TreeMap<>();
  private final List<String> problems = new ArrayList<>();
  private final List<String> dumped = new ArrayList<>();
  private final Deque<String> recent = new ArrayDeque<>();
  private long ioCompleted;
  private long adminCompleted;
  private long ioSuccessful;
  private long adminSuccessful;
  private boolean completed;
  private boolean dumping;
  private long lines;

  @Override
  public synchronized void accept(String line) {
    lines++;
    Matcher status = STATUS.matcher(line);
    if (status.find()) {
      statuses.merge(status.group(1) + " (" + status.group(2) + ")", 1L, Long::sum);
      return;
    }
    if (line.contains("print_command: *NOTICE*")) {
      return;
    }
    for (String p : PROBLEMS) {
      if (line.contains(p) && problems.size() < 100) {
        problems.add(line);
      }
    }
    if (line.contains("has timed out")) {
      dumping = true;
    } else if (dumping && dumped.size() < 100_000) {
      // The outstanding commands follow as JSON objects, one field per line.
      dumped.add(line);
    }
    Matcher totals = TOTALS.matcher(line);
    if (totals.find()) {
      dumping = false;
      long done = Long.parseLong(totals.group(2));
      long ok = Long.parseLong(totals.group(3));
      // One line per fuzzed namespace and queue.
      if (totals.group(1).equals("I/O")) {
        ioCompleted += done;
        ioSuccessful += ok;
      } else {
        adminCompleted += done;
        adminSuccessful += ok;
      }
    }
    if (line.startsWith("Fuzzing completed")) {
      completed = true;
    }
    recent.addLast(line);
    if (recent.size() > 200) {
      recent.removeFirst();
    }
  }

  synchronized List<String> problems() {
    return List.copyOf(problems);
  }

  synchronized boolean completed() {
    return completed;
  }

  synchronized long ioCompleted() {
    return ioCompleted;
  }

  synchronized long adminCompleted() {
    return adminCompleted;
  }

  /** The commands nvme_fuzz dumped after a timeout, as it printed them (JSON objects). */
  synchronized List<String> dumpedCommands() {
    return List.copyOf(dumped);
  }

  synchronized String summary() {
    StringBuilder b = new StringBuilder();
    b.append("lines read: ").append(lines).append('\n');
    b.append("I/O commands completed: ")
        .append(ioCompleted)
        .append(" (successful ")
        .append(ioSuccessful)
        .append(")\n");
    b.append("admin commands completed: ")
        .append(adminCompleted)
        .append(" (successful ")
        .append(adminSuccessful)
        .append(")\n");
    b.append("completion statuses:\n");
    statuses.forEach((k, v) -> b.append("  ").append(v).append("  ").append(k).append('\n'));
    b.append("problems: ").append(problems.isEmpty() ? "none" : "").append('\n');
    problems.forEach(p -> b.append("  ").append(p).append('\n'));
    b.append("last lines (commands and completions left out):\n");
    recent.forEach(l -> b.append("  ").append(l).append('\n'));
    return b.toString();
  }
}
