package io.weft.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.weft.protocol.nvme.Status;
import org.junit.jupiter.api.Test;

/** The identifier values as Linux 6.1 and SPDK use them on the wire. */
class IdentifiersTest {
  @Test
  void hashesHaveTheirIdsAndLengths() {
    for (DhchapHash h : DhchapHash.values()) {
      assertEquals(h, DhchapHash.of(h.id));
      assertEquals(h, DhchapHash.ofLength(h.length));
      assertEquals(h.length, h.digest(new byte[0]).length, h.digestAlgorithm);
      assertEquals(h.length, h.hmac(new byte[] {1}, new byte[0]).length, h.hmacAlgorithm);
    }
    assertEquals(1, DhchapHash.SHA_256.id);
    assertEquals(2, DhchapHash.SHA_384.id);
    assertEquals(3, DhchapHash.SHA_512.id);
    assertNull(DhchapHash.of(0));
    assertNull(DhchapHash.of(4));
    assertNull(DhchapHash.ofLength(20));
  }

  @Test
  void groupsHaveTheirIdsAndSizes() {
    int[] sizes = {0, 256, 384, 512, 768, 1024};
    for (int id = 0; id <= 5; id++) {
      DhGroup g = DhGroup.of(id);
      assertEquals(id, g.id);
      assertEquals(sizes[id], g.valueLength);
    }
    assertNull(DhGroup.of(6));
  }

  @Test
  void messageTypesAndFailureCodes() {
    assertEquals(AuthMessageType.NEGOTIATE, AuthMessageType.of(0, 0));
    assertEquals(AuthMessageType.CHALLENGE, AuthMessageType.of(1, 1));
    assertEquals(AuthMessageType.REPLY, AuthMessageType.of(1, 2));
    assertEquals(AuthMessageType.SUCCESS1, AuthMessageType.of(1, 3));
    assertEquals(AuthMessageType.SUCCESS2, AuthMessageType.of(1, 4));
    assertEquals(AuthMessageType.FAILURE2, AuthMessageType.of(0, 0xF0));
    assertEquals(AuthMessageType.FAILURE1, AuthMessageType.of(0, 0xF1));
    assertNull(AuthMessageType.of(1, 0));
    assertNull(AuthMessageType.of(0, 1));
    for (int code = 1; code <= 7; code++) {
      assertEquals(code, FailureReason.of(code).code);
    }
    assertEquals(FailureReason.INCORRECT_PAYLOAD, FailureReason.of(6));
    assertNull(FailureReason.of(0));
    assertNull(FailureReason.of(8));
  }

  @Test
  void commandAndConnectFields() {
    // The 6.1 target answered Connect with DW0 00020001h: CNTLID 1 and ATR.
    assertEquals(0x00020001, 1 | AuthProtocol.CONNECT_ATR);
    assertEquals(0xE9, AuthProtocol.SECP_NVME);
    // SQE bytes 40-47 of the Linux host's Negotiate: 00 01 01 e9 48 00 00 00.
    assertEquals(41, AuthProtocol.SQE_SPSP0);
    assertEquals(43, AuthProtocol.SQE_SECP);
    assertEquals(44, AuthProtocol.SQE_TL_AL);
    // A command before authentication: SCT 1, SC 91h (status field 4191h with DNR).
    assertEquals(0x191, Status.AUTHENTICATION_REQUIRED);
  }
}
