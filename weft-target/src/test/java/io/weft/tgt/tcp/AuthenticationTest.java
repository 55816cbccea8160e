package io.weft.tgt.tcp;

import static io.weft.tgt.testing.RawHost.check;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.weft.protocol.auth.AuthFailure;
import io.weft.protocol.auth.AuthMessage;
import io.weft.protocol.auth.AuthNegotiate;
import io.weft.protocol.auth.AuthProtocol;
import io.weft.protocol.auth.DhGroup;
import io.weft.protocol.auth.DhchapChallenge;
import io.weft.protocol.auth.DhchapHash;
import io.weft.protocol.auth.DhchapReply;
import io.weft.protocol.auth.DhchapResponses;
import io.weft.protocol.auth.DhchapSecret;
import io.weft.protocol.auth.DhchapSuccess1;
import io.weft.protocol.auth.FailureReason;
import io.weft.protocol.auth.NegotiateDescriptor;
import io.weft.protocol.nvme.ControllerRegisters;
import io.weft.protocol.nvme.Opcodes;
import io.weft.protocol.nvme.Sqe;
import io.weft.protocol.nvme.Status;
import io.weft.tgt.Target;
import io.weft.tgt.config.DhchapKeys;
import io.weft.tgt.config.DhchapPolicy;
import io.weft.tgt.config.ListenerConfig;
import io.weft.tgt.config.NamespaceConfig;
import io.weft.tgt.config.SubsystemConfig;
import io.weft.tgt.config.TargetConfig;
import io.weft.tgt.testing.RawHost;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target's side of DH-HMAC-CHAP against a host written byte by byte: the Connect answer, the
 * gate on unauthenticated queues, the SQE checks of Authentication Send/Receive, and every way a
 * host can break the exchange (out of turn, another transaction, a wrong or replayed response,
 * garbage). Each ends with AUTH_Failure1 and a closed connection, never an authenticated queue, and
 * the bystander host's data is untouched.
 */
class AuthenticationTest {
  static final String NQN = TcpTestSupport.NQN;
  static final String HOST = "nqn.2014-08.org.example:auth-raw-host";
  static final DhchapSecret KEY = DhchapSecret.parse(keyText());

  @TempDir Path dir;
  private Target target;
  private InetSocketAddress address;

  static String keyText() {
    byte[] k = new byte[32];
    new Random(5).nextBytes(k);
    return new DhchapSecret(DhchapHash.SHA_256, k).format();
  }

  @BeforeEach
  void start() throws IOException {
    target =
        Target.start(
            new TargetConfig(
                dir,
                List.of(ListenerConfig.of("127.0.0.1", 0)),
                List.of(
                    new SubsystemConfig(
                        NQN,
                        "WEFTTEST0001",
                        "Weft test target",
                        null,
                        List.of(RawHost.HOST_NQN, HOST),
                        List.of(NamespaceConfig.memory(1, 16 << 20)),
                        Map.of(HOST, new DhchapKeys(KEY, null)))),
                null,
                TcpTestSupport.tuning(1, 1),
                new DhchapPolicy(
                    List.of(DhchapHash.SHA_256, DhchapHash.SHA_512),
                    List.of(DhGroup.NULL, DhGroup.FFDHE2048))));
    address = TcpTestSupport.address(target);
  }

  @AfterEach
  void stop() {
    target.close();
  }

  // ---- a host written out: Authentication Send and Receive ----

  static RawHost.Completion send(RawHost h, AuthMessage m) throws IOException {
    ByteBuf b = Unpooled.buffer(m.size());
    m.encode(b);
    return sendBytes(h, bytes(b), AuthProtocol.SECP_NVME, m.size());
  }

  static RawHost.Completion sendBytes(RawHost h, byte[] data, int secp, int tl) throws IOException {
    return h.command(
        sqe -> {
          sqe.setByte(Sqe.OPCODE, Opcodes.FABRICS);
          sqe.setByte(Sqe.FCTYPE, AuthProtocol.FCTYPE_AUTH_SEND);
          sqe.setIntLE(Sqe.CDW10, secp << 24 | 1 << 16 | 1 << 8);
          sqe.setIntLE(Sqe.CDW11, tl);
        },
        data,
        0);
  }

