package io.weft.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.auth.DhGroup;
import io.weft.protocol.auth.DhchapHash;
import io.weft.protocol.auth.DhchapSecret;
import io.weft.protocol.auth.FailureReason;
import io.weft.tgt.Target;
import io.weft.tgt.config.DhchapKeys;
import io.weft.tgt.config.DhchapPolicy;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** DH-HMAC-CHAP between the Weft host and the Weft target, over real NVMe/TCP connections. */
class DhchapHostTest {
  static final String NQN = "nqn.2026-12.io.weft.test:auth";
  static final String HOST = "nqn.2014-08.org.nvmexpress:uuid:a0a0a0a0-0000-4000-8000-000000000001";
  static final String OTHER =
      "nqn.2014-08.org.nvmexpress:uuid:b0b0b0b0-0000-4000-8000-000000000002";

  static final DhchapSecret HOST_KEY = secret(DhchapHash.SHA_256, 32);
  static final DhchapSecret CTRL_KEY = secret(DhchapHash.SHA_384, 48);
  static final DhchapSecret OTHER_KEY = secret(null, 64);

  @TempDir Path dir;

  static DhchapSecret secret(DhchapHash transform, int length) {
    byte[] key = new byte[length];
    new SecureRandom().nextBytes(key);
    return new DhchapSecret(transform, key);
  }

  private Target start(DhchapPolicy policy, DhchapKeys hostKeys) throws Exception {
    return start(policy, hostKeys, Map.of());
  }

  private Target start(DhchapPolicy policy, DhchapKeys hostKeys, Map<String, DhchapKeys> discovery)
      throws Exception {
    return Target.start(
        new TargetConfig(
            dir,
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(
                new SubsystemConfig(
                    NQN,
                    "SN1",
                    "Weft",
                    null,
                    List.of(HOST, OTHER),
                    List.of(NamespaceConfig.memory(1, 16 << 20)),
                    Map.of(HOST, hostKeys, OTHER, new DhchapKeys(OTHER_KEY, null)))),
            null,
            TuningConfig.defaults().withSpinNanos(0),
            policy,
            discovery));
  }

  private static ConnectOptions options(Target t, String host) {
    return ConnectOptions.defaults("127.0.0.1", t.listenAddresses().get(0).getPort(), NQN)
        .withHost(host, UUID.nameUUIDFromBytes(host.getBytes()))
        .withQueues(2, 32)
        .withTimeouts(5, 0, 1, -1);
  }

