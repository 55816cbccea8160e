package io.weft.store.embedded;

import io.weft.store.KeyValue;
import io.weft.store.StoreException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store's files in its directory: {@code store.snapshot} (the whole state as of one
 * record sequence, replaced atomically), {@code store.wal} (the records after it, each framed as
 * length, CRC32C, payload and forced to disk before the write is acknowledged) and {@code
 * store.lock} (held while open, so two processes never share one store).
 *
 * <p>Recovery reads the snapshot, then the log. A record cut short at the end of the log (the
 * process died while writing it) was never acknowledged and is dropped; a damaged record followed
 * by more data is corruption and refuses to open.
 */
final class WriteAheadLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WriteAheadLog.class);
  private static final int SNAPSHOT_MAGIC = 0x57534e31; // "WSN1"
  private static final int MAX_RECORD = 64 << 20;

  /** The state a snapshot holds. */
  record Snapshot(long sequence, long revision, List<KeyValue> keys, Map<Long, Long> leaseTtls) {}

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;

  /**
   * The log through {@link RandomAccessFile}'s stream calls, not a {@code FileChannel}: an
   * interrupt of a thread writing to an interruptible channel closes the channel, and with it the
   * store for every other caller.
   */
  private final RandomAccessFile wal;

  private final Snapshot snapshot;
  private final List<WalRecord> records;
  private int recordsSinceSnapshot;

  private WriteAheadLog(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir);
    lockChannel =
        FileChannel.open(
            dir.resolve("store.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock acquired;
    try {
      acquired = lockChannel.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      acquired = null;
    }
    if (acquired == null) {
      lockChannel.close();
      throw new StoreException(
          StoreException.Kind.LOCKED, "another process has the cluster store in " + dir + " open");
    }
    lock = acquired;
    snapshot = readSnapshot(dir.resolve("store.snapshot"));
    wal = new RandomAccessFile(dir.resolve("store.wal").toFile(), "rw");
    records = readRecords();
    recordsSinceSnapshot = records.size();
  }

  static WriteAheadLog open(Path dir) {
    try {
      return new WriteAheadLog(dir);
    } catch (IOException e) {
      throw new StoreException(
          StoreException.Kind.CORRUPT, "cannot open the cluster store in " + dir + ": " + e, e);
    }
  }

  /** The snapshot found at open (an empty store if none). */
  Snapshot snapshot() {
    return snapshot;
  }

  /** The records after the snapshot, found at open. */
  List<WalRecord> records() {
    return records;
  }

  int recordsSinceSnapshot() {
    return recordsSinceSnapshot;
  }

  /** Appends a record and forces it to disk; when this returns, it survives a crash. */
  void append(WalRecord record) {
    byte[] payload = WalRecord.encode(record);
    CRC32C crc = new CRC32C();
    crc.update(payload);
    ByteBuffer frame = ByteBuffer.allocate(8 + payload.length);
    frame.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
    try {
      wal.seek(wal.length());
      wal.write(frame.array(), 0, frame.limit());
      wal.getFD().sync();
    } catch (IOException e) {
      throw new StoreException(
          StoreException.Kind.UNAVAILABLE, "cannot write the cluster store log: " + e, e);
    }
    recordsSinceSnapshot++;
  }

  /** Replaces the snapshot with {@code s} and empties the log (whose records it includes). */
  void writeSnapshot(Snapshot s) {
    Path tmp = dir.resolve("store.snapshot.tmp");
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeLong(s.sequence());
        out.writeLong(s.revision());
        out.writeInt(s.keys().size());
        for (KeyValue kv : s.keys()) {
          out.writeUTF(kv.key());
          byte[] v = kv.value();
          out.writeInt(v.length);
          out.write(v);
          out.writeLong(kv.createRevision());
          out.writeLong(kv.modRevision());
          out.writeLong(kv.version());
          out.writeLong(kv.lease());
        }
        out.writeInt(s.leaseTtls().size());
        for (Map.Entry<Long, Long> e : s.leaseTtls().entrySet()) {
          out.writeLong(e.getKey());
          out.writeLong(e.getValue());
        }
      }
      byte[] body = bytes.toByteArray();
      CRC32C crc = new CRC32C();
      crc.update(body);
      ByteBuffer file = ByteBuffer.allocate(12 + body.length);
      file.putInt(SNAPSHOT_MAGIC).putInt(body.length).put(body).putInt((int) crc.getValue()).flip();
      try (FileChannel out =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        while (file.hasRemaining()) {
          out.write(file);
        }
        out.force(true);
      }
      try {
        Files.move(
            tmp,
            dir.resolve("store.snapshot"),
            StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir.resolve("store.snapshot"), StandardCopyOption.REPLACE_EXISTING);
      }
      forceDirectory();
      // Records up to s.sequence() are in the snapshot now; a crash before this truncation only
      // means recovery skips them by sequence.
      wal.setLength(0);
      wal.getFD().sync();
      recordsSinceSnapshot = 0;
    } catch (IOException e) {
      throw new StoreException(
          StoreException.Kind.UNAVAILABLE, "cannot write the cluster store snapshot: " + e, e);
    }
  }

  private void forceDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some file systems cannot open a directory for sync; the rename is still atomic.
    }
  }

  private static Snapshot readSnapshot(Path file) throws IOException {
    if (!Files.exists(file)) {
      return new Snapshot(0, 0, List.of(), Map.of());
    }
    byte[] all = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(all);
    if (all.length < 12 || b.getInt() != SNAPSHOT_MAGIC) {
      throw new StoreException(StoreException.Kind.CORRUPT, file + " is not a store snapshot");
    }
    int length = b.getInt();
    if (length < 0 || length > all.length - 12) {
      throw new StoreException(StoreException.Kind.CORRUPT, file + " is cut short");
    }
    CRC32C crc = new CRC32C();
    crc.update(all, 8, length);
    if (ByteBuffer.wrap(all, 8 + length, 4).getInt() != (int) crc.getValue()) {
      throw new StoreException(StoreException.Kind.CORRUPT, file + " fails its checksum");
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 8, length));
    long sequence = in.readLong();
    long revision = in.readLong();
    int n = in.readInt();
    List<KeyValue> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String key = in.readUTF();
      byte[] value = new byte[in.readInt()];
      in.readFully(value);
      keys.add(
          new KeyValue(key, value, in.readLong(), in.readLong(), in.readLong(), in.readLong()));
    }
    int leases = in.readInt();
    Map<Long, Long> ttls = new LinkedHashMap<>();
    for (int i = 0; i < leases; i++) {
      ttls.put(in.readLong(), in.readLong());
    }
    return new Snapshot(sequence, revision, keys, ttls);
  }

  private List<WalRecord> readRecords() throws IOException {
    long size = wal.length();
    List<WalRecord> result = new ArrayList<>();
    long position = 0;
    ByteBuffer header = ByteBuffer.allocate(8);
    while (position < size) {
      header.clear();
      if (size - position < 8) {
        truncateTornTail(position, size, "a record header cut short");
        break;
      }
      readAt(header, position);
      int length = header.getInt();
      int expected = header.getInt();
      if (length < 0 || length > MAX_RECORD) {
        corruptUnlessTail(position, size, "a record length of " + length);
        break;
      }
      if (position + 8 + length > size) {
        truncateTornTail(position, size, "a record cut short");
        break;
      }
      ByteBuffer payload = ByteBuffer.allocate(length);
      readAt(payload, position + 8);
      CRC32C crc = new CRC32C();
      crc.update(payload.array());
      if ((int) crc.getValue() != expected) {
        corruptUnlessTail(position, size, "a record that fails its checksum");
        break;
      }
      try {
        WalRecord r =
            WalRecord.decode(new DataInputStream(new ByteArrayInputStream(payload.array())));
        if (r.sequence() > snapshot.sequence()) {
          result.add(r);
        }
      } catch (EOFException e) {
        throw new StoreException(
            StoreException.Kind.CORRUPT, "store.wal has a malformed record at " + position);
      }
      position += 8 + length;
    }
    return result;
  }

  /** Fills {@code b} (from 0 to its capacity) with the log's bytes at {@code position}. */
  private void readAt(ByteBuffer b, long position) throws IOException {
    wal.seek(position);
    wal.readFully(b.array(), 0, b.capacity());
    b.clear();
  }

  private void corruptUnlessTail(long position, long size, String what) throws IOException {
    // Only the last record can be a torn write; damage with data after it is real corruption.
    ByteBuffer header = ByteBuffer.allocate(8);
    if (size - position >= 8) {
      readAt(header, position);
      long length = header.getInt() & 0xFFFFFFFFL;
      if (position + 8 + length < size) {
        throw new StoreException(
            StoreException.Kind.CORRUPT,
            "store.wal in "
                + dir
                + " has "
                + what
                + " at byte "
                + position
                + " with data after it");
      }
    }
    truncateTornTail(position, size, what);
  }

  private void truncateTornTail(long position, long size, String what) throws IOException {
    log.warn(
        "cluster store {}: dropping {} bytes at the end of store.wal ({}; the process stopped while"
            + " writing it, before it was acknowledged)",
        dir,
        size - position,
        what);
    wal.setLength(position);
    wal.getFD().sync();
  }

  @Override
  public void close() {
    try {
      wal.close();
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      log.warn("closing the cluster store log: {}", e.toString());
    }
  }
}
