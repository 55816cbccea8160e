package io.weft.tgt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.tgt.config.AccessPolicy;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SecurityConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target refuses to open a door beyond loopback. The non-loopback address used is 192.0.2.10
 * (TEST-NET-1, on no interface of this machine): a refusal must come before any bind, since a bind
 * there would fail differently ({@link BindException}), and nothing listens on a real address.
 */
class TargetAccessTest {
  private static final String NQN = "nqn.2026-11.io.weft.test:access";
  private static final String BEYOND = "192.0.2.10";

  @TempDir Path dataDir;

  private TargetConfig config(String host, List<String> allowed, String admin) {
    return new TargetConfig(
        dataDir,
        List.of(ListenerConfig.of(host, 0)),
        List.of(
            new SubsystemConfig(
                NQN, null, null, null, allowed, List.of(NamespaceConfig.memory(1, 1 << 20)))),
        admin,
        TuningConfig.defaults().withSpinNanos(0));
  }

  @Test
  void anOpenSubsystemBeyondLoopbackIsRefusedBeforeBinding() {
    IOException e =
        assertThrows(IOException.class, () -> Target.start(config(BEYOND, List.of(), null)));
    assertInstanceOf(AccessPolicy.Refused.class, e, e.toString());
    assertTrue(e.getMessage().contains("add --allow-host NQN"), e.getMessage());
  }

  @Test
  void anAdminApiBeyondLoopbackWithoutTlsIsRefusedBeforeBinding() {
    IOException e =
        assertThrows(
            IOException.class, () -> Target.start(config("127.0.0.1", List.of(), BEYOND + ":0")));
    assertInstanceOf(AccessPolicy.Refused.class, e, e.toString());
    assertTrue(e.getMessage().contains("--admin-tls-cert"), e.getMessage());
  }

  @Test
  void theLabOptOutGetsPastThePolicy() {
    // Past the policy, the bind itself fails: the address is on no interface here.
    TargetConfig lab =
        config(BEYOND, List.of(), null)
            .withSecurity(SecurityConfig.defaults().withAllowAnyHostBeyondLoopback(true));
    IOException e = assertThrows(IOException.class, () -> Target.start(lab));
    assertFalse(e instanceof AccessPolicy.Refused, e.toString());
  }

  @Test
  void loopbackStartsWithNoAccessControlAndAnAuditLog() throws Exception {
    for (String host : List.of("127.0.0.1", "localhost", "127.0.0.2")) {
      try (Target t = Target.start(config(host, List.of(), "127.0.0.1:0"))) {
        assertTrue(t.listenAddresses().get(0).getAddress().isLoopbackAddress(), host);
        assertEquals("open on loopback", t.adminSummary().authentication());
      }
    }
    Path audit = dataDir.resolve("audit.log");
    assertEquals(
        Set.of(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE),
        Files.getPosixFilePermissions(audit));
  }
}
