package io.weft.tgt.testing;

import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/** Starts a real target on 127.0.0.1 (ephemeral ports) for tests. */
public final class TargetFixture {
  public static final String NQN = "nqn.2026-11.io.weft.test:vol0";

  private TargetFixture() {}

  /** A target with one memory namespace (NSID 1) of {@code size} bytes and 512-byte blocks. */
  public static Target memoryTarget(Path dataDir, long size) throws IOException {
    return start(dataDir, List.of(), List.of(NamespaceConfig.memory(1, size)));
  }

  public static Target start(
      Path dataDir, List<String> allowedHosts, List<NamespaceConfig> namespaces)
      throws IOException {
    return Target.start(
        new TargetConfig(
            dataDir,
            List.of(ListenerConfig.of("127.0.0.1", 0)),
            List.of(
                new SubsystemConfig(
                    NQN, "WEFTTEST0001", "Weft test target", null, allowedHosts, namespaces)),
            "127.0.0.1:0",
            TuningConfig.defaults().withSpinNanos(0)));
  }

  public static InetSocketAddress address(Target t) {
    return t.listenAddresses().get(0);
  }
}
