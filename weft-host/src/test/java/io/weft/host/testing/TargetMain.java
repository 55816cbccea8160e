package io.weft.host.testing;

import io.weft.tgt.Target;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * A Weft target in its own process, so host tests can kill, restart and freeze it. Arguments: PORT
 * NQN FILE SIZE. Prints "READY" once listening.
 */
public final class TargetMain {
  private TargetMain() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String nqn = args[1];
    Path file = Path.of(args[2]);
    long size = Long.parseLong(args[3]);
    Target t =
        Target.start(
            new TargetConfig(
                file.getParent(),
                List.of(ListenerConfig.of("127.0.0.1", port)),
                List.of(
                    new SubsystemConfig(
                        nqn,
                        null,
                        null,
                        null,
                        List.of(),
                        List.of(NamespaceConfig.file(1, file.toString(), size)))),
                null,
                TuningConfig.defaults().withSpinNanos(0)));
    Runtime.getRuntime().addShutdownHook(new Thread(t::close));
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
