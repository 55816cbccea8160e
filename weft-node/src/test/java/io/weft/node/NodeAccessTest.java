package io.weft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.node.volume.VolumeAccess;
import io.weft.node.volume.VolumeService;
import io.weft.store.embedded.EmbeddedStore;
import io.weft.tgt.config.AccessPolicy;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.SecurityConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node beyond loopback exports no volume that any host may use. The address beyond loopback is
 * 192.0.2.10 (TEST-NET-1, on no interface here): the refusal comes before any bind, and a start
 * that gets past the policy fails at the bind instead, so nothing ever listens beyond loopback.
 */
class NodeAccessTest {
  private static final String BEYOND = "192.0.2.10";
  private static final String HOST = "nqn.2014-08.org.example:host1";

  @TempDir Path dir;

  private StorageNode.Config config(String listen, boolean allowAnyHost) {
    TargetConfig target =
        new TargetConfig(
                dir.resolve("n1"),
                List.of(ListenerConfig.of(listen, 0)),
                List.of(),
                "127.0.0.1:0",
                TuningConfig.defaults().withSpinNanos(0))
            .withSecurity(SecurityConfig.defaults().withAllowAnyHostBeyondLoopback(allowAnyHost));
    return new StorageNode.Config(
        "n1", Map.of("zone", "z1"), 1L << 30, null, Duration.ofSeconds(5), target);
  }

  private static VolumeService.CreateRequest volume(String name, List<String> hosts) {
    return new VolumeService.CreateRequest(name, 1 << 20, 1, List.of("n1"), hosts, null, null);
  }

  @Test
  void aNodeWithAnOpenVolumeRefusesToStartBeyondLoopback() throws Exception {
    try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("store"))) {
      try (StorageNode n1 = StorageNode.start(config("127.0.0.1", false), store)) {
        // On loopback a volume may be open to any host: the quick start.
        new VolumeService(store, n1.registry()).create(volume("open", List.of()));
        new VolumeService(store, n1.registry()).create(volume("zoned", List.of(HOST)));
      }
      IOException refused =
          assertThrows(IOException.class, () -> StorageNode.start(config(BEYOND, false), store));
      assertInstanceOf(AccessPolicy.Refused.class, refused, refused.toString());
      assertEquals(
          "listener 192.0.2.10:0 is not loopback and subsystem nqn.2026-11.io.weft:vol:open"
              + " allows any host: set its hosts (weft volume set-hosts open --allow-host NQN),"
              + " or listen on 127.0.0.1",
          refused.getMessage());

      // The lab opt-out gets past the policy; the bind then fails (the address is not ours).
      IOException lab =
          assertThrows(IOException.class, () -> StorageNode.start(config(BEYOND, true), store));
      assertFalse(lab instanceof AccessPolicy.Refused, lab.toString());

      // With hosts named, the policy lets it start (and the bind fails the same way).
      try (StorageNode n1 = StorageNode.start(config("127.0.0.1", false), store)) {
        new VolumeService(store, n1.registry()).setAllowedHosts("open", List.of(HOST));
      }
      IOException zoned =
          assertThrows(IOException.class, () -> StorageNode.start(config(BEYOND, false), store));
      assertFalse(zoned instanceof AccessPolicy.Refused, zoned.toString());
    }
  }

  @Test
  void beyondLoopbackTheApiRefusesVolumesOpenToAnyHost() throws Exception {
    assertTrue(VolumeAccess.hostsRequired(config(BEYOND, false).target()));
    assertFalse(VolumeAccess.hostsRequired(config(BEYOND, true).target()));
    assertFalse(VolumeAccess.hostsRequired(config("127.0.0.1", false).target()));
    try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("store"));
        StorageNode n1 = StorageNode.start(config("127.0.0.1", false), store)) {
      // The service as a node beyond loopback runs it.
      VolumeService strict = new VolumeService(store, n1.registry(), true);
      NodeException open =
          assertThrows(NodeException.class, () -> strict.create(volume("db", List.of())));
      assertTrue(open.getMessage().contains("--allow-host NQN"), open.getMessage());
      assertTrue(strict.get("db").isEmpty());
      strict.create(volume("db", List.of(HOST)));
      assertThrows(NodeException.class, () -> strict.setAllowedHosts("db", List.of()));
      assertEquals(List.of(HOST), strict.require("db").volume().allowedHosts());
    }
  }
}
