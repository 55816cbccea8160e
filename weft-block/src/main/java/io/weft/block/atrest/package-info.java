/**
 * Encryption at rest for file volumes: {@link io.weft.block.atrest.EncryptedBlockDevice}
 * (XTS-AES-256 per logical block, the unit's number as tweak) over a file of ciphertext, whose
 * random data key is kept only wrapped ({@link io.weft.block.atrest.VolumeKeyFile}) by a {@link
 * io.weft.block.atrest.WrappingKey}; {@link io.weft.block.atrest.EncryptedVolumes} opens, creates
 * and re-keys such volumes.
 */
package io.weft.block.atrest;
