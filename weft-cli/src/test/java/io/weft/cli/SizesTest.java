package io.weft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SizesTest {
  @Test
  void formatsExactUnitsAndOneDecimalOtherwise() {
    assertEquals("0 B", Sizes.format(0));
    assertEquals("1023 B", Sizes.format(1023));
    assertEquals("1 KiB", Sizes.format(1024));
    assertEquals("64 MiB", Sizes.format(64L << 20));
    assertEquals("1 GiB", Sizes.format(1L << 30));
    assertEquals("1.5 GiB", Sizes.format(3L << 29));
    assertEquals("2 TiB", Sizes.format(2L << 40));
    assertEquals("8.0 EiB", Sizes.format(Long.MAX_VALUE));
  }
}
