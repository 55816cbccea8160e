package io.weft.block;

import io.weft.block.atrest.EncryptedVolumes;
import io.weft.block.atrest.WrappingKey;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the contract against an encrypted file volume in 512-byte units: encryption must not change
 * what a device does, including zeros from never-written and deallocated ranges.
 */
class EncryptedBlockDeviceContractTest extends BlockDeviceContractTest {
  @TempDir Path dir;

  private final ExecutorService ioExecutor = Executors.newFixedThreadPool(4);

  @Override
  protected BlockDevice create(long sizeBytes) throws Exception {
    try (WrappingKey key = WrappingKey.generate()) {
      return EncryptedVolumes.open(
          dir.resolve("crypt.img"), sizeBytes, false, 512, key, ioExecutor);
    }
  }

  @Override
  protected int granularity() {
    return 512;
  }

  @AfterEach
  void stopExecutor() {
    ioExecutor.shutdown();
  }
}
