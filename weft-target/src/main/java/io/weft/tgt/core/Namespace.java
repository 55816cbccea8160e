package io.weft.tgt.core;

import io.weft.block.BlockDevice;
import io.weft.block.BlockStatus;
import io.weft.protocol.nvme.Opcodes;
import io.weft.tgt.qos.NamespaceQos;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A namespace: an NSID bound to a block device, with its logical block size and the identifiers
 * (NGUID, UUID) hosts use to recognise it across paths and restarts.
 *
 * <p>Commands hold a reference while they run; removing the namespace drops the subsystem's own
 * reference, so the device is closed (off the event loop) only after the last command ends.
 */
public final class Namespace {
  private final int nsid;
  private final BlockDevice device;
  private final int blockShift;

  /** Grows (only) when the device did: {@link #refreshSize}. */
  private volatile long sizeBlocks;

  private final UUID uuid;
  private final byte[] nguid;
  private final String backend;
  private final String path;
  private final Executor closer;
  private final SmartCounters counters;
  private final AtomicInteger refs = new AtomicInteger(1);
  private final IoTimings timings = new IoTimings();

  /** Null when the namespace has no QoS: its I/O goes straight to the device. */
  private volatile NamespaceQos qos;

  public Namespace(
      int nsid,
      BlockDevice device,
      int blockSize,
      UUID uuid,
      byte[] nguid,
      String backend,
      String path,
      Executor closer,
      SmartCounters counters) {
    if (Integer.bitCount(blockSize) != 1 || blockSize < 512 || blockSize > 4096) {
      throw new IllegalArgumentException(
          "block size must be 512, 1024, 2048 or 4096: " + blockSize);
    }
    if (device.sizeBytes() % blockSize != 0 || device.sizeBytes() == 0) {
      throw new IllegalArgumentException(
          "size " + device.sizeBytes() + " is not a non-zero multiple of block size " + blockSize);
    }
    this.nsid = nsid;
    this.device = device;
    this.blockShift = Integer.numberOfTrailingZeros(blockSize);
    this.sizeBlocks = device.sizeBytes() >>> blockShift;
    this.uuid = uuid;
    this.nguid = nguid.clone();
    this.backend = backend;
    this.path = path;
    this.closer = closer;
    this.counters = counters;
  }

  /**
   * Identifiers that stay the same across restarts: derived from the subsystem NQN, the NSID and
   * the backing store, so the same volume keeps its NGUID/UUID and a different volume under a
   * reused NSID gets new ones.
   */
  public static UUID derivedUuid(String subsystemNqn, int nsid, String backingIdentity) {
    return UUID.nameUUIDFromBytes(
        ("weft-ns:" + subsystemNqn + ":" + nsid + ":" + backingIdentity)
            .getBytes(StandardCharsets.UTF_8));
  }

  /** NGUID derived from the UUID (SHA-256, first 16 bytes), so both change together. */
  public static byte[] derivedNguid(UUID uuid) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] h = sha.digest(("weft-nguid:" + uuid).getBytes(StandardCharsets.UTF_8));
      byte[] nguid = new byte[16];
      System.arraycopy(h, 0, nguid, 0, 16);
      return nguid;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public int nsid() {
    return nsid;
  }

  /**
   * The ANA group: the NSID, so that every namespace (a volume) changes paths on its own, as a
   * volume's owner moves.
   */
  public int anaGroupId() {
    return nsid;
  }

  public BlockDevice device() {
    return device;
  }

  public int blockShift() {
    return blockShift;
  }

  public int blockSize() {
    return 1 << blockShift;
  }

  public long sizeBlocks() {
    return sizeBlocks;
  }

  public UUID uuid() {
    return uuid;
  }

  public byte[] nguid() {
    return nguid.clone();
  }

  public String nguidHex() {
    return HexFormat.of().formatHex(nguid);
  }

  public String backend() {
    return backend;
  }

  public String path() {
    return path;
  }

  /**
   * Takes up the device's size after it grew; true if the namespace is larger now. The caller tells
   * the hosts ({@link Subsystem#namespaceResized}).
   */
  public synchronized boolean refreshSize() {
    long blocks = device.sizeBytes() >>> blockShift;
    if (blocks <= sizeBlocks) {
      return false;
    }
    sizeBlocks = blocks;
    return true;
  }

  /** Takes a reference for one command; false if the namespace is being removed. */
  public boolean acquire() {
    for (; ; ) {
      int n = refs.get();
      if (n <= 0) {
        return false;
      }
      if (refs.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  public void release() {
    if (refs.decrementAndGet() == 0) {
      closer.execute(device::close);
    }
  }

  /** Drops the subsystem's reference: no new commands; the device closes after the last one. */
  public void remove() {
    release();
  }

  /** The QoS its I/O passes through, or null for none. */
  public NamespaceQos qos() {
    return qos;
  }

  /** Sets (or, with null, lifts) the QoS; I/Os already held back keep the wait they were given. */
  public void qos(NamespaceQos qos) {
    this.qos = qos;
  }

  /** This namespace's latency histograms, by I/O class and phase. */
  public IoTimings timings() {
    return timings;
  }

  /** Accounts a finished backend operation in the SMART counters. */
  void onIoDone(Request r, int blockStatus) {
    if (blockStatus == BlockStatus.OK) {
      if (r.opcode == Opcodes.NVM_READ) {
        counters.read(r.transferLength);
      } else if (r.opcode == Opcodes.NVM_WRITE) {
        counters.written(r.transferLength);
      }
    } else if (blockStatus == BlockStatus.IO_ERROR) {
      counters.mediaError();
    }
  }
}
