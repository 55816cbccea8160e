package io.weft.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostIdentityTest {
  @TempDir Path dir;

  @Test
  void generatedOnceThenKept() {
    HostIdentity first = HostIdentity.load(dir);
    assertTrue(first.hostNqn().startsWith("nqn.2014-08.org.nvmexpress:uuid:"));
    assertEquals(first, HostIdentity.load(dir));
  }

  @Test
  void aUserProvidedNqnIsKeptAndTheIdAdded() throws Exception {
    Files.writeString(dir.resolve("hostnqn"), "nqn.2026-11.io.example:gpu-node-7\n");
    HostIdentity id = HostIdentity.load(dir);
    assertEquals("nqn.2026-11.io.example:gpu-node-7", id.hostNqn());
    assertEquals("nqn.2026-11.io.example:gpu-node-7\n", Files.readString(dir.resolve("hostnqn")));
    assertEquals(id, HostIdentity.load(dir));
  }
}
