package io.weft.tgt.tcp;

import io.weft.tgt.Target;
import io.weft.tgt.config.NamespaceConfig;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh target per test, with Netty's leak detector watching the whole class: by default two
 * event loops and one 8 MiB memory namespace; a subclass that needs another layout overrides {@link
 * #startTarget}.
 */
abstract class LiveTargetTest {
  @TempDir Path dir;
  Target target;

  @BeforeAll
  static void watch() {
    LeakWatch.start();
  }

  @AfterAll
  static void unwatch() {
    LeakWatch.stop();
  }

  Target startTarget(Path dir) throws IOException {
    return TcpTestSupport.start(
        dir, TcpTestSupport.tuning(2, 2), NamespaceConfig.memory(1, 8 << 20));
  }

  @BeforeEach
  void start() throws IOException {
    target = startTarget(dir);
  }

  @AfterEach
  void stop() {
    target.close();
  }
}