  static Stream<Arguments> hashesAndGroups() {
    return Stream.of(DhchapHash.values())
        .flatMap(h -> Stream.of(DhGroup.values()).map(g -> Arguments.of(h, g)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("hashesAndGroups")
  void everyHashAndGroupBothWays(DhchapHash hash, DhGroup group) throws Exception {
    try (Target t =
        start(
            new DhchapPolicy(List.of(hash), List.of(group)), new DhchapKeys(HOST_KEY, CTRL_KEY))) {
      try (HostController c = HostController.connect(options(t, HOST).withDhchap(HOST_KEY, null))) {
        roundTrip(c, 7);
      }
      try (HostController c =
          HostController.connect(options(t, HOST).withDhchap(HOST_KEY, CTRL_KEY))) {
        roundTrip(c, 9);
      }
    }
  }

  @Test
  void wrongHostKeyIsRefusedAndOtherHostsKeepWorking() throws Exception {
    try (Target t = start(DhchapPolicy.defaults(), new DhchapKeys(HOST_KEY, CTRL_KEY));
        HostController other =
            HostController.connect(options(t, OTHER).withDhchap(OTHER_KEY, null))) {
      roundTrip(other, 1);
      AuthenticationException e =
          assertThrows(
              AuthenticationException.class,
              () ->
                  HostController.connect(
                      options(t, HOST).withDhchap(secret(DhchapHash.SHA_256, 32), null)));
      assertEquals(AuthenticationException.Side.CONTROLLER, e.refusedBy());
      assertEquals(FailureReason.FAILED, e.reason());
      assertTrue(e.getMessage().contains("controller refused"), e.getMessage());
      // Another host's key does not open this host's door either.
      assertThrows(
          AuthenticationException.class,
          () -> HostController.connect(options(t, HOST).withDhchap(OTHER_KEY, null)));
      roundTrip(other, 2);
      assertEquals(1, t.controllers().size());
    }
  }

  @Test
  void wrongControllerKeyIsRefusedByTheHost() throws Exception {
    try (Target t = start(DhchapPolicy.defaults(), new DhchapKeys(HOST_KEY, CTRL_KEY))) {
      AuthenticationException e =
          assertThrows(
              AuthenticationException.class,
              () ->
                  HostController.connect(
                      options(t, HOST).withDhchap(HOST_KEY, secret(DhchapHash.SHA_384, 48))));
      assertEquals(AuthenticationException.Side.HOST, e.refusedBy());
      assertTrue(e.getMessage().contains("did not prove"), e.getMessage());
    }
  }

  @Test
  void aControllerWithoutItsKeyCannotPassForTheRealOne() throws Exception {
    try (Target t = start(DhchapPolicy.defaults(), new DhchapKeys(HOST_KEY, null))) {
      AuthenticationException e =
          assertThrows(
              AuthenticationException.class,
              () -> HostController.connect(options(t, HOST).withDhchap(HOST_KEY, CTRL_KEY)));
      assertEquals(AuthenticationException.Side.CONTROLLER, e.refusedBy());
    }
  }

  @Test
  void aHostWithoutASecretIsToldWhatIsMissing() throws Exception {
    try (Target t = start(DhchapPolicy.defaults(), new DhchapKeys(HOST_KEY, null))) {
      AuthenticationException e =
          assertThrows(
              AuthenticationException.class, () -> HostController.connect(options(t, HOST)));
      assertTrue(e.getMessage().contains("--dhchap-secret"), e.getMessage());
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (!t.controllers().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(0, t.controllers().size(), "the host hung up: no controller is left");
    }
  }

  @Test
  void rotationKeepsConnectedHostsAndEndsTheOldKeyAfterTheGraceWindow() throws Exception {
    DhchapSecret next = secret(DhchapHash.SHA_512, 64);
    DhchapSecret nextCtrl = secret(DhchapHash.SHA_256, 32);
    try (Target t = start(DhchapPolicy.defaults(), new DhchapKeys(HOST_KEY, CTRL_KEY));
        HostController running =
            HostController.connect(options(t, HOST).withDhchap(HOST_KEY, CTRL_KEY))) {
      roundTrip(running, 1);
      t.rotateHostKeys(NQN, HOST, new DhchapKeys(next, nextCtrl), 2_000);
      // The connected host keeps working; a host still on the old pair still gets in.
      roundTrip(running, 2);
      try (HostController late =
          HostController.connect(options(t, HOST).withDhchap(HOST_KEY, CTRL_KEY))) {
        roundTrip(late, 3);
      }
      // Re-authentication with the new pair, on every queue of the live controller.
      running.reauthenticate(next, nextCtrl);
      roundTrip(running, 4);
      Thread.sleep(2_200);
      assertThrows(
          AuthenticationException.class,
          () -> HostController.connect(options(t, HOST).withDhchap(HOST_KEY, CTRL_KEY)));
      try (HostController fresh =
          HostController.connect(options(t, HOST).withDhchap(next, nextCtrl))) {
        roundTrip(fresh, 5);
      }
      // The running controller never lost a connection.
      assertEquals(0, running.reconnects());
      roundTrip(running, 6);
    }
  }

  @Test
  void theDiscoveryServiceAuthenticatesTheHostsItHasKeysFor() throws Exception {
    try (Target t =
        start(
            DhchapPolicy.defaults(),
            new DhchapKeys(HOST_KEY, CTRL_KEY),
            Map.of(HOST, new DhchapKeys(OTHER_KEY, CTRL_KEY)))) {
      ConnectOptions host = options(t, HOST).withQueues(0, 32);
      assertEquals(
          1,
          Discovery.discover(host.withDhchap(OTHER_KEY, CTRL_KEY)).entries().stream()
              .filter(e -> e.subsystemNqn().equals(NQN))
              .count());
      AuthenticationException e =
          assertThrows(
              AuthenticationException.class,
              () -> Discovery.discover(host.withDhchap(HOST_KEY, null)));
      assertEquals(AuthenticationException.Side.CONTROLLER, e.refusedBy());
      assertThrows(AuthenticationException.class, () -> Discovery.discover(host));
      // A host the service holds no key for still discovers, as before.
      assertEquals(
          1,
          Discovery.discover(options(t, OTHER).withQueues(0, 32)).entries().stream()
              .filter(d -> d.subsystemNqn().equals(NQN))
              .count());
    }
  }

  @Test
  void keysSetThroughTheApiOutliveARestartInAnOwnerOnlyFile() throws Exception {
    DhchapSecret next = secret(DhchapHash.SHA_384, 48);
    try (Target t = start(DhchapPolicy.defaults(), new DhchapKeys(HOST_KEY, null))) {
      t.rotateHostKeys(NQN, HOST, new DhchapKeys(next, null), 60_000);
      t.removeHost(NQN, OTHER);
    }
    Path file = dir.resolve("dhchap-keys.json");
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            java.nio.file.Files.getPosixFilePermissions(file)));
    try (Target t = start(DhchapPolicy.defaults(), new DhchapKeys(HOST_KEY, null))) {
      try (HostController c = HostController.connect(options(t, HOST).withDhchap(next, null))) {
        roundTrip(c, 1);
      }
      // Still inside the rotation's grace window: the old key works too.
      try (HostController c = HostController.connect(options(t, HOST).withDhchap(HOST_KEY, null))) {
        roundTrip(c, 2);
      }
      NvmeException refused =
          assertThrows(
              NvmeException.class,
              () -> HostController.connect(options(t, OTHER).withDhchap(OTHER_KEY, null)));
      assertTrue(refused.getMessage().contains("CONNECT_INVALID_HOST"), refused.getMessage());
      assertEquals(List.of(HOST), t.hosts(NQN).stream().map(io.weft.tgt.HostInfo::nqn).toList());
    }
  }

  /** Writes a few blocks and reads them back. */
  static void roundTrip(HostController c, long lba) throws Exception {
    NvmeNamespace ns = c.namespace(1);
    for (int q = 0; q < 8; q++) {
      byte[] pattern = new byte[ns.blockSize()];
      new SecureRandom().nextBytes(pattern);
      ByteBuf out = Unpooled.wrappedBuffer(pattern);
      ns.writeBlocking(lba * 8 + q, 1, out, 0);
      ByteBuf in = Unpooled.buffer(ns.blockSize());
      ns.readBlocking(lba * 8 + q, 1, in, 0);
      byte[] back = new byte[ns.blockSize()];
      in.getBytes(0, back);
      assertArrayEquals(pattern, back);
    }
  }
}
