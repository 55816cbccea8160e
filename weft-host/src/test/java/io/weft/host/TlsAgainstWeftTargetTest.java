package io.weft.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.weft.host.tcp.HostQueue;
import io.weft.host.tcp.QueueConnector;
import io.weft.protocol.discovery.DiscoveryLogEntry;
import io.weft.protocol.discovery.DiscoveryLogPage;
import io.weft.protocol.nvme.Status;
import io.weft.protocol.tcp.EventLoops;
import io.weft.protocol.tls.CertFiles;
import io.weft.protocol.tls.ClientTls;
import io.weft.protocol.tls.ConfiguredPsk;
import io.weft.protocol.tls.PskHash;
import io.weft.protocol.tls.PskKeyring;
import io.weft.protocol.tls.TlsCredentials;
import io.weft.protocol.tls.TlsMode;
import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Weft host against the Weft target over TLS: TLS 1.3 with PSKs of both hashes (so both cipher
 * suites) and with certificates; a wrong key, an unknown host, an untrusted certificate and a plain
 * host on a TLS listener are all refused, and the target keeps serving the others.
 */
class TlsAgainstWeftTargetTest {
  static final String NQN = "nqn.2026-11.io.weft.test:tls";
  static final String HOST = "nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555";
  static final String OTHER_HOST = "nqn.2014-08.org.example:other";
  @TempDir Path dir;

  static ConfiguredPsk randomKey(PskHash hash) {
    byte[] k = new byte[hash.length];
    new Random(hash.id).nextBytes(k);
    return ConfiguredPsk.of(hash, k);
  }

