package io.weft.tgt.admin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A fresh test PKI from {@code src/test/tls/make-test-pki.sh} (needs the openssl command). */
final class TestPki {
  private TestPki() {}

  static Path make(Path dir) throws IOException, InterruptedException {
    Path script = Path.of("src/test/tls/make-test-pki.sh").toAbsolutePath();
    Process p =
        new ProcessBuilder("sh", script.toString(), dir.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0 || !Files.exists(dir.resolve("server.pem"))) {
      throw new IOException("making the test PKI failed (is openssl installed?): " + output);
    }
    return dir;
  }
}
