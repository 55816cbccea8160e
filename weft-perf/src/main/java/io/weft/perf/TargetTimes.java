package io.weft.perf;

import java.util.HashMap;
import java.util.Map;

/**
 * One namespace's target-side time, read from a Weft target's {@code /metrics}: how many commands
 * it answered and how long they took in total and in each phase (receive, backend, respond), added
 * over every operation and size class (the phases over the commands the target sampled for them,
 * one in eight by default). Two readings taken around a run give the target's share of that run's
 * latency; what the host saw beyond it is fabric and host time.
 */
public record TargetTimes(
    long commands, double totalSeconds, long[] phaseCommands, double[] phaseSeconds) {
  public static final String[] PHASES = {"receive", "backend", "respond"};

  /** Reads namespace {@code nsid} of {@code subsystem} from a text-format exposition. */
  public static TargetTimes parse(String exposition, String subsystem, int nsid) {
    long count = 0;
    double total = 0;
    double[] phases = new double[PHASES.length];
    long[] phaseCounts = new long[PHASES.length];
    String ns = Integer.toString(nsid);
    for (String line : exposition.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int brace = line.indexOf('{');
      int close = line.lastIndexOf('}');
      if (brace < 0 || close < brace) {
        continue;
      }
      String name = line.substring(0, brace);
      boolean wanted =
          name.equals("weft_io_latency_seconds_count")
              || name.equals("weft_io_latency_seconds_sum")
              || name.equals("weft_io_phase_seconds_sum")
              || name.equals("weft_io_phase_seconds_count");
      if (!wanted) {
        continue;
      }
      Map<String, String> labels = labels(line.substring(brace + 1, close));
      if (!subsystem.equals(labels.get("subsystem")) || !ns.equals(labels.get("nsid"))) {
        continue;
      }
      double value = Double.parseDouble(line.substring(close + 1).trim().split(" ")[0]);
      switch (name) {
        case "weft_io_latency_seconds_count" -> count += (long) value;
        case "weft_io_latency_seconds_sum" -> total += value;
        default -> {
          for (int p = 0; p < PHASES.length; p++) {
            if (PHASES[p].equals(labels.get("phase"))) {
              if (name.endsWith("_sum")) {
                phases[p] += value;
              } else {
                phaseCounts[p] += (long) value;
              }
            }
          }
        }
      }
    }
    return new TargetTimes(count, total, phaseCounts, phases);
  }

  /** Label pairs of one sample: {@code a="x",b="y"}, with the format's escapes. */
  static Map<String, String> labels(String text) {
    Map<String, String> out = new HashMap<>();
    int i = 0;
    while (i < text.length()) {
      int eq = text.indexOf('=', i);
      if (eq < 0 || eq + 1 >= text.length() || text.charAt(eq + 1) != '"') {
        throw new IllegalArgumentException("malformed labels: " + text);
      }
      String key = text.substring(i, eq).trim();
      StringBuilder value = new StringBuilder();
      int j = eq + 2;
      for (; j < text.length() && text.charAt(j) != '"'; j++) {
        char c = text.charAt(j);
        if (c == '\\' && j + 1 < text.length()) {
          char n = text.charAt(++j);
          value.append(n == 'n' ? '\n' : n);
        } else {
          value.append(c);
        }
      }
      if (j >= text.length()) {
        throw new IllegalArgumentException("unterminated label value: " + text);
      }
      out.put(key, value.toString());
      i = j + 1;
      if (i < text.length() && text.charAt(i) == ',') {
        i++;
      }
    }
    return out;
  }

  /** What happened between an earlier reading and this one. */
  public TargetTimes since(TargetTimes earlier) {
    double[] p = new double[PHASES.length];
    long[] c = new long[PHASES.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = phaseSeconds[i] - earlier.phaseSeconds[i];
      c[i] = phaseCommands[i] - earlier.phaseCommands[i];
    }
    return new TargetTimes(commands - earlier.commands, totalSeconds - earlier.totalSeconds, c, p);
  }

  /**
   * The run's latency taken apart, in mean microseconds per command: the host's end-to-end time,
   * the target's, each target phase (its mean over the commands sampled for it), and the rest
   * (fabric and host).
   */
  public Breakdown breakdown(double hostMeanUs) {
    double target = totalSeconds / Math.max(commands, 1) * 1e6;
    return new Breakdown(
        commands,
        hostMeanUs,
        target,
        phaseMeanUs(0),
        phaseMeanUs(1),
        phaseMeanUs(2),
        hostMeanUs - target);
  }

  private double phaseMeanUs(int phase) {
    return phaseSeconds[phase] / Math.max(phaseCommands[phase], 1) * 1e6;
  }

  /** Mean microseconds per command, host and target. */
  public record Breakdown(
      long targetCommands,
      double hostUs,
      double targetUs,
      double receiveUs,
      double backendUs,
      double respondUs,
      double fabricAndHostUs) {
    public String human() {
      return String.format(
          java.util.Locale.ROOT,
          "mean latency (us): host %.1f = fabric+host %.1f + target %.1f"
              + " (receive %.1f, backend %.1f, respond %.1f; %d commands)",
          hostUs,
          fabricAndHostUs,
          targetUs,
          receiveUs,
          backendUs,
          respondUs,
          targetCommands);
    }
  }
}
