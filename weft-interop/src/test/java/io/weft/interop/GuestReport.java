package io.weft.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a guest script reported, read from its {@code steps.txt}: lines {@code STEP name
 * PASS|FAIL|SKIP detail}, {@code INFO key value} and a final {@code SUITE DONE failed=N}.
 */
final class GuestReport {
  /** The result of one guest step. */
  record Step(String name, String result, String detail) {
    boolean passed() {
      return result.equals("PASS");
    }

    @Override
    public String toString() {
      return name + " " + result + " " + detail;
    }
  }

  private final Map<String, Step> steps = new LinkedHashMap<>();
  private final Map<String, String> info = new LinkedHashMap<>();
  private final List<String> lines = new ArrayList<>();
  private boolean done;

  static GuestReport read(Path file) throws IOException {
    GuestReport report = new GuestReport();
    if (Files.isRegularFile(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        report.add(line);
      }
    }
    return report;
  }

  private void add(String line) {
    lines.add(line);
    String[] words = line.split(" ", 4);
    if (words.length >= 3 && words[0].equals("STEP")) {
      steps.put(words[1], new Step(words[1], words[2], words.length > 3 ? words[3] : ""));
    } else if (words.length >= 2 && words[0].equals("INFO")) {
      String[] kv = line.split(" ", 3);
      info.put(kv[1], kv.length > 2 ? kv[2] : "");
    } else if (line.startsWith("SUITE DONE")) {
      done = true;
    }
  }

  /** The step, or null if the guest never reported it. */
  /** Every step named was reported and passed; one failure per step that did not. */
  void assertPassed(String... names) {
    org.junit.jupiter.api.Assertions.assertAll(
        java.util.Arrays.stream(names)
            .map(
                n ->
                    () -> {
                      Step s = step(n);
                      org.junit.jupiter.api.Assertions.assertTrue(
                          s != null, "the guest never reported " + n);
                      org.junit.jupiter.api.Assertions.assertEquals(
                          "PASS", s.result(), s.toString());
                    }));
  }

  Step step(String name) {
    return steps.get(name);
  }

  /** An INFO value, or null. */
  String info(String key) {
    return info.get(key);
  }

  /** An INFO value as a number, or -1 if missing or not a number. */
  long infoLong(String key) {
    String v = info.get(key);
    if (v == null) {
      return -1;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  boolean done() {
    return done;
  }

  List<String> lines() {
    return List.copyOf(lines);
  }
}
