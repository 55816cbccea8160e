package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The secure defaults with real processes and a real address beyond loopback: namespace A's end of
 * a veth pair the test creates ({@link NetnsLink}), with clients in namespace B.
 *
 * <ol>
 *   <li>A node whose store holds a volume open to any host refuses to start on A's address, naming
 *       the volume and the fix (the volume was created while it ran on loopback, where that is
 *       allowed).
 *   <li>A node with its admin API on A's address and no TLS refuses to start.
 *   <li>With TLS (and the token it generates), B's unauthenticated call is refused with 401, the
 *       token gets through, a volume open to any host is refused over the API, and the audit log
 *       holds the mutating calls with B's address and no secret.
 * </ol>
 *
 * Logs in weft-interop/target/interop-logs/secure-defaults-*.
 */
@Tag("interop")
class SecureDefaultsInteropTest {
  static final String A = NetnsLink.ADDRESS_A;
  static final String B = NetnsLink.ADDRESS_B;
  static final String HOST_NQN = "nqn.2014-08.io.weft:secure-defaults-host";

  private NetnsWeft weft;
  private NetnsLink link;
  private Path work;
  private Path pki;

  @Test
  void beyondLoopbackNoDoorIsLeftOpen() throws Exception {
    Path logs = Interop.newRunLogDir("secure-defaults");
    work = Interop.newWorkDir("secure-defaults");
    Path jar = Files.copy(Interop.weftJar(), work.resolve("weft.jar"));
    pki = makePki(work.resolve("pki"));
    System.out.println("secure defaults: logs in " + logs);
    try (NetnsLink created = NetnsLink.create("weft-secure")) {
      link = created;
      weft = new NetnsWeft(link, logs, work, jar);
      try {
        anOpenVolumeKeepsTheNodeOnLoopback();
        aPlainAdminApiBeyondLoopbackIsRefused();
        theLockedAdminApiRefusesAnUnauthenticatedCall();
      } catch (Exception | Error e) {
        throw new AssertionError(
            e.getMessage()
                + System.lineSeparator()
                + weft.tails("open-loopback", "open-beyond", "plain-admin", "locked"),
            e);
      } finally {
        weft.close();
      }
    }
  }

  private void anOpenVolumeKeepsTheNodeOnLoopback() throws Exception {
    String dataDir = work.resolve("n-open").toString();
    Process onLoopback =
        weft.start(
            link.a(),
            "open-loopback",
            node(dataDir, "127.0.0.1:4420", "127.0.0.1:9420").toArray(String[]::new));
    weft.awaitRunning(onLoopback, "open-loopback");
    Interop.CommandResult created =
        weft.cli(
            link.a(),
            "volume",
            "create",
            "--name",
            "open",
            "--size",
            "16M",
            "--replicas",
            "1",
            "--admin",
            "127.0.0.1:9420");
    assertTrue(created.ok(), "on loopback a volume may be open: " + created.output());
    weft.stop(onLoopback);

    Process beyond =
        weft.start(
            link.a(),
            "open-beyond",
            node(dataDir, A + ":4420", "127.0.0.1:9420").toArray(String[]::new));
    assertNotEquals(0, weft.awaitExit(beyond, "open-beyond"));
    assertTrue(
        weft.log("open-beyond")
            .contains(
                "listener "
                    + A
                    + ":4420 is not loopback and subsystem nqn.2026-11.io.weft:vol:open allows"
                    + " any host: set its hosts (weft volume set-hosts open --allow-host NQN)"),
        weft.log("open-beyond"));
  }

  private void aPlainAdminApiBeyondLoopbackIsRefused() throws Exception {
    Process plain =
        weft.start(
            link.a(),
            "plain-admin",
            node(work.resolve("n-plain").toString(), A + ":4420", A + ":9420")
                .toArray(String[]::new));
    assertNotEquals(0, weft.awaitExit(plain, "plain-admin"));
    assertTrue(
        weft.log("plain-admin").contains("admin API " + A + ":9420 is not loopback and has no TLS"),
        weft.log("plain-admin"));
  }

