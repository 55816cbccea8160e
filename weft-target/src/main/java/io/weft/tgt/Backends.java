package io.weft.tgt;

import io.weft.block.BlockDevice;
import io.weft.block.FileBlockDevice;
import io.weft.block.IoUring;
import io.weft.block.IoWorkers;
import io.weft.block.atrest.EncryptedVolumes;
import io.weft.block.atrest.WrappingKey;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.config.TuningConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a target's file namespaces do their I/O: the I/O workers (blocking file work, cipher work
 * of encrypted volumes, closing devices) and, with {@code ioEngine: io_uring}, the ring that reads,
 * writes and flushes go through instead. Opens file devices on them and shuts both down, the ring
 * after the workers, since each device waits for its own requests on the ring when it closes.
 */
final class Backends implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Backends.class);

  /** Entries of the shared ring: requests in flight on it at once (more go to the pool). */
  static final int RING_ENTRIES = 256;

  private final TargetConfig config;
  private final ExecutorService ioExecutor;
  private final IoUring ring;

  Backends(TargetConfig config) {
    this.config = config;
    TuningConfig tuning = config.tuning();
    // Spinning as the event loops do: a 4 KiB page-cache write is shorter than a parked
    // thread's wake-up on these VMs.
    this.ioExecutor = new IoWorkers(tuning.ioWorkerThreads(), "weft-io", tuning.spinNanos());
    this.ring = openRing(tuning);
  }

  private static IoUring openRing(TuningConfig tuning) {
    if (!TuningConfig.IO_URING.equals(tuning.ioEngine())) {
      return null;
    }
    try {
      IoUring r = IoUring.open(RING_ENTRIES, tuning.spinNanos(), "weft-uring");
      log.info("file namespaces use io_uring ({} entries)", RING_ENTRIES);
      return r;
    } catch (IOException e) {
      throw new IllegalStateException("ioEngine io_uring: " + e.getMessage(), e);
    }
  }

  ExecutorService ioExecutor() {
    return ioExecutor;
  }

  /**
   * Opens a file volume: encrypted at rest when asked (its data key unwrapped with the configured
   * at-rest key, which is wiped again at once), plain otherwise. Either way a volume is never
   * opened as the other kind.
   *
   * @param blockSize the logical block size: an encrypted volume's data unit
   */
  BlockDevice openFile(Path file, long sizeBytes, boolean direct, int blockSize, boolean encrypt)
      throws IOException {
    if (!encrypt) {
      EncryptedVolumes.refuseIfEncrypted(file);
      return FileBlockDevice.open(file, sizeBytes, direct, ioExecutor, ring);
    }
    try (WrappingKey key = WrappingKey.load(config.atRestKey(), config.dataDir())) {
      BlockDevice device =
          EncryptedVolumes.open(file, sizeBytes, direct, blockSize, key, ioExecutor);
      log.info("{} is encrypted at rest, its key wrapped by key {}", file, key.fingerprint());
      return device;
    }
  }

  /** Waits (30 s at most) for the work queued on the workers, then closes the ring. */
  @Override
  public void close() {
    ioExecutor.shutdown();
    try {
      if (!ioExecutor.awaitTermination(30, TimeUnit.SECONDS)) {
        log.warn("backend I/O did not finish within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ring != null) {
      ring.close(); // after the devices: each waited for its own requests on it
    }
  }
}
