package io.weft.block;

import static io.weft.block.BlockDevices.parseSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BlockDevicesTest {
  /** Opening never runs I/O, so tasks can simply run inline. */
  private static final Executor INLINE = Runnable::run;

  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({
    "4096, 4096",
    "1, 1",
    "1K, 1024",
    "64k, 65536",
    "512M, 536870912",
    "1G, 1073741824",
    "1g, 1073741824",
    "1GiB, 1073741824",
    "3T, 3298534883328",
    "' 8M ', 8388608",
    "8388607T, 9223370937343148032",
  })
  void parsesSizes(String text, long expected) {
    assertEquals(expected, parseSize(text));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", " ", "G", "1.5G", "-1", "1GB", "1X", "1 G", "0x10", "iB", "1iB", "1e3", "+5"})
  void rejectsMalformedSizes(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> parseSize(text));
    assertTrue(e.getMessage().contains("e.g. 4096, 512M, 1G"), e.getMessage());
  }

  @Test
  void rejectsZeroAndOverflowingSizes() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> parseSize("0"))
            .getMessage()
            .contains("positive"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> parseSize("8388608T"))
            .getMessage()
            .contains("too large"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> parseSize("99999999999999999999"))
            .getMessage()
            .contains("too large"));
    assertThrows(IllegalArgumentException.class, () -> parseSize(null));
  }

  @Test
  void opensMemoryDevices() throws IOException {
    try (BlockDevice dev = BlockDevices.open("mem:16M", INLINE)) {
      assertInstanceOf(MemoryBlockDevice.class, dev);
      assertEquals(16 << 20, dev.sizeBytes());
    }
  }

  @Test
  void opensFileDevices() throws IOException {
    Path path = dir.resolve("ns1.img");
    try (BlockDevice dev = BlockDevices.open("file:" + path + "?size=2M", INLINE)) {
      FileBlockDevice file = assertInstanceOf(FileBlockDevice.class, dev);
      assertEquals(2 << 20, file.sizeBytes());
      assertEquals(path, file.path());
      assertFalse(file.isDirect());
    }
    assertEquals(2 << 20, Files.size(path));
    // An existing file may omit the size, and file:// URIs work too.
    try (BlockDevice dev = BlockDevices.open("file://" + path + "?direct=false", INLINE)) {
      assertEquals(2 << 20, dev.sizeBytes());
    }
  }

  @Test
  void opensDirectFileDevicesWhereSupported() throws IOException {
    Path path = dir.resolve("direct.img");
    BlockDevice dev;
    try {
      dev = BlockDevices.open("file:" + path + "?size=1M&direct=true", INLINE);
    } catch (IOException | UnsupportedOperationException e) {
      org.junit.jupiter.api.Assumptions.abort("O_DIRECT unavailable here: " + e);
      return;
    }
    try (dev) {
      assertTrue(((FileBlockDevice) dev).isDirect());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "disk:/tmp/x",
        "mem:",
        "mem:lots",
        "file:",
        "file:?size=1M",
        "file:/tmp/x?size=1M&direct=yes",
        "file:/tmp/x?size=1M&sync=true",
        "file:/tmp/x?size",
        "file:/nonexistent/weft-test.img",
      })
  void rejectsMalformedSpecifications(String spec) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BlockDevices.open(spec, INLINE));
    assertFalse(e.getMessage().isBlank());
  }
}
