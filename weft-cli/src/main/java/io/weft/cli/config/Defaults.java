package io.weft.cli.config;

import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code weft target} uses when neither the config file nor the flags say otherwise. A
 * subsystem's serial, model and firmware revision, left null, are the target's to choose (the
 * serial is derived from the NQN, so it survives restarts).
 */
public final class Defaults {
  public static final String NQN = "nqn.2026-11.io.weft:vol0";
  public static final String MODEL = "Weft NVMe/TCP target";
  public static final String LISTEN_HOST = "127.0.0.1";
  public static final int LISTEN_PORT = 4420;
  public static final String ADMIN = "127.0.0.1:9420";
  public static final String DATA_DIR = "weft-data";
  public static final String FILE = "ns1.img";
  public static final long FILE_SIZE = 1L << 30;
  public static final int BLOCK_SIZE = 512;

  private Defaults() {}

  /**
   * The target with no config file and no flags: listen on 127.0.0.1:4420, one subsystem {@value
   * #NQN} with one sparse 1 GiB file namespace {@value #FILE} under {@code ./weft-data}, admin API
   * on {@value #ADMIN}.
   */
  public static TargetConfig embedded(Path workingDir) {
    return new TargetConfig(
        workingDir.resolve(DATA_DIR).toAbsolutePath().normalize(),
        List.of(ListenerConfig.of(LISTEN_HOST, LISTEN_PORT)),
        List.of(
            new SubsystemConfig(
                NQN,
                null,
                null,
                null,
                List.of(),
                List.of(new NamespaceConfig(1, "file", FILE, FILE_SIZE, BLOCK_SIZE, false, null)))),
        ADMIN,
        TuningConfig.defaults());
  }
}
