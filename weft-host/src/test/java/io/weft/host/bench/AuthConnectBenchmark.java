package io.weft.host.bench;

import io.weft.host.ConnectOptions;
import io.weft.host.HostController;
import io.weft.protocol.auth.DhGroup;
import io.weft.protocol.auth.DhchapHash;
import io.weft.protocol.auth.DhchapSecret;
import io.weft.protocol.auth.FfdheKeyPair;
import io.weft.tgt.Target;
import io.weft.tgt.config.DhchapKeys;
import io.weft.tgt.config.DhchapPolicy;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What DH-HMAC-CHAP adds to a connect: the Java host connects a controller (admin queue and one I/O
 * queue, as a discovery-then-connect host does) to a Weft target on loopback, without
 * authentication and with each DH group, one-way and two-way, rounds interleaved so that the
 * machine's noise falls on every case alike. In the same run, the floor that the protocol cannot
 * beat: one exponentiation pair (key generation and shared secret) per group, of which a two-queue
 * connect needs four in sequence (each queue: the target's, then the host's).
 *
 * <p>Run by {@code bench/auth-connect} (tag "bench", never by the suites); writes a markdown
 * section to {@code -Dweft.bench.out}.
 */
@Tag("bench")
class AuthConnectBenchmark {
  static final int ROUNDS = Integer.getInteger("weft.bench.rounds", 20);
  static final int WARMUP = Integer.getInteger("weft.bench.warmup", 3);
  static final String NQN = "nqn.2026-12.io.weft.bench:auth";
  static final String HOST = "nqn.2026-12.io.weft.bench:host";

  record Case(String name, DhGroup group, boolean bidirectional) {}

  @Test
  void authenticatedConnect() throws Exception {
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("no authentication", null, false));
    for (DhGroup g : DhGroup.values()) {
      cases.add(new Case(g.name().toLowerCase() + ", one-way", g, false));
    }
    cases.add(new Case("ffdhe2048, two-way", DhGroup.FFDHE2048, true));
    SecureRandom random = new SecureRandom();
    byte[] k = new byte[32];
    random.nextBytes(k);
    DhchapSecret hostKey = new DhchapSecret(DhchapHash.SHA_256, k);
    random.nextBytes(k);
    DhchapSecret ctrlKey = new DhchapSecret(DhchapHash.SHA_256, k);
    Path dir = Files.createTempDirectory("weft-auth-bench");
    Map<String, List<Long>> times = new LinkedHashMap<>();
    Map<DhGroup, List<Long>> floors = new LinkedHashMap<>();
    // One target per group (the group is the target's choice); the plain case uses its own.
    Map<DhGroup, Target> targets = new LinkedHashMap<>();
    Target plain = start(dir.resolve("plain"), null, null);
    try {
      for (DhGroup g : DhGroup.values()) {
        targets.put(
            g,
            start(
                dir.resolve(g.name()),
                new DhchapPolicy(List.of(DhchapHash.SHA_256), List.of(g)),
                new DhchapKeys(hostKey, ctrlKey)));
      }
      for (int round = -WARMUP; round < ROUNDS; round++) {
        for (Case c : cases) {
          Target t = c.group() == null ? plain : targets.get(c.group());
          ConnectOptions o =
              ConnectOptions.defaults("127.0.0.1", t.listenAddresses().get(0).getPort(), NQN)
                  .withHost(HOST, UUID.nameUUIDFromBytes(HOST.getBytes()))
                  .withQueues(1, 32)
                  .withTimeouts(5, 0, 1, -1);
          if (c.group() != null) {
            o = o.withDhchap(hostKey, c.bidirectional() ? ctrlKey : null);
          }
          long t0 = System.nanoTime();
          try (HostController ctrl = HostController.connect(o)) {
            long elapsed = System.nanoTime() - t0;
            if (round >= 0) {
              times.computeIfAbsent(c.name(), x -> new ArrayList<>()).add(elapsed);
            }
          }
        }
        for (DhGroup g : DhGroup.values()) {
          if (g == DhGroup.NULL) {
            continue;
          }
          long t0 = System.nanoTime();
          FfdheKeyPair a = FfdheKeyPair.generate(g, random);
          FfdheKeyPair b = FfdheKeyPair.generate(g, random);
          a.sharedSecret(b.publicValue(), 0);
          long pair = (System.nanoTime() - t0) / 2;
          if (round >= 0) {
            floors.computeIfAbsent(g, x -> new ArrayList<>()).add(pair);
          }
        }
      }
    } finally {
      plain.close();
      targets.values().forEach(Target::close);
    }
    Files.writeString(
        Path.of(System.getProperty("weft.bench.out", "auth-connect.md")),
        report(cases, times, floors));
  }

  private static String report(
      List<Case> cases, Map<String, List<Long>> times, Map<DhGroup, List<Long>> floors) {
    double plain = median(times.get("no authentication"));
    StringBuilder out = new StringBuilder();
    out.append("| connect (admin + 1 I/O queue), SHA-256 | median ms | p90 ms | × no auth |")
        .append(" DH floor ms (4 × keygen + Z) |\n|---|---|---|---|---|\n");
    for (Case c : cases) {
      List<Long> t = times.get(c.name());
      String floor = "–";
      if (c.group() != null && c.group() != DhGroup.NULL) {
        floor = String.format("%.1f", 4 * median(floors.get(c.group())) / 1e6);
      }
      out.append(
          String.format(
              "| %s | %.1f | %.1f | %.2f | %s |%n",
              c.name(), median(t) / 1e6, percentile(t, 0.9) / 1e6, median(t) / plain, floor));
    }
    return out.toString();
  }

  static double median(List<Long> v) {
    return percentile(v, 0.5);
  }

  static double percentile(List<Long> v, double p) {
    List<Long> s = new ArrayList<>(v);
    s.sort(null);
    return s.get(Math.min(s.size() - 1, (int) Math.floor(p * s.size())));
  }

  private static Target start(Path dir, DhchapPolicy policy, DhchapKeys keys) throws Exception {
    return Target.start(
        new TargetConfig(
            dir,
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(
                new SubsystemConfig(
                    NQN,
                    "BENCH",
                    "Weft",
                    null,
                    List.of(HOST),
                    List.of(NamespaceConfig.memory(1, 1 << 20)),
                    keys == null ? Map.of() : Map.of(HOST, keys))),
            null,
            TuningConfig.defaults().withSpinNanos(0),
            policy));
  }
}
