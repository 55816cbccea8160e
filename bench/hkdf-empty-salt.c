/*
 * bench/hkdf-empty-salt.c: an LD_PRELOAD shim that lets SPDK v23.05's NVMe/TCP TLS derive its PSKs
 * with Debian bookworm's OpenSSL 3.0.
 *
 * SPDK 23.05 derives the retained and the TLS PSK with HKDF and no salt, which it asks for as
 * EVP_PKEY_CTX_set1_hkdf_salt(ctx, NULL, 0). OpenSSL 3.0 refuses a NULL salt (the call returns 0
 * and spdk_nvme_perf stops with "Unable to set salt for HKDF"), but accepts an empty one given by
 * a non-NULL pointer. Both mean the same thing: HKDF without a salt uses HashLen zero bytes (RFC
 * 5869, section 2.2), and an empty HMAC key is padded to those same zeros. This shim turns the NULL
 * into an empty salt and changes nothing else, so the keys and the TLS handshake are exactly the
 * ones SPDK means to make. bench/spdk-side-by-side builds it and preloads it into SPDK's tools.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

typedef int (*set_salt_fn)(void *ctx, const unsigned char *salt, int saltlen);

int EVP_PKEY_CTX_set1_hkdf_salt(void *ctx, const unsigned char *salt, int saltlen)
{
	static const unsigned char empty[1];
	static set_salt_fn next;

	if (next == NULL) {
		next = (set_salt_fn)dlsym(RTLD_NEXT, "EVP_PKEY_CTX_set1_hkdf_salt");
		if (next == NULL) {
			return 0;
		}
	}
	if (salt == NULL && saltlen == 0) {
		salt = empty;
	}
	return next(ctx, salt, saltlen);
}
