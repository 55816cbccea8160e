package io.weft.tgt.qos;

/**
 * One namespace's QoS at work: its ceilings as token buckets (reads and writes apart, operations
 * and bytes apart), and the floor buckets that hold it while it yields to a busier class. {@link
 * #admit} runs on the I/O path of every queue of the namespace: no lock, no allocation.
 */
public final class NamespaceQos {
  /** Idle credit: a volume that waited may send this much of its rate at once. */
  static final long BURST_NANOS = 10_000_000L;

  private final QosPolicy policy;
  private final QosArbiter arbiter;
  private final RateBucket readOps;
  private final RateBucket writeOps;
  private final RateBucket readBytes;
  private final RateBucket writeBytes;
  private final RateBucket floorOps;
  private final RateBucket floorBytes;

  public NamespaceQos(QosPolicy policy, QosArbiter arbiter) {
    long now = System.nanoTime();
    this.policy = policy;
    this.arbiter = arbiter;
    this.readOps = bucket(policy.readIops(), now);
    this.writeOps = bucket(policy.writeIops(), now);
    this.readBytes = bucket(policy.readBytesPerSecond(), now);
    this.writeBytes = bucket(policy.writeBytesPerSecond(), now);
    boolean yields = policy.workloadClass() != WorkloadClass.LATENCY_CRITICAL;
    this.floorOps = yields ? bucket(policy.effectiveMinIops(), now) : null;
    this.floorBytes = yields ? bucket(policy.effectiveMinBytesPerSecond(), now) : null;
  }

  private static RateBucket bucket(long perSecond, long now) {
    return perSecond > 0 ? new RateBucket(perSecond, BURST_NANOS, now) : null;
  }

  public QosPolicy policy() {
    return policy;
  }

  /**
   * Admits one I/O of {@code bytes} at {@code now}: the nanoseconds it must wait before it goes to
   * the device (0: at once). Its cost is reserved in every bucket that applies, so I/Os that wait
   * go in the order they came.
   */
  public long admit(boolean write, long bytes, long now) {
    WorkloadClass c = policy.workloadClass();
    arbiter.busy(c, now);
    long wait =
        write
            ? Math.max(charge(writeOps, 1, now), charge(writeBytes, bytes, now))
            : Math.max(charge(readOps, 1, now), charge(readBytes, bytes, now));
    if (floorOps != null || floorBytes != null) {
      if (arbiter.mustYield(c, now)) {
        wait = Math.max(wait, Math.max(charge(floorOps, 1, now), charge(floorBytes, bytes, now)));
      }
    }
    return wait;
  }

  private static long charge(RateBucket b, long cost, long now) {
    return b == null || cost == 0 ? 0 : b.reserve(cost, now);
  }
}
