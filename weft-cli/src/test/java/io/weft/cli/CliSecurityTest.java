package io.weft.cli;

import static io.weft.cli.CliRun.weft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.cli.config.ConfigLoader;
import io.weft.tgt.Target;
import io.weft.tgt.config.AdminSecurityConfig;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SecurityConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Secure defaults from the command line: a target beyond loopback with an open door does not start
 * (refused before binding: 192.0.2.10 is on no interface here), and the management commands talk to
 * a locked admin API with a token over TLS.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliSecurityTest {
  private static final String NQN = "nqn.2026-11.io.weft.test:cli-security";
  private static final String TOKEN = "cli-test-token-9f8e7d6c5b4a";

  @TempDir static Path dir;
  private Path pki;
  private Path tokenFile;
  private Target target;
  private String https;

  @BeforeAll
  void start() throws Exception {
    pki = dir.resolve("pki");
    // The same throw-away PKI as weft-target's TLS tests (fresh keys each run; needs openssl).
    Process p =
        new ProcessBuilder("sh", "../weft-target/src/test/tls/make-test-pki.sh", pki.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "making the test PKI (is openssl installed?): " + output);
    tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    target =
        Target.start(
            new TargetConfig(
                    dir.resolve("data"),
                    List.of(ListenerConfig.of("127.0.0.1", 0)),
                    List.of(
                        new SubsystemConfig(
                            NQN,
                            null,
                            null,
                            null,
                            List.of(),
                            List.of(NamespaceConfig.memory(1, 1 << 20)))),
                    "127.0.0.1:0",
                    TuningConfig.defaults().withSpinNanos(0))
                .withSecurity(
                    SecurityConfig.defaults()
                        .withAdmin(
                            new AdminSecurityConfig(
                                pki.resolve("server.pem").toString(),
                                pki.resolve("server.key").toString(),
                                "@" + tokenFile,
                                null))));
    https = "https://127.0.0.1:" + target.adminAddress().getPort();
  }

  @AfterAll
  void stop() {
    if (target != null) {
      target.close();
    }
  }

  @Test
  void aTargetBeyondLoopbackWithAnOpenSubsystemDoesNotStart() {
    CliRun run =
        weft(
            "target",
            "--listen",
            "192.0.2.10:4420",
            "--memory",
            "1M",
            "--admin",
            "none",
            "--data-dir",
            dir.resolve("refused").toString());
    assertEquals(ExitCodes.FAILED, run.code());
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(
        run.err()
            .contains(
                "listener 192.0.2.10:4420 is not loopback and subsystem nqn.2026-11.io.weft:vol0"
                    + " allows any host: add --allow-host NQN"),
        run.err());
  }

  @Test
  void anAdminApiBeyondLoopbackNeedsTls() {
    CliRun run =
        weft(
            "target",
            "--listen",
            "127.0.0.1:0",
            "--memory",
            "1M",
            "--admin",
            "192.0.2.10:9420",
            "--data-dir",
            dir.resolve("refused").toString());
    assertEquals(ExitCodes.FAILED, run.code());
    assertTrue(
        run.err().contains("admin API 192.0.2.10:9420 is not loopback and has no TLS"), run.err());
  }

  @Test
  void theCliSendsTheTokenAndTrustsTheGivenCa() {
    String ca = pki.resolve("ca.pem").toString();
    CliRun ok = weft("ns", "list", "--admin", https, "--cacert", ca, "--token", "@" + tokenFile);
    assertEquals(0, ok.code(), ok.err());
    assertTrue(ok.out().startsWith(NQN), ok.out());

    CliRun none = weft("ns", "list", "--admin", https, "--cacert", ca);
    assertEquals(ExitCodes.FAILED, none.code());
    assertTrue(none.err().contains("missing bearer token"), none.err());
    assertTrue(none.err().contains("(HTTP 401)"), none.err());

    Path wrong = dir.resolve("wrong-token");
    CliRun bad =
        weft("ns", "list", "--admin", https, "--cacert", ca, "--token", "@" + write(wrong, "nope"));
    assertEquals(ExitCodes.FAILED, bad.code());
    assertTrue(bad.err().contains("wrong bearer token (HTTP 401)"), bad.err());
  }

  @Test
  void aTokenIsNeverTakenLiterally() {
    CliRun literal =
        weft(
            "ns",
            "list",
            "--admin",
            https,
            "--cacert",
            pki.resolve("ca.pem").toString(),
            "--token",
            TOKEN);
    assertEquals(ExitCodes.USAGE, literal.code());
    assertTrue(literal.err().contains("never given literally"), literal.err());
    assertFalse(literal.err().contains(TOKEN), "the error does not echo it");
  }

  @Test
  void anUntrustedOrPlainConnectionIsAClearError() {
    CliRun untrusted =
        weft(
            "ns",
            "list",
            "--admin",
            https,
            "--cacert",
            pki.resolve("other-ca.pem").toString(),
            "--token",
            "@" + tokenFile);
    assertEquals(ExitCodes.FAILED, untrusted.code());
    assertTrue(untrusted.err().contains("TLS with the admin API"), untrusted.err());

    CliRun plain =
        weft(
            "ns",
            "list",
            "--admin",
            "127.0.0.1:" + target.adminAddress().getPort(),
            "--token",
            "@" + tokenFile);
    assertEquals(ExitCodes.FAILED, plain.code());
    assertTrue(plain.err().contains("if it serves HTTPS, give --cacert"), plain.err());
  }

  @Test
  void flagsAndTheConfigFileSetTheSecuritySettings() throws Exception {
    Path yaml =
        write(
            dir.resolve("t.yaml"),
            """
            admin: 127.0.0.1:9420
            listeners: [ { listen: 127.0.0.1:4420 } ]
            subsystems: [ { nqn: nqn.2026-11.io.weft:vol0 } ]
            security:
              allowAnyHostBeyondLoopback: true
              admin: { tlsCert: c.pem, tlsKey: k.pem, token: env:ADMIN_TOKEN, clientCa: ca.pem }
            """);
    SecurityConfig s = ConfigLoader.load(yaml).security();
    assertTrue(s.allowAnyHostBeyondLoopback());
    assertEquals(
        new AdminSecurityConfig(
            dir.resolve("c.pem").toString(),
            dir.resolve("k.pem").toString(),
            "env:ADMIN_TOKEN",
            dir.resolve("ca.pem").toString()),
        s.admin());

    TargetCommand command = new TargetCommand();
    new CommandLine(command)
        .parseArgs(
            "--config",
            yaml.toString(),
            "--admin-token",
            "@/etc/weft/token",
            "--admin-tls-cert",
            "/etc/weft/admin.pem");
    AdminSecurityConfig a = command.buildConfig(dir).security().admin();
    assertEquals("@/etc/weft/token", a.tokenSource());
    assertEquals("/etc/weft/admin.pem", a.tlsCert());
    assertEquals(dir.resolve("k.pem").toString(), a.tlsKey());

    Path literal =
        write(
            dir.resolve("literal.yaml"),
            """
            listeners: [ { listen: 127.0.0.1:4420 } ]
            subsystems: [ { nqn: nqn.2026-11.io.weft:vol0 } ]
            security: { admin: { token: hunter2 } }
            """);
    String error =
        org.junit.jupiter.api.Assertions.assertThrows(
                io.weft.cli.config.ConfigException.class, () -> ConfigLoader.load(literal))
            .getMessage();
    assertTrue(error.contains("security.admin.token: give @FILE or env:VAR"), error);
  }

  @Test
  void theEtcdPasswordIsReadFromAFileOrVariableBeforeAnythingStarts() {
    for (String command : List.of("node", "discovery")) {
      List<String> args = new java.util.ArrayList<>(List.of(command));
      if (command.equals("node")) {
        args.addAll(List.of("--id", "n1"));
      }
      args.addAll(List.of("--data-dir", dir.resolve("store-" + command).toString()));
      args.addAll(List.of("--store", "etcd://127.0.0.1:1", "--store-user", "weft"));

      CliRun alone = weft(args.toArray(String[]::new));
      assertEquals(ExitCodes.USAGE, alone.code(), alone.err());
      assertTrue(
          alone.err().contains("--store-user and --store-password go together"), alone.err());

      args.addAll(List.of("--store-password", "hunter2"));
      CliRun literal = weft(args.toArray(String[]::new));
      assertEquals(ExitCodes.USAGE, literal.code(), literal.err());
      assertTrue(
          literal.err().contains("etcd password is read from @FILE or env:VAR"), literal.err());
      assertFalse(literal.err().contains("hunter2"));
    }
  }

  private static Path write(Path file, String text) {
    try {
      Files.writeString(file, text);
      return file;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
