package io.weft.cli;

import static io.weft.cli.CliRun.weft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.cli.config.ConfigException;
import io.weft.cli.config.ConfigLoader;
import io.weft.protocol.auth.DhGroup;
import io.weft.protocol.auth.DhchapHash;
import io.weft.protocol.auth.DhchapSecret;
import io.weft.tgt.Target;
import io.weft.tgt.config.DhchapKeys;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * DH-HMAC-CHAP as users give it: {@code --allow-host NQN,dhchap-secret=KEY}, hash and group lists,
 * the discovery service's hosts, the YAML form, and {@code weft host} against a running target.
 * Errors name the problem and never print a key.
 */
class AuthenticationFlagsTest {
  static final String NQN = "nqn.2026-12.io.weft:auth-cli";
  static final String H1 = "nqn.2014-08.org.example:h1";
  static final String H2 = "nqn.2014-08.org.example:h2";

  @TempDir Path dir;

  static String key(int seed, DhchapHash transform, int length) {
    byte[] k = new byte[length];
    new Random(seed).nextBytes(k);
    return new DhchapSecret(transform, k).format();
  }

  static final String K1 = key(1, DhchapHash.SHA_256, 32);
  static final String C1 = key(2, DhchapHash.SHA_384, 48);
  static final String K2 = key(3, null, 64);

  private TargetConfig config(String... args) throws ConfigException {
    TargetCommand command = new TargetCommand();
    new CommandLine(command).parseArgs(args);
    return command.buildConfig(dir);
  }

  private String usageError(String... args) {
    return assertThrows(CommandLine.ParameterException.class, () -> config(args)).getMessage();
  }

  @Test
  void allowHostTakesSecretsAsTextOrFile() throws Exception {
    Files.writeString(dir.resolve("c1.key"), C1 + "\n");
    TargetConfig c =
        config(
            "--nqn",
            NQN,
            "--memory",
            "1M",
            "--allow-host",
            H1 + ",dhchap-secret=" + K1 + ",dhchap-ctrl-secret=@c1.key",
            "--allow-host",
            H2);
    SubsystemConfig s = c.subsystems().get(0);
    assertEquals(List.of(H1, H2), s.allowedHosts());
    assertEquals(
        Map.of(H1, new DhchapKeys(DhchapSecret.parse(K1), DhchapSecret.parse(C1))), s.dhchapKeys());
  }

  @Test
  void badSecretsAreUsageErrorsThatNeverShowTheKey() {
    String corrupt = K1.substring(0, 20) + (K1.charAt(20) == 'A' ? 'B' : 'A') + K1.substring(21);
    String e = usageError("--nqn", NQN, "--allow-host", H1 + ",dhchap-secret=" + corrupt);
    assertTrue(e.contains("dhchap-secret of " + H1), e);
    assertFalse(e.contains(corrupt.substring(10, 30)), "the key leaked into: " + e);
    assertTrue(
        usageError("--nqn", NQN, "--allow-host", H1 + ",dhchap-ctrl-secret=" + C1)
            .contains("needs dhchap-secret"));
    assertTrue(
        usageError("--nqn", NQN, "--allow-host", H1 + ",secret=" + K1)
            .contains("unknown setting 'secret'"));
    assertTrue(
        usageError("--nqn", NQN, "--allow-host", H1 + ",dhchap-secret=@missing.key")
            .contains("does not exist or is not readable"));
    assertTrue(
        usageError("--nqn", NQN, "--allow-host", H1 + ",dhchap-secret=env:WEFT_NO_SUCH_VARIABLE")
            .contains("WEFT_NO_SUCH_VARIABLE (the dhchap-secret of " + H1 + ") is not set"));
  }

  @Test
  void hashAndGroupListsSetThePreferenceOrder() throws Exception {
    TargetConfig c = config("--dhchap-hash", "hmac(sha512),sha256", "--dhchap-dhgroup", "null");
    assertEquals(List.of(DhchapHash.SHA_512, DhchapHash.SHA_256), c.dhchap().hashes());
    assertEquals(List.of(DhGroup.NULL), c.dhchap().groups());
    assertTrue(usageError("--dhchap-hash", "md5").contains("unknown DH-HMAC-CHAP hash 'md5'"));
    assertTrue(usageError("--dhchap-dhgroup", "ffdhe1024").contains("unknown DH group"));
  }

  @Test
  void discoveryHostsNeedASecret() throws Exception {
    TargetConfig c = config("--discovery-host", H1 + ",dhchap-secret=" + K1);
    assertEquals(Map.of(H1, new DhchapKeys(DhchapSecret.parse(K1), null)), c.discoveryDhchapKeys());
    assertTrue(usageError("--discovery-host", H1).contains("needs dhchap-secret"));
  }

