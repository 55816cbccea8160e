package io.weft.protocol.fabrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NqnTest {
  @Test
  void theDateAndDomainFormWithinTheSpecsLength() {
    assertTrue(
        Nqn.wellFormed("nqn.2014-08.org.nvmexpress:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"));
    assertTrue(Nqn.wellFormed("nqn.2026-11.io.weft:vol:a"));
    assertFalse(Nqn.wellFormed(null));
    assertFalse(Nqn.wellFormed("host-a"));
    assertFalse(Nqn.wellFormed("nqn.26-11.io.weft:a"), "a four-digit year");
    assertFalse(Nqn.wellFormed("nqn.2026-11.io.weft:with space"));
    assertTrue(Nqn.wellFormed("nqn.2026-11." + "a".repeat(200)));
    assertFalse(Nqn.wellFormed("nqn.2026-11." + "a".repeat(Nqn.MAX_LENGTH)), "past 223");
  }
}
