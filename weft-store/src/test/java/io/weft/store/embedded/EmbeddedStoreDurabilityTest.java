package io.weft.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.weft.store.KeyValue;
import io.weft.store.StoreException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store's files: crash safety, reopening, torn and damaged logs, the lock. */
class EmbeddedStoreDurabilityTest {
  @TempDir Path dir;

  /**
   * A child JVM writes with compare-and-set until SIGKILL; every write it saw acknowledged is there
   * after reopening, the counter is exactly one of the acknowledged values or the one in flight,
   * and its lease, whose holder died, expires one TTL after the store reopens.
   */
  @Test
  void killDashNineLosesNoAcknowledgedWrite() throws Exception {
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                StoreWriterMain.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    long lastAcked = 0;
    List<String> output = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      long killAfter = 200 + (long) (Math.random() * 300);
      String line;
      while ((line = out.readLine()) != null) {
        output.add(line);
        if (line.startsWith("acked ")) {
          lastAcked = Long.parseLong(line.substring(6));
          if (lastAcked >= killAfter) {
            child.destroyForcibly(); // SIGKILL
            break;
          }
        }
      }
    }
    assertTrue(child.waitFor(10, TimeUnit.SECONDS));
    assertTrue(
        lastAcked >= 200, "the writer ran: " + output.subList(0, Math.min(20, output.size())));

    try (EmbeddedStore store = EmbeddedStore.open(dir)) {
      long counter = Long.parseLong(store.get("crash/counter").orElseThrow().valueAsString());
      // The writer may be ahead of the output read so far, never behind what it acknowledged;
      // and each transaction's two keys are there together or not at all.
      assertTrue(counter >= lastAcked, "counter " + counter + " after acknowledging " + lastAcked);
      for (long i = 1; i <= counter; i++) {
        assertEquals("v" + i, store.get("crash/k" + i).orElseThrow().valueAsString(), "key " + i);
      }
      assertEquals(Optional.empty(), store.get("crash/k" + (counter + 1)), "half a transaction");
      KeyValue holder = store.get("crash/holder").orElseThrow();
      assertTrue(store.leaseTimeToLive(holder.lease()).isPresent(), "the lease survived reopening");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
      while (store.get("crash/holder").isPresent() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(Optional.empty(), store.get("crash/holder"), "the dead holder's lease expired");
    }
  }

  @Test
  void reopeningKeepsKeysRevisionsAndLeases() {
    long revision;
    long lease;
    try (EmbeddedStore s = EmbeddedStore.open(dir)) {
      s.put("a", "1");
      s.put("a", "2");
      lease = s.grantLease(Duration.ofSeconds(60));
      s.create("b", "x".getBytes(), lease);
      s.delete("a");
      revision = s.revision();
    }
    try (EmbeddedStore s = EmbeddedStore.open(dir)) {
      assertEquals(revision, s.revision());
      assertEquals(Optional.empty(), s.get("a"));
      assertEquals(lease, s.get("b").orElseThrow().lease());
      assertTrue(s.leaseTimeToLive(lease).isPresent());
      assertTrue(s.put("c", "3") > revision, "revisions go on, never reused");
    }
  }

  @Test
  void snapshotsKeepTheStateAndEmptyTheLog() throws Exception {
    int records = 255;
    try (EmbeddedStore s = EmbeddedStore.open(dir, 50)) {
      for (int i = 0; i < records; i++) {
        s.put("k" + (i % 100), "v" + i);
      }
      assertTrue(Files.exists(dir.resolve("store.snapshot")));
      assertTrue(
          Files.size(dir.resolve("store.wal")) < 10 * 1024, "the log was emptied into a snapshot");
    }
    try (EmbeddedStore s = EmbeddedStore.open(dir)) {
      assertEquals(records, s.revision());
      assertEquals(
          "v" + (records - 1), s.get("k" + ((records - 1) % 100)).orElseThrow().valueAsString());
      assertEquals(100, s.list("k").size());
    }
  }

  @Test
  void aRecordCutShortAtTheEndIsDropped() throws Exception {
    try (EmbeddedStore s = EmbeddedStore.open(dir)) {
      s.put("a", "1");
      s.put("b", "2");
    }
    // The process died halfway through writing a third record.
    try (FileChannel wal = FileChannel.open(dir.resolve("store.wal"), StandardOpenOption.APPEND)) {
      wal.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 40, 1, 2, 3, 4, 9, 9}));
    }
    long before = Files.size(dir.resolve("store.wal"));
    try (EmbeddedStore s = EmbeddedStore.open(dir)) {
      assertEquals("1", s.get("a").orElseThrow().valueAsString());
      assertEquals("2", s.get("b").orElseThrow().valueAsString());
      assertEquals(2, s.revision());
      s.put("c", "3");
    }
    assertTrue(before > 0);
    try (EmbeddedStore s = EmbeddedStore.open(dir)) {
      assertEquals("3", s.get("c").orElseThrow().valueAsString());
    }
  }

  @Test
  void aDamagedRecordWithDataAfterItRefusesToOpen() throws Exception {
    try (EmbeddedStore s = EmbeddedStore.open(dir)) {
      // Below the snapshot threshold, so the records stay in the log.
      s.put("a", "1");
      s.put("b", "2");
      s.put("c", "3");
    }
    Path wal = dir.resolve("store.wal");
    // Reopening snapshots what it replayed; write fresh records to damage.
    try (EmbeddedStore s = EmbeddedStore.open(dir)) {
      s.put("d", "4");
      s.put("e", "5");
    }
    byte[] bytes = Files.readAllBytes(wal);
    bytes[12] ^= 0x55; // inside the first record's payload
    Files.write(wal, bytes);
    StoreException e = assertThrows(StoreException.class, () -> EmbeddedStore.open(dir));
    assertEquals(StoreException.Kind.CORRUPT, e.kind(), e.getMessage());
  }

  @Test
  void aSecondOpenOfTheSameDirectoryIsRefused() {
    try (EmbeddedStore s = EmbeddedStore.open(dir)) {
      StoreException e = assertThrows(StoreException.class, () -> EmbeddedStore.open(dir));
      assertEquals(StoreException.Kind.LOCKED, e.kind());
      s.put("still", "works");
    }
    try (EmbeddedStore s = EmbeddedStore.open(dir)) {
      assertEquals("works", s.get("still").orElseThrow().valueAsString());
    }
  }

  /** An interrupted caller must not close the log for everyone (an interruptible channel would). */
  @Test
  void anInterruptedWriterDoesNotBreakTheStore() throws Exception {
    try (EmbeddedStore s = EmbeddedStore.open(dir)) {
      Thread t =
          new Thread(
              () -> {
                Thread.currentThread().interrupt();
                s.put("interrupted", "1");
              });
      t.start();
      t.join();
      s.put("after", "2");
      assertEquals("2", s.get("after").orElseThrow().valueAsString());
    }
    try (EmbeddedStore s = EmbeddedStore.open(dir)) {
      assertEquals("1", s.get("interrupted").orElseThrow().valueAsString());
      assertEquals("2", s.get("after").orElseThrow().valueAsString());
    }
  }
}