  @Test
  void theYamlFormReadsSecretsNextToTheFile() throws Exception {
    Files.writeString(dir.resolve("h1.key"), K1);
    String yaml =
        """
        listeners: [{listen: 127.0.0.1:4420}]
        authentication:
          dhchapHashes: [sha384]
          dhchapDhgroups: [ffdhe4096, null]
          discovery:
            %s: {secret: "%s"}
        subsystems:
          - nqn: %s
            allowedHosts: [%s]
            dhchap:
              %s: {secret: "@h1.key", ctrlSecret: "%s"}
            namespaces: [{memory: 1M}]
        """
            .formatted(H2, K2, NQN, H1, H1, C1);
    TargetConfig c = ConfigLoader.parse(yaml, dir, "t.yaml");
    assertEquals(List.of(DhchapHash.SHA_384), c.dhchap().hashes());
    assertEquals(List.of(DhGroup.FFDHE4096, DhGroup.NULL), c.dhchap().groups());
    assertEquals(
        new DhchapKeys(DhchapSecret.parse(K1), DhchapSecret.parse(C1)),
        c.subsystems().get(0).dhchapKeys().get(H1));
    assertEquals(DhchapSecret.parse(K2), c.discoveryDhchapKeys().get(H2).host());
    String notAllowed =
        assertThrows(
                ConfigException.class,
                () ->
                    ConfigLoader.parse(
                        yaml.replace("allowedHosts: [" + H1 + "]", "allowedHosts: []"),
                        dir,
                        "t.yaml"))
            .getMessage();
    assertTrue(notAllowed.contains("not in allowedHosts"), notAllowed);
  }

  @Test
  void hostCommandsShowFingerprintsNeverKeys() throws Exception {
    try (Target t =
        Target.start(
            new TargetConfig(
                dir,
                List.of(ListenerConfig.of("127.0.0.1", 0)),
                List.of(
                    new SubsystemConfig(
                        NQN,
                        null,
                        null,
                        null,
                        List.of(H1),
                        List.of(NamespaceConfig.memory(1, 1 << 20)),
                        Map.of(H1, new DhchapKeys(DhchapSecret.parse(K1), null)))),
                "127.0.0.1:0",
                TuningConfig.defaults().withSpinNanos(0)))) {
      String admin = "127.0.0.1:" + t.adminAddress().getPort();
      String fp1 = DhchapSecret.parse(K1).fingerprint();
      CliRun list = weft("host", "list", "--admin", admin, "--nqn", NQN);
      assertEquals(0, list.code(), list.err());
      assertTrue(list.out().contains(H1) && list.out().contains(fp1), list.out());

      Files.writeString(dir.resolve("k2.key"), K2);
      CliRun add =
          weft(
              "host",
              "add",
              "--admin",
              admin,
              "--nqn",
              NQN,
              H2,
              "--dhchap-secret",
              "@" + dir.resolve("k2.key"));
      assertEquals(0, add.code(), add.err());
      assertTrue(add.out().contains(DhchapSecret.parse(K2).fingerprint()), add.out());

      CliRun rotate =
          weft(
              "host",
              "rotate-key",
              "--admin",
              admin,
              "--nqn",
              NQN,
              H1,
              "--dhchap-secret",
              C1,
              "--grace",
              "30");
      assertEquals(0, rotate.code(), rotate.err());
      assertTrue(rotate.out().contains("old key " + fp1 + " accepted until"), rotate.out());

      CliRun json = weft("host", "list", "--admin", admin, "--nqn", NQN, "-o", "json");
      for (String k : List.of(K1, K2, C1)) {
        String body = k.substring(10, 40);
        assertFalse(json.out().contains(body), "a key in the API's answer: " + json.out());
      }
      assertTrue(json.out().contains("previousAcceptedUntil"), json.out());

      CliRun remove = weft("host", "remove", "--admin", admin, "--nqn", NQN, H2);
      assertEquals(0, remove.code(), remove.err());
      assertEquals(List.of(H1), t.hosts(NQN).stream().map(io.weft.tgt.HostInfo::nqn).toList());
      CliRun missing = weft("host", "remove", "--admin", admin, "--nqn", NQN, H2);
      assertEquals(1, missing.code());
      assertTrue(missing.err().contains("is not on"), missing.err());
      CliRun noKey = weft("host", "rotate-key", "--admin", admin, "--nqn", NQN, H1, "--grace", "1");
      assertEquals(2, noKey.code(), noKey.err());
      assertNull(t.hosts(NQN).get(0).dhchapCtrlKey());
    }
  }
}
