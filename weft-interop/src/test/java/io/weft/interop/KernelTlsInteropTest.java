package io.weft.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.protocol.tls.ConfiguredPsk;
import io.weft.protocol.tls.PskDerivation;
import io.weft.protocol.tls.PskIdentity;
import io.weft.protocol.tls.PskKeyring;
import io.weft.protocol.tls.TlsCredentials;
import io.weft.protocol.tls.TlsMode;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Linux 6.12 kernel host (Debian's stock kernel, NVMe/TCP TLS with tlshd from ktls-utils)
 * against a Weft target whose listener takes only TLS 1.3 with PSKs: connect, 4 MiB of I/O checked
 * in the target's backing file, a discovery log read over TLS that says TLS is required, a plain
 * connect refused, a wrong PSK refused. Guest script: {@code src/test/guest/kernel-tls-host.sh}.
 *
 * <p>The kernel uses the key it finds in its keyring as the TLS PSK, as is; the test puts there the
 * TLS PSK the NVMe/TCP key schedule gives for the configured key (libnvme does the same for {@code
 * nvme connect --tls-key}), and the target derives it from the configured key.
 */
@Tag("interop")
@ExtendWith(LinuxPeerCondition.class)
class KernelTlsInteropTest {
  static final String NQN = "nqn.2014-08.io.weft:interop-tls";
  static final String HOST_NQN = "nqn.2014-08.io.weft:interop-tls-host";
  static final String HOST_ID = "6b1e2c4a-5d3f-4e21-9a7b-0c8d9e1f2a3b";
  static final String DISCOVERY_NQN = "nqn.2014-08.org.nvmexpress.discovery";

  /** Printed by nvme-cli 2.3's {@code nvme gen-tls-key -m 1}. */
  static final String CONFIGURED =
      "NVMeTLSkey-1:01:KA36nqe/zujq09b8ySlzUI5AZFGCwH11/J3o6/6rszmdQ9q8:";

  static final String GUEST_TARGET_IP = "10.0.2.100";
  static final int GUEST_TARGET_PORT = 4420;

  private final LinuxPeer peer = LinuxPeer.locate();

  private static String tlsPskHex(ConfiguredPsk key, String subNqn) {
    PskIdentity id = PskIdentity.v0(key.hash(), HOST_NQN, subNqn);
    return HexFormat.of().formatHex(PskDerivation.tlsPsk(key.retained(HOST_NQN), id));
  }

  private static String lastLines(String text, int n) {
    List<String> lines = text.strip().lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }

  @Test
  void kernelHostOverTlsPsk() throws Exception {
    Optional<String> why = peer.whyUnavailable();
    if (why.isPresent()) {
      Interop.cannotRun("linux-peer cannot boot a guest: " + why.get());
    }
    Interop.CommandResult kernel =
        Interop.run(List.of(peer.dir().resolve("kernel-6.12/get").toString()), 600);
    if (kernel.exitCode() != 0) {
      Interop.cannotRun("no 6.12 kernel (linux-peer kernel-6.12/get): " + kernel.output());
    }
    Interop.CommandResult tlshd =
        Interop.run(
            List.of(Interop.moduleDir().resolve("src/test/tools/get-tlshd").toString()), 1200);
    if (tlshd.exitCode() != 0) {
      Interop.cannotRun(
          "cannot get tlshd (src/test/tools/get-tlshd): " + lastLines(tlshd.output(), 15));
    }
    if (Interop.run(List.of("keyctl", "--version"), 10).exitCode() != 0) {
      Interop.cannotRun("keyctl (Debian's keyutils) is missing");
    }
    Path kernelImage = Path.of(lastLines(kernel.output(), 1).strip());
    Path tlshdBinary = Path.of(lastLines(tlshd.output(), 1).strip());

    Path runDir = Interop.newRunLogDir("kernel-tls");
    Path share = Interop.createDirectories(runDir.resolve("share"));
    Path work = Interop.newWorkDir("kernel-tls");
    ConfiguredPsk key = ConfiguredPsk.parse(CONFIGURED);
    int port = Interop.freePort();
    ListenerConfig listener =
        new ListenerConfig("127.0.0.1", port, GUEST_TARGET_IP, GUEST_TARGET_PORT)
            .withTls(TlsMode.PSK)
            .withCredentials(new TlsCredentials(new PskKeyring(Map.of(HOST_NQN, key)), null));
    TargetConfig config =
        new TargetConfig(
            work,
            List.of(listener),
            List.of(
                new SubsystemConfig(
                    NQN,
                    "WEFTTLS0001",
                    "Weft TLS Interop",
                    null,
                    List.of(HOST_NQN),
                    List.of(NamespaceConfig.file(1, "ns1.img", 64L << 20)))),
            null,
            TuningConfig.defaults().withSpinNanos(0));
    try (Target target = Target.start(config)) {
      LinuxPeer.GuestSpec spec =
          new LinuxPeer.GuestSpec(Interop.moduleDir().resolve("src/test/guest/kernel-tls-host.sh"))
              .kernel(kernelImage)
              .share(share)
              .guestForward(GUEST_TARGET_IP, GUEST_TARGET_PORT, port)
              .env("TADDR", GUEST_TARGET_IP)
              .env("TPORT", Integer.toString(GUEST_TARGET_PORT))
              .env("NQN", NQN)
              .env("HOSTNQN", HOST_NQN)
              .env("HOSTID", HOST_ID)
              .env("TLS_PSK", tlsPskHex(key, NQN))
              .env("DISC_PSK", tlsPskHex(key, DISCOVERY_NQN))
              .env("TLSHD", tlshdBinary.toString())
              .timeout(Duration.ofMinutes(10))
              .log(runDir.resolve("guest.log"));
      try (LinuxPeer.Guest guest = peer.boot(spec)) {
        assertTrue(
            guest.waitFor(Duration.ofMinutes(11)), "guest still running; log " + guest.log());
        GuestReport report = GuestReport.read(share.resolve("steps.txt"));
        System.out.println(
            "interop: kernel-tls guest steps:\n" + String.join("\n", report.lines()));
        report.assertPassed(
            "tls-connect",
            "tls-io",
            "tls-discovery",
            "plain-refused",
            "wrong-psk-refused-1",
            "wrong-psk-refused-2");
        assertEquals(0, guest.exitValue(), "guest exit; log " + guest.log());
      }
      // What the kernel wrote is in the target's backing file, byte for byte.
      byte[] pattern = Files.readAllBytes(share.resolve("pattern.bin"));
      byte[] stored = new byte[pattern.length];
      try (RandomAccessFile f = new RandomAccessFile(work.resolve("ns1.img").toFile(), "r")) {
        f.readFully(stored);
      }
      assertArrayEquals(pattern, stored);
    }
  }
}
