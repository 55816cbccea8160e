package io.weft.protocol.auth;

import java.util.HexFormat;

/**
 * Known-answer values captured from the Linux 6.1.192 kernel (host and target) and nvme-cli 2.3;
 * the research notes call them V1 to V8.
 */
final class Kat {
  private Kat() {}

  static final String HOST_NQN = "nqn.2014-08.org.example:lp-auth-host";
  static final String SUBSYS_NQN = "nqn.2014-08.org.example:lp-auth-subsys";

  /** V1: the spec's example secret. */
  static final String V1_SECRET = "DHHC-1:00:ia6zGodOr4SEG0Zzaw398rpY0wqipUWj4jWjUh4HWUz6aQ2n:";

  /** V2: nvme-cli's transformed key for secret 00..1f and this NQN. */
  static final String V2_SECRET = "DHHC-1:01:bHuByyp0b3RFSx1xQPMVO1HKmUWfzveoahfydpW4fNgSLMVm:";

  static final String V2_NQN =
      "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000001";

  /** V4/V5 controller secret: key 40h..6Fh, SHA-384 transform. */
  static final String CTRL_SECRET =
      "DHHC-1:02:QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5voBXMjQ==:";

  /** V5-V7 host secret: key 80h..BFh, SHA-512 transform. */
  static final String HOST_SECRET_512 =
      "DHHC-1:03:gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp+goaKjpKWmp6ipqqusra6vsLGys7S1tre4ubq7vL2+v6rfDIU=:";

  static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /** Bytes from, from+1, ... (count of them). */
  static byte[] run(int from, int count) {
    byte[] b = new byte[count];
    for (int i = 0; i < count; i++) {
      b[i] = (byte) (from + i);
    }
    return b;
  }
}
