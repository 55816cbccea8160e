package io.weft.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** The directory on a reflink file system bin/lib/reflink-fs.sh makes (WEFT_REFLINK_DIR). */
final class ReflinkDirs {
  private ReflinkDirs() {}

  /** It, or the test is skipped (failed in CI). */
  static Path require() {
    String dir = System.getenv("WEFT_REFLINK_DIR");
    if (dir == null || !Files.isDirectory(Path.of(dir))) {
      if (System.getenv("CI") != null) {
        throw new AssertionError("CI without WEFT_REFLINK_DIR (bin/lib/reflink-fs.sh)");
      }
      Assumptions.abort("no reflink file system here (bin/lib/reflink-fs.sh makes one as root)");
    }
    return Path.of(dir);
  }
}
