package io.weft.store.embedded;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One durable change of the embedded store: a committed write (the revision it made and the puts
 * and deletes it applied, after comparisons were evaluated), a lease granted, or a lease ended.
 * Replaying the records in sequence rebuilds the store exactly.
 */
sealed interface WalRecord {
  long sequence();

  /** Puts and deletes that made {@code revision}; a put carries its full new key state. */
  record Write(long sequence, long revision, List<Change> changes) implements WalRecord {}

  /** A key written ({@code value} non-null) or deleted at the record's revision. */
  record Change(String key, byte[] value, long createRevision, long version, long lease) {}

  record LeaseGranted(long sequence, long lease, long ttlSeconds) implements WalRecord {}

  record LeaseEnded(long sequence, long lease) implements WalRecord {}

  byte WRITE = 1;
  byte LEASE_GRANTED = 2;
  byte LEASE_ENDED = 3;

  static byte[] encode(WalRecord r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      switch (r) {
        case Write w -> {
          out.writeByte(WRITE);
          out.writeLong(w.sequence());
          out.writeLong(w.revision());
          out.writeInt(w.changes().size());
          for (Change c : w.changes()) {
            out.writeUTF(c.key());
            out.writeBoolean(c.value() != null);
            if (c.value() != null) {
              out.writeInt(c.value().length);
              out.write(c.value());
              out.writeLong(c.createRevision());
              out.writeLong(c.version());
              out.writeLong(c.lease());
            }
          }
        }
        case LeaseGranted g -> {
          out.writeByte(LEASE_GRANTED);
          out.writeLong(g.sequence());
          out.writeLong(g.lease());
          out.writeLong(g.ttlSeconds());
        }
        case LeaseEnded e -> {
          out.writeByte(LEASE_ENDED);
          out.writeLong(e.sequence());
          out.writeLong(e.lease());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static WalRecord decode(DataInputStream in) throws IOException {
    byte type = in.readByte();
    long sequence = in.readLong();
    return switch (type) {
      case WRITE -> {
        long revision = in.readLong();
        int n = in.readInt();
        List<Change> changes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          String key = in.readUTF();
          if (in.readBoolean()) {
            byte[] value = new byte[in.readInt()];
            in.readFully(value);
            changes.add(new Change(key, value, in.readLong(), in.readLong(), in.readLong()));
          } else {
            changes.add(new Change(key, null, 0, 0, 0));
          }
        }
        yield new Write(sequence, revision, changes);
      }
      case LEASE_GRANTED -> new LeaseGranted(sequence, in.readLong(), in.readLong());
      case LEASE_ENDED -> new LeaseEnded(sequence, in.readLong());
      default -> throw new IOException("unknown record type " + type);
    };
  }
}
