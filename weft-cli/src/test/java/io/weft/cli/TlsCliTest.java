package io.weft.cli;

import static io.weft.cli.CliRun.weft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.cli.config.ConfigLoader;
import io.weft.protocol.tls.TlsMode;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.TargetConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** TLS from the command line and the config file, and the host tools connecting with it. */
class TlsCliTest {
  static final String NQN = "nqn.2026-11.io.weft.test:tls-cli";
  static final String HOST = "nqn.2014-08.org.nvmexpress:uuid:0c7f3c1e-5d1b-4c8e-9a55-3b2f0a1d6e01";
  static final String HOST_ID = "0c7f3c1e-5d1b-4c8e-9a55-3b2f0a1d6e01";
  // Printed by nvme-cli 2.3's nvme gen-tls-key -m 1 (and accepted by nvme check-tls-key).
  static final String KEY = "NVMeTLSkey-1:01:KA36nqe/zujq09b8ySlzUI5AZFGCwH11/J3o6/6rszmdQ9q8:";
  static final String OTHER_KEY =
      "NVMeTLSkey-1:01:VRLbtnN9AQb2WXW3c9+wEf/DRLz0QuLdbYvEhwtdWwNf9LrZ:";

  @TempDir Path dir;

  private TargetConfig config(String... args) throws Exception {
    TargetCommand command = new TargetCommand();
    new CommandLine(command).parseArgs(args);
    return command.buildConfig(dir);
  }

  private CliRun host(int port, String command, String... more) {
    String[] base = {
      command,
      "--traddr",
      "127.0.0.1",
      "--trsvcid",
      Integer.toString(port),
      "--hostnqn",
      HOST,
      "--hostid",
      HOST_ID
    };
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return weft(all);
  }

  @Test
  void pskListenerFromFlagsAndHostToolsWithTlsKey() throws Exception {
    Path keyFile = dir.resolve("host.key");
    Files.writeString(keyFile, KEY + "\n");
    TargetConfig c =
        config(
            "--listen", "127.0.0.1:0,tls=psk",
            "--tls-key", HOST + "=@" + keyFile,
            "--nqn", NQN,
            "--memory", "16M",
            "--admin", "none");
    ListenerConfig l = c.listeners().get(0);
    assertEquals(TlsMode.PSK, l.tls());
    assertEquals(1, l.credentials().psk().fingerprints().size());
    try (Target t = Target.start(c)) {
      int port = t.listenAddresses().get(0).getPort();
      CliRun ok = host(port, "connect-check", "--nqn", NQN, "--tls", "--tls-key", KEY);
      assertEquals(0, ok.code(), ok.err());

      CliRun disc = host(port, "discover", "--tls-key", "@" + keyFile);
      assertEquals(0, disc.code(), disc.err());
      assertTrue(disc.out().contains("treq:    required"), disc.out());
      assertTrue(disc.out().contains("sectype: tls13"), disc.out());

      CliRun plain = host(port, "connect-check", "--nqn", NQN);
      assertNotEquals(0, plain.code(), plain.out());
      CliRun wrong = host(port, "connect-check", "--nqn", NQN, "--tls-key", OTHER_KEY);
      assertNotEquals(0, wrong.code(), wrong.out());
      assertTrue(wrong.err().contains("TLS"), wrong.err());

      CliRun noKey = host(port, "connect-check", "--nqn", NQN, "--tls");
      assertNotEquals(0, noKey.code());
      assertTrue(noKey.err().contains("--tls needs --tls-key"), noKey.err());
    }
  }

  @Test
  void listenerOptionsAreChecked() {
    assertThrows(
        CommandLine.ParameterException.class,
        () -> config("--listen", "127.0.0.1:0,tls=maybe", "--nqn", NQN, "--memory", "1M"));
    assertThrows(
        CommandLine.ParameterException.class,
        () ->
            config(
                "--listen",
                "127.0.0.1:0,tls=psk",
                "--tls-key",
                HOST + "=NVMeTLSkey-1:01:broken:",
                "--nqn",
                NQN,
                "--memory",
                "1M"));
  }

  @Test
  void pskListenerWithoutKeysDoesNotStart() throws Exception {
    TargetConfig c =
        config(
            "--listen", "127.0.0.1:0,tls=psk", "--nqn", NQN, "--memory", "1M", "--admin", "none");
    Exception e = assertThrows(Exception.class, () -> Target.start(c).close());
    assertTrue(String.valueOf(e.getMessage()).contains("--tls-key"), e.getMessage());
  }

  @Test
  void configFileTlsSection() throws Exception {
    Path keyFile = dir.resolve("k");
    Files.writeString(keyFile, KEY);
    String yaml =
        """
        listeners:
          - listen: 127.0.0.1:0
            tls: psk
          - listen: 127.0.0.1:0
        tls:
          keys:
            "%s": "@k"
          cert: target.pem
          privateKey: target.key
          ca: ca.pem
        subsystems:
          - nqn: %s
            namespaces:
              - memory: 1M
        """
            .formatted(HOST, NQN);
    TargetConfig c = ConfigLoader.parse(yaml, dir, "t.yaml");
    assertEquals(TlsMode.PSK, c.listeners().get(0).tls());
    assertEquals(TlsMode.NONE, c.listeners().get(1).tls());
    assertEquals(
        Map.of(HOST, io.weft.protocol.tls.ConfiguredPsk.parse(KEY).fingerprint()),
        c.listeners().get(0).credentials().psk().fingerprints());
    assertEquals(dir.resolve("ca.pem"), c.listeners().get(0).credentials().certs().trustedCa());
  }
}
