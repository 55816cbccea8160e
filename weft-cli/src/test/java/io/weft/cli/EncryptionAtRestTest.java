package io.weft.cli;

import static io.weft.cli.CliRun.weft;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.block.atrest.VolumeKeyFile;
import io.weft.block.atrest.WrappingKey;
import io.weft.cli.config.ConfigException;
import io.weft.tgt.Target;
import io.weft.tgt.config.TargetConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Encryption at rest end to end: a target started from {@code weft target} flags, data written and
 * read over NVMe/TCP by the Java host ({@code weft write}, {@code weft read}), the backing file
 * scanned after the target stopped, restarts with the right, a wrong and a rotated key.
 */
class EncryptionAtRestTest {
  private static final String NQN = "nqn.2026-11.io.weft.test:at-rest";
  private static final String HOST_ID = "6a0c4f52-7d2e-4b71-8c13-2f9e5a7b0d44";
  private static final String HOST = "nqn.2014-08.org.nvmexpress:uuid:" + HOST_ID;
  private static final byte[] MARKER =
      "WEFT-AT-REST-MARKER-7f3a9c".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA_SIZE = 1 << 20;

  @TempDir Path dir;

  private Path data() {
    return dir.resolve("data");
  }

  private Path volume() {
    return data().resolve("vol.img");
  }

