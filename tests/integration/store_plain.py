#!/usr/bin/python3
# store_plain.py KEYHEX-on-stdin DBFILE: writes every page of a stopped
# node's SQLCipher 3 store decrypted, free space and free pages included,
# so a test can look for what a DELETE left behind. Standard library only
# (ctypes into the libcrypto SQLCipher itself uses); tests only.
# The layout (SQLCipher 3.x defaults, as node/store/store.c opens it): pages of
# 4096 bytes, AES-256-CBC under the raw key, each page ending in a reserve
# of 48 bytes (IV 16 + HMAC-SHA1 20, rounded to the block); page 1 starts
# with the 16-byte salt.
import ctypes, ctypes.util, sys
key = bytes.fromhex(sys.stdin.readline().strip())
lib = ctypes.CDLL(ctypes.util.find_library("crypto") or "libcrypto.so.3")
lib.EVP_CIPHER_CTX_new.restype = ctypes.c_void_p
lib.EVP_aes_256_cbc.restype = ctypes.c_void_p
lib.EVP_DecryptInit_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
lib.EVP_CIPHER_CTX_set_padding.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.EVP_DecryptUpdate.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, ctypes.c_int]
lib.EVP_CIPHER_CTX_free.argtypes = [ctypes.c_void_p]
P, R = 4096, 48
data = open(sys.argv[1], "rb").read()
out = bytearray()
ctx = lib.EVP_CIPHER_CTX_new()
for i in range(0, len(data) - P + 1, P):
    page = data[i:i + P]
    off = 16 if i == 0 else 0
    enc, iv = page[off:P - R], page[P - R:P - R + 16]
    buf = ctypes.create_string_buffer(len(enc) + 32)
    n = ctypes.c_int(0)
    if (lib.EVP_DecryptInit_ex(ctx, lib.EVP_aes_256_cbc(), None, key, iv) != 1 or
            lib.EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 or
            lib.EVP_DecryptUpdate(ctx, buf, ctypes.byref(n), enc, len(enc)) != 1):
        sys.exit("cannot decrypt page %d" % (i // P + 1))
    out += buf.raw[:n.value]
lib.EVP_CIPHER_CTX_free(ctx)
sys.stdout.buffer.write(bytes(out))
