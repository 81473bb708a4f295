#ifndef STEVEDORE_CCRYPTO_SHIM_H
#define STEVEDORE_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/crypto.h>

/* Initializes libcrypto without its exit handler: OpenSSL would otherwise free its global state
   at exit() while other threads still free hashes and MACs that refer to it (a double free). */
static inline int stevedore_openssl_keep_state_at_exit(void) {
    return OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
}

/* A new HMAC context keyed with `key`, over `digest` ("SHA256", "MD5", ...); NULL on failure.
   OSSL_PARAM arrays are awkward from Swift, so they are built here. */
static inline EVP_MAC_CTX *stevedore_hmac_new(const char *digest, const unsigned char *key, size_t keyLength) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    if (ctx == NULL) return NULL;
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_init(ctx, keyLength == 0 ? (const unsigned char *)"" : key, keyLength, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}
#endif