  /** {@code weft target} with these flags, started in-process on a free loopback port. */
  private Target start(String... flags) throws IOException, ConfigException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--data-dir", data().toString(),
                "--listen", "127.0.0.1:0",
                "--nqn", NQN,
                "--file", "vol.img",
                "--size", "16M",
                "--spin-us", "0"));
    args.addAll(List.of(flags));
    if (!args.contains("--admin")) {
      args.addAll(List.of("--admin", "none"));
    }
    TargetCommand command = new TargetCommand();
    new CommandLine(command).setExpandAtFiles(false).parseArgs(args.toArray(String[]::new));
    TargetConfig config = command.buildConfig(dir);
    return Target.start(config);
  }

  private static CliRun host(Target target, String command, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                command,
                "--traddr",
                "127.0.0.1",
                "--trsvcid",
                Integer.toString(target.listenAddresses().get(0).getPort()),
                "--hostnqn",
                HOST,
                "--hostid",
                HOST_ID,
                "--nqn",
                NQN));
    args.addAll(List.of(more));
    return weft(args.toArray(String[]::new));
  }

  private void write(Target target, byte[] content) throws IOException {
    Path in = dir.resolve("in.bin");
    Files.write(in, content);
    CliRun run =
        host(
            target,
            "write",
            "--start-block",
            "7",
            "--data-size",
            Integer.toString(content.length),
            "--data",
            in.toString());
    assertEquals(0, run.code(), run.err());
  }

  private byte[] read(Target target) throws IOException {
    Path out = dir.resolve("out.bin");
    Files.deleteIfExists(out);
    CliRun run =
        host(
            target,
            "read",
            "--start-block",
            "7",
            "--data-size",
            Integer.toString(DATA_SIZE),
            "--data",
            out.toString());
    assertEquals(0, run.code(), run.err());
    return Files.readAllBytes(out);
  }

  private static byte[] markers() {
    byte[] data = new byte[DATA_SIZE];
    for (int i = 0; i < data.length; i++) {
      data[i] = MARKER[i % MARKER.length];
    }
    return data;
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private Path newKey(String name) {
    Path key = dir.resolve(name);
    CliRun run = weft("at-rest-key", "generate", "--out", key.toString());
    assertEquals(0, run.code(), run.err());
    return key;
  }

  @Test
  void dataWrittenThroughTheTargetIsNotInClearAndSurvivesRotation() throws Exception {
    Path k1 = newKey("k1.key");
    Path k2 = newKey("k2.key");
    byte[] content = markers();
    try (Target target = start("--encrypt", "--at-rest-key", "@" + k1)) {
      write(target, content);
      assertArrayEquals(content, read(target));
    }
    byte[] onDisk = Files.readAllBytes(volume());
    assertFalse(contains(onDisk, MARKER), "the marker is in the backing file in clear");
    assertTrue(Files.exists(VolumeKeyFile.pathFor(volume())));
    String before = sha256(volume());

    // A wrong key: a clear error at start, nothing touched.
    IOException wrong =
        assertThrows(IOException.class, () -> start("--encrypt", "--at-rest-key", "@" + k2));
    assertTrue(wrong.getMessage().contains("fingerprint"), wrong.getMessage());
    // Served as plain, the volume would expose ciphertext: refused too.
    IOException plain = assertThrows(IOException.class, () -> start());
    assertTrue(plain.getMessage().contains("encrypted at rest"), plain.getMessage());
    assertEquals(before, sha256(volume()));

    CliRun rotate =
        weft(
            "at-rest-key",
            "rotate",
            "--data-dir",
            data().toString(),
            "--old",
            "@" + k1,
            "--new",
            "@" + k2);
    assertEquals(0, rotate.code(), rotate.err());
    assertTrue(rotate.out().contains("re-wrapped"), rotate.out());
    assertEquals(before, sha256(volume()), "rotation rewrites no data");

    CliRun list = weft("at-rest-key", "list", "--data-dir", data().toString(), "--key", "@" + k1);
    assertEquals(ExitCodes.FAILED, list.code(), list.out());
    assertTrue(list.out().contains("DOES NOT OPEN"), list.out());

    assertThrows(IOException.class, () -> start("--encrypt", "--at-rest-key", "@" + k1));
    try (Target target = start("--encrypt", "--at-rest-key", "@" + k2)) {
      assertArrayEquals(content, read(target), "every byte readable with the new key");
    }
  }

  @Test
  void theNodeKeyIsTheDefaultAndRotatesInPlace() throws Exception {
    byte[] content = markers();
    try (Target target = start("--encrypt")) {
      write(target, content);
    }
    Path nodeKey = WrappingKey.nodeKeyFile(data());
    assertTrue(Files.exists(nodeKey));
    String oldNodeKey = Files.readString(nodeKey);
    String before = sha256(volume());

    CliRun rotate = weft("at-rest-key", "rotate", "--data-dir", data().toString());
    assertEquals(0, rotate.code(), rotate.err());
    assertFalse(oldNodeKey.equals(Files.readString(nodeKey)), "a new node key");
    assertFalse(Files.exists(data().resolve(AtRestKeyCommand.NEXT_NODE_KEY)));
    assertEquals(before, sha256(volume()));

    Path oldKeyFile = dir.resolve("old-node.key");
    Files.writeString(oldKeyFile, oldNodeKey);
    IOException old =
        assertThrows(
            IOException.class, () -> start("--encrypt", "--at-rest-key", "@" + oldKeyFile));
    assertTrue(old.getMessage().contains("fingerprint"), old.getMessage());
    try (Target target = start("--encrypt")) {
      assertArrayEquals(content, read(target));
    }
  }

  @Test
  void namespacesAddedThroughTheAdminApiCanBeEncryptedAndSaySo() throws Exception {
    try (Target target = start("--admin", "127.0.0.1:0")) {
      String admin = HostPort.of(target.adminAddress()).toString();
      CliRun add =
          weft(
              "ns",
              "add",
              "--admin",
              admin,
              "--nqn",
              NQN,
              "--nsid",
              "2",
              "--file",
              "second.img",
              "--size",
              "4M",
              "--encrypt");
      assertEquals(0, add.code(), add.err());
      assertTrue(add.out().contains("encrypted at rest"), add.out());
      assertTrue(Files.exists(VolumeKeyFile.pathFor(data().resolve("second.img"))));
      CliRun list = weft("ns", "list", "--admin", admin);
      assertTrue(list.out().contains("file (encrypted)"), list.out());
      assertEquals(
          List.of(false, true),
          target.subsystems().get(0).namespaces().stream()
              .map(io.weft.tgt.NamespaceInfo::encrypted)
              .toList());
    }
  }

  @Test
  void flagsAndTheConfigFileTurnEncryptionOn() throws Exception {
    TargetCommand command = new TargetCommand();
    new CommandLine(command)
        .setExpandAtFiles(false)
        .parseArgs("--encrypt", "--at-rest-key", "env:WEFT_KEY");
    TargetConfig fromFlags = command.buildConfig(dir);
    assertEquals("env:WEFT_KEY", fromFlags.atRestKey());
    assertTrue(fromFlags.subsystems().get(0).namespaces().get(0).encrypt());

    TargetConfig fromFile =
        io.weft.cli.config.ConfigLoader.parse(
            """
            atRestKey: "@/etc/weft/at-rest.key"
            listeners: [ { listen: 127.0.0.1:4420 } ]
            subsystems:
              - nqn: nqn.2026-11.io.weft:x
                namespaces:
                  - { file: a.img, size: 1M, encrypt: true }
                  - { file: b.img, size: 1M }
            """,
            dir,
            "t.yaml");
    assertEquals("@/etc/weft/at-rest.key", fromFile.atRestKey());
    assertEquals(
        List.of(true, false),
        fromFile.subsystems().get(0).namespaces().stream()
            .map(io.weft.tgt.config.NamespaceConfig::encrypt)
            .toList());

    ConfigException memory =
        assertThrows(
            ConfigException.class,
            () ->
                io.weft.cli.config.ConfigLoader.parse(
                    """
                    listeners: [ { listen: 127.0.0.1:4420 } ]
                    subsystems:
                      - nqn: nqn.2026-11.io.weft:x
                        namespaces: [ { memory: 1M, encrypt: true } ]
                    """,
                    dir,
                    "t.yaml"));
    assertTrue(
        memory.getMessage().contains("'encrypt' is for file namespaces"), memory.getMessage());

    CliRun usage = weft("target", "--memory", "1M", "--encrypt");
    assertEquals(ExitCodes.USAGE, usage.code(), usage.err());
    assertTrue(usage.err().contains("--encrypt is for file namespaces"), usage.err());
  }

  @Test
  void aVolumeWithoutEncryptionIsUnchanged() throws Exception {
    byte[] content = markers();
    try (Target target = start()) {
      write(target, content);
      assertArrayEquals(content, read(target));
    }
    assertTrue(contains(Files.readAllBytes(volume()), MARKER), "plain data lands as written");
    assertFalse(Files.exists(VolumeKeyFile.pathFor(volume())));
    assertFalse(Files.exists(WrappingKey.nodeKeyFile(data())), "no key made for plain volumes");
    // An existing plain volume is not silently treated as encrypted.
    IOException e = assertThrows(IOException.class, () -> start("--encrypt"));
    assertTrue(e.getMessage().contains("not encrypted"), e.getMessage());
  }
}