  static Path cert(String name) {
    try {
      return Path.of(TlsAgainstWeftTargetTest.class.getResource("/tls/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static CertFiles certs(String who, String ca) {
    return new CertFiles(cert(who + ".pem"), cert(who + ".key"), cert(ca + ".pem"));
  }

  private Target start(TlsMode mode, TlsCredentials credentials) throws Exception {
    return Target.start(
        new TargetConfig(
            dir,
            List.of(ListenerConfig.of("127.0.0.1", 0).withTls(mode).withCredentials(credentials)),
            List.of(
                new SubsystemConfig(
                    NQN,
                    "SN1",
                    "Weft",
                    null,
                    List.of(),
                    List.of(NamespaceConfig.memory(1, 64 << 20)))),
            null,
            TuningConfig.defaults().withSpinNanos(0)));
  }

  private static ConnectOptions options(Target t, String subNqn, ClientTls tls) {
    return new ConnectOptions(
            "127.0.0.1",
            t.listenAddresses().get(0).getPort(),
            subNqn,
            HOST,
            UUID.fromString("11111111-2222-3333-4444-555555555555"),
            false,
            false,
            2,
            64,
            5,
            0,
            1,
            -1,
            30,
            0)
        .withTls(tls);
  }

  private static void writeAndReadBack(HostController c) throws Exception {
    NvmeNamespace ns = c.namespace(1);
    int total = 8 << 20;
    byte[] pattern = new byte[total];
    new Random(3).nextBytes(pattern);
    ByteBuf src = Unpooled.directBuffer(total).writeBytes(pattern);
    // in-capsule (4 KiB), R2T (128 KiB), MDTS-split (3 MiB)
    int[] sizes = {4096, 131072, 3 << 20, 512};
    int off = 0;
    for (int i = 0; off < total; i++) {
      int n = Math.min(sizes[i % sizes.length], total - off);
      ns.writeBlocking(off / 512, n / 512, src, off);
      off += n;
    }
    ByteBuf dst = Unpooled.directBuffer(total).writerIndex(total);
    ns.readBlocking(0, total / 512, dst, 0);
    byte[] back = new byte[total];
    dst.getBytes(0, back);
    assertArrayEquals(pattern, back);
    src.release();
    dst.release();
  }

  @ParameterizedTest
  @EnumSource(PskHash.class)
  void pskOfEitherHashCarriesData(PskHash hash) throws Exception {
    ConfiguredPsk key = randomKey(hash);
    try (Target t =
            start(TlsMode.PSK, new TlsCredentials(new PskKeyring(Map.of(HOST, key)), null));
        HostController c = HostController.connect(options(t, NQN, ClientTls.psk(key)))) {
      assertEquals(2, c.ioQueueCount());
      writeAndReadBack(c);
    }
  }

  @Test
  void untransformedKeyWorksToo() throws Exception {
    ConfiguredPsk key =
        ConfiguredPsk.parse(randomKey(PskHash.SHA256).format().replace(":01:", ":00:"));
    try (Target t =
            start(TlsMode.PSK, new TlsCredentials(new PskKeyring(Map.of(HOST, key)), null));
        HostController c = HostController.connect(options(t, NQN, ClientTls.psk(key)))) {
      writeAndReadBack(c);
    }
  }

  @Test
  void discoveryOverTlsAdvertisesTls13Required() throws Exception {
    ConfiguredPsk key = randomKey(PskHash.SHA256);
    try (Target t =
        start(TlsMode.PSK, new TlsCredentials(new PskKeyring(Map.of(HOST, key)), null))) {
      DiscoveryLogPage log = Discovery.discover(options(t, NQN, ClientTls.psk(key)));
      assertEquals(1, log.entries().size());
      DiscoveryLogEntry e = log.entries().get(0);
      assertEquals(NQN, e.subsystemNqn());
      assertEquals(DiscoveryLogEntry.TREQ_SECURE_CHANNEL_REQUIRED, e.treq() & 3);
      assertEquals(DiscoveryLogEntry.SECTYPE_TLS13, e.secType());
    }
  }

  @Test
  void wrongKeyUnknownHostAndPlainHostAreRefusedOthersKeepWorking() throws Exception {
    ConfiguredPsk key = randomKey(PskHash.SHA256);
    try (Target t =
            start(TlsMode.PSK, new TlsCredentials(new PskKeyring(Map.of(HOST, key)), null));
        HostController good = HostController.connect(options(t, NQN, ClientTls.psk(key)))) {
      ConfiguredPsk wrong = randomKey(PskHash.SHA384);
      wrong = ConfiguredPsk.of(PskHash.SHA256, java.util.Arrays.copyOf(wrong.key(), 32));
      ConnectOptions wrongKey = options(t, NQN, ClientTls.psk(wrong));
      Exception e1 = assertThrows(Exception.class, () -> HostController.connect(wrongKey));
      assertTrue(String.valueOf(rootMessage(e1)).contains("TLS"), rootMessage(e1));

      ConnectOptions unknown =
          options(t, NQN, ClientTls.psk(key)).withHost(OTHER_HOST, UUID.randomUUID());
      assertThrows(Exception.class, () -> HostController.connect(unknown));

      ConnectOptions plain = options(t, NQN, ClientTls.NONE);
      assertThrows(Exception.class, () -> HostController.connect(plain));

      // The target is unharmed: the connected host keeps doing I/O.
      writeAndReadBack(good);
    }
  }

  @Test
  void garbageOnATlsListenerIsClosedCleanly() throws Exception {
    ConfiguredPsk key = randomKey(PskHash.SHA256);
    try (Target t =
            start(TlsMode.PSK, new TlsCredentials(new PskKeyring(Map.of(HOST, key)), null));
        HostController good = HostController.connect(options(t, NQN, ClientTls.psk(key)))) {
      Random r = new Random(11);
      for (int i = 0; i < 50; i++) {
        try (Socket s = new Socket("127.0.0.1", t.listenAddresses().get(0).getPort())) {
          s.setSoTimeout(5000);
          byte[] junk = new byte[1 + r.nextInt(4000)];
          r.nextBytes(junk);
          if (i % 3 == 0) {
            junk[0] = 0x16; // looks like a handshake record, then nonsense
            junk[1 % junk.length] = 0x03;
          }
          OutputStream out = s.getOutputStream();
          out.write(junk);
          out.flush();
          // Half of them end there (a record cut short waits for its end or the handshake
          // timeout); the other half also say that is all.
          if (i % 2 == 0) {
            s.shutdownOutput();
          }
          InputStream in = s.getInputStream();
          byte[] buf = new byte[4096];
          if (i % 2 != 0) {
            continue;
          }
          // The target answers with at most an alert, then closes: read reaches the end.
          long deadline = System.nanoTime() + 5_000_000_000L;
          int n = 0;
          while (n >= 0 && System.nanoTime() < deadline) {
            try {
              n = in.read(buf);
            } catch (java.net.SocketException reset) {
              break;
            }
          }
          assertTrue(n < 0 || System.nanoTime() < deadline, "connection left open");
        }
      }
      writeAndReadBack(good);
    }
  }

  @Test
  void certificatesCarryDataAndAnUntrustedHostIsRefused() throws Exception {
    TlsCredentials creds = new TlsCredentials(null, certs("target", "ca"));
    try (Target t = start(TlsMode.CERT, creds);
        HostController c =
            HostController.connect(options(t, NQN, ClientTls.cert(certs("host", "ca"))))) {
      writeAndReadBack(c);
      // A host whose certificate another CA signed.
      ConnectOptions rogue = options(t, NQN, ClientTls.cert(certs("rogue-host", "ca")));
      assertThrows(Exception.class, () -> HostController.connect(rogue));
      // A host that does not trust the target's CA refuses the target.
      ConnectOptions distrustful = options(t, NQN, ClientTls.cert(certs("host", "rogue-ca")));
      assertThrows(Exception.class, () -> HostController.connect(distrustful));
      writeAndReadBack(c);
    }
  }

  /** A host holding its own key cannot connect in another host's name (or its allow-list). */
  @Test
  void aPskConnectsOnlyAsTheHostItNames() throws Exception {
    ConfiguredPsk key = randomKey(PskHash.SHA256);
    EventLoopGroup loops = EventLoops.group(1, "tls-test", 0);
    try (Target t =
        start(TlsMode.PSK, new TlsCredentials(new PskKeyring(Map.of(HOST, key)), null))) {
      int port = t.listenAddresses().get(0).getPort();
      ConnectOptions asOther =
          options(t, NQN, ClientTls.NONE).withHost(OTHER_HOST, UUID.randomUUID());
      QueueCommands commands = new QueueCommands(asOther);
      HostQueue q =
          commands.await(
              new QueueConnector(loops)
                  .withTls(ClientTls.psk(key), HOST, NQN)
                  .connect("127.0.0.1", port, false, false, 31),
              "connect");
      q.configure(0, 0, TimeUnit.SECONDS.toNanos(10), (queue, unfinished, cause) -> {});
      NvmeException e =
          assertThrows(NvmeException.class, () -> commands.fabricsConnect(q, 0, 31, 0xFFFF, 5000));
      assertEquals(Status.CONNECT_INVALID_HOST, e.status() & 0x7FF);
      q.close();
    } finally {
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private static String rootMessage(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable x = t; x != null; x = x.getCause()) {
      b.append(x).append(" / ");
    }
    return b.toString();
  }
}