  static RawHost.Completion receiveRaw(RawHost h, int al) throws IOException {
    return h.command(
        sqe -> {
          sqe.setByte(Sqe.OPCODE, Opcodes.FABRICS);
          sqe.setByte(Sqe.FCTYPE, AuthProtocol.FCTYPE_AUTH_RECEIVE);
          sqe.setIntLE(Sqe.CDW10, AuthProtocol.SECP_NVME << 24 | 1 << 16 | 1 << 8);
          sqe.setIntLE(Sqe.CDW11, al);
        },
        null,
        al);
  }

  static AuthMessage receive(RawHost h) throws Exception {
    RawHost.Completion c = check(receiveRaw(h, 4096));
    assertEquals(4096, c.data().length, "the whole buffer comes back");
    return AuthMessage.decode(Unpooled.wrappedBuffer(c.data()), 0, c.data().length);
  }

  static byte[] bytes(ByteBuf b) {
    byte[] a = new byte[b.readableBytes()];
    b.getBytes(b.readerIndex(), a);
    return a;
  }

  /** A Negotiate offering SHA-256 and the null group only. */
  static AuthNegotiate negotiate(int tid) {
    return new AuthNegotiate(
        tid, new NegotiateDescriptor(List.of(DhchapHash.SHA_256.id), List.of(DhGroup.NULL.id)));
  }

  static DhchapReply reply(DhchapChallenge ch, int tid, DhchapSecret key) {
    byte[] r1 =
        DhchapResponses.hostResponse(
            ch.hash(), key.transformedKey(HOST), ch.challenge(), ch.seqnum(), tid, 0, HOST, NQN);
    return new DhchapReply(tid, r1, null, 0, new byte[0]);
  }

  /** The whole exchange, right. */
  static void authenticate(RawHost h, int tid) throws Exception {
    check(send(h, negotiate(tid)));
    DhchapChallenge ch = assertInstanceOf(DhchapChallenge.class, receive(h));
    check(send(h, reply(ch, tid, KEY)));
    assertInstanceOf(DhchapSuccess1.class, receive(h));
  }

  RawHost connectAdmin() throws IOException {
    RawHost h = new RawHost(address);
    h.initialize(false, false);
    RawHost.Completion c = check(h.connect(0, NQN, HOST, 31, 0));
    assertNotEquals(0, c.result() & AuthProtocol.CONNECT_ATR, "Connect must ask for ATR");
    return h;
  }

  static void assertFailure1(RawHost h, FailureReason reason) throws Exception {
    AuthFailure f = assertInstanceOf(AuthFailure.class, receive(h));
    assertEquals(reason, f.explanation());
    h.soTimeout(3000);
    assertTrue(h.closedByPeer(), "the connection must end after AUTH_Failure1");
  }

  static boolean identifyWorks(RawHost h) throws IOException {
    RawHost.Completion c = h.identify(Opcodes.CNS_CONTROLLER, 0);
    if (!c.ok()) {
      assertEquals(Status.AUTHENTICATION_REQUIRED | Status.DNR, c.status() & ~Status.MORE);
    }
    return c.ok();
  }

  // ---- the tests ----

  @Test
  void onlyFabricsCommandsRunUntilEachQueueAuthenticates() throws Exception {
    try (RawHost admin = connectAdmin()) {
      assertFalse(identifyWorks(admin));
      // Property Get/Set still work: the Linux host enables the controller before authenticating.
      check(admin.propertyGet(ControllerRegisters.CAP, true));
      authenticate(admin, 0);
      admin.enable();
      assertTrue(identifyWorks(admin));
      check(admin.setFeatures(Opcodes.FEAT_NUMBER_OF_QUEUES, 0));
      try (RawHost io = new RawHost(address)) {
        io.initialize(false, false);
        io.cntlid = admin.cntlid;
        RawHost.Completion c = check(io.connect(1, NQN, HOST, 31, 0));
        assertNotEquals(0, c.result() & AuthProtocol.CONNECT_ATR);
        RawHost.Completion r = io.read(1, 0, 1, 512);
        assertEquals(Status.AUTHENTICATION_REQUIRED | Status.DNR, r.status() & ~Status.MORE);
        authenticate(io, 1);
        check(io.read(1, 0, 1, 512));
        // Re-authentication on a live queue: it stays usable throughout.
        authenticate(io, 2);
        check(io.read(1, 0, 1, 512));
      }
    }
  }

