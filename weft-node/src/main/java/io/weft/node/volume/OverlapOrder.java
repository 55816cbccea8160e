package io.weft.node.volume;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Orders modifying operations whose byte ranges overlap, so that every replica applies them in the
 * same order. A host may have two writes to one block in flight at once; NVMe leaves their order
 * open, but a replicated volume must not let the local replica keep one and a remote the other (the
 * block would then read back differently after a failover). An operation that overlaps one admitted
 * before it waits until that one completed everywhere; operations that do not overlap run at once,
 * so the cost is one short lock and a scan of the operations in flight.
 */
final class OverlapOrder {
  /** One admitted operation: its range and how many earlier overlapping ones it still waits on. */
  static final class Ticket {
    private final long start;
    private final long end;
    private final Consumer<Ticket> run;
    private int blockers;

    private Ticket(long start, long end, Consumer<Ticket> run) {
      this.start = start;
      this.end = end;
      this.run = run;
    }

    private boolean overlaps(Ticket other) {
      return start < other.end && other.start < end;
    }
  }

  /** Admitted operations, running or waiting, in admission order. */
  private final List<Ticket> admitted = new ArrayList<>();

  /**
   * Admits an operation on {@code [offset, offset + length)}: runs {@code run} with its ticket now
   * if no earlier operation in flight overlaps it, else once they all completed. The operation must
   * call {@link #complete} with that ticket when it completed.
   */
  void admit(long offset, long length, Consumer<Ticket> run) {
    Ticket t = new Ticket(offset, offset + length, run);
    synchronized (this) {
      for (Ticket earlier : admitted) {
        if (earlier.overlaps(t)) {
          t.blockers++;
        }
      }
      admitted.add(t);
      if (t.blockers > 0) {
        return;
      }
    }
    run.accept(t);
  }

  /** Marks an operation completed and runs the waiting ones it was the last blocker of. */
  void complete(Ticket done) {
    List<Ticket> ready = null;
    synchronized (this) {
      int at = admitted.indexOf(done);
      admitted.remove(at);
      for (int i = at; i < admitted.size(); i++) {
        Ticket later = admitted.get(i);
        if (later.overlaps(done) && --later.blockers == 0) {
          if (ready == null) {
            ready = new ArrayList<>(2);
          }
          ready.add(later);
        }
      }
    }
    if (ready != null) {
      for (Ticket t : ready) {
        t.run.accept(t);
      }
    }
  }

  /** Operations admitted and not yet completed (running or waiting). */
  synchronized int inFlight() {
    return admitted.size();
  }
}
