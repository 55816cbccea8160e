package io.weft.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class HugePageMemoryTest {
  private static final long MIB = 1 << 20;

  @Test
  void chunksAreAlignedZeroedAndWritable() {
    assumeTrue(HugePageMemory.available(), "not Linux");
    MemorySegment m = HugePageMemory.allocate(4 * MIB);
    assertEquals(4 * MIB, m.byteSize());
    assertEquals(0, m.address() % HugePageMemory.HUGE_PAGE, "2 MiB aligned");
    for (long at = 0; at < m.byteSize(); at += 4096) {
      assertEquals(0, m.get(ValueLayout.JAVA_LONG, at), "zeroed at " + at);
    }
    m.set(ValueLayout.JAVA_LONG, 4 * MIB - 8, 0x1122334455667788L);
    assertEquals(0x1122334455667788L, m.get(ValueLayout.JAVA_LONG, 4 * MIB - 8));
  }

  /**
   * The kernel is asked for huge pages: the chunk's mapping is eligible for them ("THPeligible: 1"
   * in /proc/self/smaps), unless this machine turned transparent huge pages off altogether.
   */
  @Test
  void theMappingIsEligibleForTransparentHugePages() throws IOException {
    Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
    assumeTrue(HugePageMemory.available() && Files.exists(mode), "no transparent huge pages");
    assumeTrue(!Files.readString(mode).contains("[never]"), "transparent huge pages are off");
    MemorySegment m = HugePageMemory.allocate(2 * MIB);
    m.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
    String eligible = thpEligible(m.address());
    assertEquals("1", eligible, "THPeligible of the chunk's mapping");
  }

  @Test
  void sizesThatAreNotWholeHugePagesStillWork() {
    MemorySegment m = HugePageMemory.allocate(3 * MIB / 2);
    assertEquals(3 * MIB / 2, m.byteSize());
    assertEquals(0, m.get(ValueLayout.JAVA_LONG, 3 * MIB / 2 - 8));
  }

  /** The THPeligible line of the /proc/self/smaps entry that holds {@code address}. */
  private static String thpEligible(long address) throws IOException {
    List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
    boolean inside = false;
    for (String line : lines) {
      if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
        String[] range = line.substring(0, line.indexOf(' ')).split("-");
        long start = Long.parseUnsignedLong(range[0], 16);
        long end = Long.parseUnsignedLong(range[1], 16);
        inside =
            Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
      } else if (inside && line.startsWith("THPeligible:")) {
        return line.substring("THPeligible:".length()).trim();
      }
    }
    assertTrue(false, "no smaps entry holds " + Long.toHexString(address));
    return null;
  }
}