  @Test
  void theSecurityFieldsAndLengthsAreChecked() throws Exception {
    try (RawHost h = connectAdmin()) {
      ByteBuf b = Unpooled.buffer();
      negotiate(0).encode(b);
      byte[] n = bytes(b);
      assertEquals(
          Status.INVALID_FIELD | Status.DNR,
          sendBytes(h, n, 0xEA, n.length).status() & ~Status.MORE,
          "SECP");
      assertEquals(
          Status.INVALID_FIELD | Status.DNR,
          h.command(
                      sqe -> {
                        sqe.setByte(Sqe.OPCODE, Opcodes.FABRICS);
                        sqe.setByte(Sqe.FCTYPE, AuthProtocol.FCTYPE_AUTH_SEND);
                        sqe.setIntLE(Sqe.CDW10, AuthProtocol.SECP_NVME << 24 | 1 << 16 | 2 << 8);
                        sqe.setIntLE(Sqe.CDW11, n.length);
                      },
                      n,
                      0)
                  .status()
              & ~Status.MORE,
          "SPSP0");
      assertEquals(
          Status.INVALID_FIELD | Status.DNR,
          receiveRaw(h, 0).status() & ~Status.MORE,
          "AL 0 transfers nothing");
      // TL must equal the data length.
      assertEquals(
          Status.SGL_DATA_LENGTH_INVALID | Status.DNR,
          sendBytes(h, n, AuthProtocol.SECP_NVME, n.length + 4).status() & ~Status.MORE);
      // None of that moved the exchange: a proper one still succeeds.
      authenticate(h, 3);
      h.enable();
      assertTrue(identifyWorks(h));
    }
  }

  @Test
  void aReplyBeforeAChallengeEndsTheExchange() throws Exception {
    TcpTestSupport.withBystander(
        target,
        addr -> {
          try (RawHost h = connectAdmin()) {
            check(send(h, new DhchapReply(0, new byte[32], null, 0, new byte[0])));
            assertFalse(identifyWorks(h));
            assertFailure1(h, FailureReason.INCORRECT_PROTOCOL_MESSAGE);
          }
        });
  }

  @Test
  void anotherTransactionsReplyIsAnIncorrectPayload() throws Exception {
    try (RawHost h = connectAdmin()) {
      check(send(h, negotiate(7)));
      DhchapChallenge ch = assertInstanceOf(DhchapChallenge.class, receive(h));
      check(send(h, reply(ch, 8, KEY)));
      assertFailure1(h, FailureReason.INCORRECT_PAYLOAD);
    }
  }

  @Test
  void aWrongKeyOrAReplayedReplyIsRefused() throws Exception {
    DhchapReply captured;
    try (RawHost h = connectAdmin()) {
      check(send(h, negotiate(1)));
      DhchapChallenge ch = assertInstanceOf(DhchapChallenge.class, receive(h));
      captured = reply(ch, 1, KEY);
      check(send(h, captured));
      assertInstanceOf(DhchapSuccess1.class, receive(h));
    }
    // An eavesdropper replays the good Reply: the new challenge makes it worthless.
    try (RawHost h = connectAdmin()) {
      check(send(h, negotiate(1)));
      receive(h);
      check(send(h, captured));
      assertFailure1(h, FailureReason.FAILED);
    }
    byte[] other = new byte[32];
    new Random(6).nextBytes(other);
    try (RawHost h = connectAdmin()) {
      check(send(h, negotiate(2)));
      DhchapChallenge ch = assertInstanceOf(DhchapChallenge.class, receive(h));
      check(send(h, reply(ch, 2, new DhchapSecret(DhchapHash.SHA_256, other))));
      assertFailure1(h, FailureReason.FAILED);
    }
  }

