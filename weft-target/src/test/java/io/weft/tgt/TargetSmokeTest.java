package io.weft.tgt;

import static io.weft.tgt.testing.RawHost.check;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.weft.protocol.nvme.IdentifyController;
import io.weft.protocol.nvme.IdentifyNamespace;
import io.weft.tgt.testing.RawHost;
import io.weft.tgt.testing.TargetFixture;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TargetSmokeTest {
  @TempDir Path dir;

  @Test
  void connectIdentifyWriteAndReadBack() throws Exception {
    try (Target t = TargetFixture.memoryTarget(dir, 64 << 20);
        RawHost admin = new RawHost(TargetFixture.address(t));
        RawHost io = new RawHost(TargetFixture.address(t))) {
      admin.adminSetup(TargetFixture.NQN, 5000);
      IdentifyController ic =
          IdentifyController.decode(Unpooled.wrappedBuffer(check(admin.identify(1, 0)).data()), 0);
      assertEquals("Weft test target", ic.model());
      assertEquals(admin.cntlid, ic.cntlid());
      IdentifyNamespace ns =
          IdentifyNamespace.decode(Unpooled.wrappedBuffer(check(admin.identify(0, 1)).data()), 0);
      assertEquals((64 << 20) / 512, ns.sizeBlocks());
      check(admin.setFeatures(0x07, 0x00010001));
      io.initialize(true, true);
      io.cntlid = admin.cntlid;
      check(io.connect(1, TargetFixture.NQN, RawHost.HOST_NQN, 127, 0));
      byte[] small = new byte[4096];
      byte[] big = new byte[256 * 1024];
      new Random(1).nextBytes(small);
      new Random(2).nextBytes(big);
      check(io.write(1, 8, small, 512, true));
      check(io.write(1, 1000, big, 512, false));
      assertArrayEquals(small, check(io.read(1, 8, 8, 512)).data());
      assertArrayEquals(big, check(io.read(1, 1000, 512, 512)).data());
    }
  }
}