  private void theLockedAdminApiRefusesAnUnauthenticatedCall() throws Exception {
    Path dataDir = work.resolve("n-locked");
    List<String> args =
        new java.util.ArrayList<>(node(dataDir.toString(), A + ":4420", A + ":9420"));
    args.addAll(
        List.of(
            "--admin-tls-cert",
            pki.resolve("server.pem").toString(),
            "--admin-tls-key",
            pki.resolve("server.key").toString()));
    Process locked = weft.start(link.a(), "locked", args.toArray(String[]::new));
    weft.awaitRunning(locked, "locked");
    Path token = dataDir.resolve("admin.token");
    assertTrue(
        weft.log("locked").contains("admin API   https://" + A + ":9420/v1/health (bearer token"),
        weft.log("locked"));
    String admin = "https://" + A + ":9420";
    String ca = pki.resolve("ca.pem").toString();

    Interop.CommandResult anonymous = weft.cli(link.b(), "nodes", "--admin", admin, "--cacert", ca);
    assertFalse(anonymous.ok(), anonymous.output());
    assertTrue(anonymous.output().contains("missing bearer token"), anonymous.output());
    assertTrue(anonymous.output().contains("(HTTP 401)"), anonymous.output());

    Interop.CommandResult plain =
        weft.cli(link.b(), "nodes", "--admin", A + ":9420", "--token", "@" + token);
    assertFalse(plain.ok(), "plain HTTP gets nothing: " + plain.output());

    Interop.CommandResult nodes =
        weft.cli(link.b(), "nodes", "--admin", admin, "--cacert", ca, "--token", "@" + token);
    assertTrue(nodes.ok(), nodes.output());
    assertTrue(nodes.output().contains("n1"), nodes.output());

    List<String> create =
        List.of(
            "volume",
            "create",
            "--name",
            "db",
            "--size",
            "16M",
            "--replicas",
            "1",
            "--admin",
            admin,
            "--cacert",
            ca,
            "--token",
            "@" + token);
    Interop.CommandResult open = weft.cli(link.b(), create.toArray(String[]::new));
    assertFalse(open.ok(), open.output());
    assertTrue(open.output().contains("would let any host connect"), open.output());
    List<String> zoned = new java.util.ArrayList<>(create);
    zoned.addAll(List.of("--allow-host", HOST_NQN));
    Interop.CommandResult ok = weft.cli(link.b(), zoned.toArray(String[]::new));
    assertTrue(ok.ok(), ok.output());
    weft.stop(locked);

    ObjectMapper json = new ObjectMapper();
    List<String> lines = Files.readAllLines(dataDir.resolve("audit.log"));
    assertEquals(2, lines.size(), "two POSTs, no GET: " + lines);
    JsonNode refused = json.readTree(lines.get(0));
    JsonNode createdLine = json.readTree(lines.get(1));
    assertEquals("POST", refused.get("method").asText());
    assertEquals("/v1/volumes", refused.get("path").asText());
    assertEquals(409, refused.get("status").asInt());
    assertEquals(201, createdLine.get("status").asInt());
    assertEquals(B, createdLine.get("remote").asText());
    assertTrue(createdLine.get("who").asText().startsWith("token sha256:"), lines.get(1));
    String secret = Files.readString(token).strip();
    assertFalse(String.join("\n", lines).contains(secret), "no token in the audit log");
    assertFalse(String.join("\n", lines).contains(HOST_NQN), "no request body in the audit log");
  }

  private static List<String> node(String dataDir, String listen, String admin) {
    return List.of(
        "node",
        "--id",
        "n1",
        "--zone",
        "z1",
        "--listen",
        listen,
        "--admin",
        admin,
        "--spin-us",
        "0",
        "--data-dir",
        dataDir);
  }

  /** The test PKI of weft-target's TLS tests, with A's address in the server certificate. */
  private static Path makePki(Path dir) {
    Path script = Interop.repoRoot().resolve("weft-target/src/test/tls/make-test-pki.sh");
    Interop.CommandResult made =
        Interop.run(List.of("sh", script.toString(), dir.toString(), "IP:" + A), 60);
    if (!made.ok()) {
      Interop.cannotRun("cannot make the test PKI (openssl needed): " + made.oneLine());
    }
    return dir;
  }
}