  @Test
  void whatTheTargetCannotAgreeToIsNamed() throws Exception {
    try (RawHost h = connectAdmin()) {
      check(send(h, new AuthNegotiate(0, new NegotiateDescriptor(List.of(0x09), List.of(0)))));
      assertFailure1(h, FailureReason.HASH_NOT_USABLE);
    }
    try (RawHost h = connectAdmin()) {
      check(send(h, new AuthNegotiate(0, new NegotiateDescriptor(List.of(1), List.of(0x05)))));
      assertFailure1(h, FailureReason.DH_GROUP_NOT_USABLE);
    }
    try (RawHost h = connectAdmin()) {
      check(
          send(
              h,
              new AuthNegotiate(0, 1, List.of(new NegotiateDescriptor(List.of(1), List.of(0))))));
      assertFailure1(h, FailureReason.CONCATENATION_MISMATCH);
    }
  }

  /**
   * Random messages, whole or cut, in random order: the target never crashes, never lets the host
   * in, and every other host keeps working.
   */
  @Test
  void garbageNeverAuthenticates() throws Exception {
    Random random = new Random(42);
    TcpTestSupport.withBystander(
        target,
        addr -> {
          for (int round = 0; round < 40; round++) {
            try (RawHost h = connectAdmin()) {
              h.soTimeout(3000);
              for (int step = 0; step < 4; step++) {
                RawHost.Completion c;
                if (random.nextBoolean()) {
                  byte[] msg = garbage(random);
                  c = sendBytes(h, msg, AuthProtocol.SECP_NVME, msg.length);
                } else {
                  c = receiveRaw(h, 16 + random.nextInt(2000));
                }
                if (!c.ok()) {
                  continue;
                }
                if (identifyWorks(h)) {
                  throw new AssertionError("garbage authenticated the host in round " + round);
                }
              }
            } catch (IOException closed) {
              // The target ended the connection: what it should do with garbage.
            }
          }
        });
  }

  /** A message with a real header (so it reaches the state machine) and random contents. */
  static byte[] garbage(Random random) {
    int[][] types = {{0, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}, {0, 0xF0}, {0, 0xF1}, {7, 7}};
    int[] t = types[random.nextInt(types.length)];
    byte[] m = new byte[1 + random.nextInt(300)];
    random.nextBytes(m);
    m[0] = (byte) t[0];
    if (m.length > 1) {
      m[1] = (byte) t[1];
    }
    return m;
  }

  @Test
  void aQueueLeftHalfWayThroughAuthenticationIsClosed() throws Exception {
    try (RawHost admin = new RawHost(address)) {
      admin.initialize(false, false);
      check(admin.connect(0, NQN, HOST, 31, 10_000));
      authenticate(admin, 0);
      admin.enable();
      check(admin.setFeatures(Opcodes.FEAT_NUMBER_OF_QUEUES, 0));
      try (RawHost io = new RawHost(address)) {
        io.initialize(false, false);
        io.cntlid = admin.cntlid;
        check(io.connect(1, NQN, HOST, 31, 0));
        check(send(io, negotiate(1)));
        // The host never asks for the challenge. Its admin queue stays alive meanwhile.
        io.soTimeout(1000);
        long t0 = System.nanoTime();
        boolean closed = false;
        while (!closed && System.nanoTime() - t0 < 20_000_000_000L) {
          check(admin.simple(Opcodes.ADMIN_KEEP_ALIVE, 0, 0, 0, 0));
          closed = io.closedByPeer();
        }
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
        assertTrue(closed, "a queue left half way must not be held for ever");
        assertTrue(seconds >= 8, "closed after " + seconds + " s, before the deadline");
        assertTrue(identifyWorks(admin), "the authenticated admin queue is not affected");
      }
    }
  }
}
