package io.weft.perf;

/** I/O patterns, named as fio and spdk_nvme_perf name them. */
public enum Workload {
  READ(false, false),
  WRITE(false, false),
  RANDREAD(true, false),
  RANDWRITE(true, false),
  RANDRW(true, true);

  public final boolean random;
  public final boolean mixed;

  Workload(boolean random, boolean mixed) {
    this.random = random;
    this.mixed = mixed;
  }

  public static Workload parse(String name) {
    for (Workload w : values()) {
      if (w.name().equalsIgnoreCase(name)) {
        return w;
      }
    }
    throw new IllegalArgumentException(
        "unknown workload '" + name + "' (read, write, randread, randwrite, randrw)");
  }

  public String label() {
    return name().toLowerCase();
  }
}
