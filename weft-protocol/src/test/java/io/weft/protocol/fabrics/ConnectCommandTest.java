package io.weft.protocol.fabrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ConnectCommandTest {
  /** An I/O queue Connect as the Linux host sends it with disable_sqflow: QID 1, SQSIZE 127. */
  @Test
  void fieldsSitWhereTheSpecPutsThem() {
    int cdw10 = ConnectCommand.cdw10(0, 1);
    int cdw11 = ConnectCommand.cdw11(127, ConnectCommand.CATTR_DISABLE_SQ_FLOW);
    // SQE bytes 40..47, little-endian: RECFMT 00 00, QID 01 00, SQSIZE 7f 00, CATTR 04, reserved.
    assertEquals(0x0001_0000, cdw10);
    assertEquals(0x0004_007F, cdw11);
    assertEquals(0, ConnectCommand.recfmt(cdw10));
    assertEquals(1, ConnectCommand.qid(cdw10));
    assertEquals(127, ConnectCommand.sqsize(cdw11));
    assertEquals(ConnectCommand.CATTR_DISABLE_SQ_FLOW, ConnectCommand.cattr(cdw11));
  }

  @Test
  void anAdminQueueConnectWithFlowControlOn() {
    int cdw11 = ConnectCommand.cdw11(31, 0);
    assertEquals(0x0000_001F, cdw11);
    assertEquals(0, ConnectCommand.qid(ConnectCommand.cdw10(0, 0)));
    assertEquals(0, ConnectCommand.cattr(cdw11));
    assertEquals(0xFFFF, ConnectCommand.SQHD_SQ_FLOW_DISABLED);
  }
}
