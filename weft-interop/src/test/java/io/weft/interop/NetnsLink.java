package io.weft.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A link of the test's own: two network namespaces joined by a veth pair, with an IPv4 address on
 * each end, so servers (and mDNS, which binds UDP port 5353 on every address) run where nothing
 * else on the machine can see or disturb them. Names are unique per run; {@link #close} deletes
 * both namespaces (and with them the pair), and a shutdown hook does if the JVM stops first. Needs
 * root and iproute2's {@code ip}; without them the suite cannot run ({@link Interop#cannotRun}).
 */
final class NetnsLink implements AutoCloseable {
  /** The address of namespace A's end of the link. */
  static final String ADDRESS_A = "10.77.0.1";

  /** The address of namespace B's end of the link. */
  static final String ADDRESS_B = "10.77.0.2";

  private final String ip;
  private final String a;
  private final String b;
  private final Thread cleanupAtExit;
  private final AtomicBoolean deleted = new AtomicBoolean();

  private NetnsLink(String ip, String a, String b) {
    this.ip = ip;
    this.a = a;
    this.b = b;
    this.cleanupAtExit = new Thread(this::delete, "netns-cleanup");
  }

  /** Creates the namespaces and the link, both ends up; {@code name} goes into their names. */
  static NetnsLink create(String name) {
    String ip = findIp();
    String suffix = Long.toHexString(ProcessHandle.current().pid()) + "-" + randomHex(4);
    NetnsLink link = new NetnsLink(ip, name + "-" + suffix + "-a", name + "-" + suffix + "-b");
    Interop.CommandResult first = Interop.run(List.of(ip, "netns", "add", link.a), 10);
    if (!first.ok()) {
      Interop.cannotRun("cannot create a network namespace (root needed): " + first.oneLine());
    }
    Runtime.getRuntime().addShutdownHook(link.cleanupAtExit);
    try {
      // Interface names are at most 15 bytes, and these exist only inside the namespaces.
      String veth = "wv" + randomHex(6);
      link.ip("netns", "add", link.b);
      link.ip(
          "link",
          "add",
          veth + "a",
          "netns",
          link.a,
          "type",
          "veth",
          "peer",
          "name",
          veth + "b",
          "netns",
          link.b);
      link.ip("-n", link.a, "addr", "add", ADDRESS_A + "/24", "dev", veth + "a");
      link.ip("-n", link.b, "addr", "add", ADDRESS_B + "/24", "dev", veth + "b");
      for (String[] end : new String[][] {{link.a, veth + "a"}, {link.b, veth + "b"}}) {
        link.ip("-n", end[0], "link", "set", "lo", "up");
        link.ip("-n", end[0], "link", "set", end[1], "up");
      }
    } catch (RuntimeException | Error e) {
      link.close();
      throw e;
    }
    return link;
  }

  /** Namespace A's name. */
  String a() {
    return a;
  }

  /** Namespace B's name. */
  String b() {
    return b;
  }

  /** {@code command} run inside namespace {@code ns} ({@code ip netns exec} execs it: same pid). */
  List<String> inside(String ns, List<String> command) {
    List<String> out = new ArrayList<>(List.of(ip, "netns", "exec", ns));
    out.addAll(command);
    return out;
  }

  private void ip(String... args) {
    List<String> command = new ArrayList<>(List.of(ip));
    command.addAll(List.of(args));
    Interop.CommandResult r = Interop.run(command, 10);
    if (!r.ok()) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + r.oneLine());
    }
  }

  /** Deletes both namespaces; the veth pair goes with them. Stop their processes first. */
  @Override
  public void close() {
    delete();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupAtExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs or ran
    }
  }

  private void delete() {
    if (deleted.compareAndSet(false, true)) {
      for (String ns : List.of(a, b)) {
        Interop.run(List.of(ip, "netns", "del", ns), 10); // one not created yet: nothing to do
      }
    }
  }

  private static String findIp() {
    for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
      Path p = Path.of(dir, "ip");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    Interop.cannotRun("no ip command (apt-get install iproute2)");
    throw new AssertionError("unreachable");
  }

  private static String randomHex(int digits) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < digits; i++) {
      s.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
    }
    return s.toString();
  }
}
