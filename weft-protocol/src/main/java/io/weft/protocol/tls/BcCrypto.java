package io.weft.protocol.tls;

import java.security.SecureRandom;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * The crypto under Bouncy Castle's TLS: its JCA flavour, so AES-GCM, SHA-2 and X25519 run in the
 * JDK's providers (with the JIT's AES-NI and GHASH intrinsics) rather than in Bouncy Castle's pure
 * Java engines. One instance serves every connection.
 */
final class BcCrypto {
  static final TlsCrypto CRYPTO = new JcaTlsCryptoProvider().create(new SecureRandom());

  private BcCrypto() {}
}
