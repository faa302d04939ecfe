#!/usr/bin/env bash
# test_receipt_vector.sh - tests/vectors/receipt/receipt-01.txt checked
# by an implementation other than ours (Python's hashlib and CBOR read by
# hand, libsodium through ctypes for Ed25519 only): the seed gives sign_pk,
# the signed manifest's COSE_Sign1 signature verifies over its
# Sig_structure, transfer_hash is BLAKE2b-256 keyed "wijknet-xfer" of the
# signed manifest, and the receipt ends with key 3 naming it
# (PROTOCOL.md, "Receipts name the transfer they answer").
. "$(dirname "$0")/lib.sh"
check_exit "the receipt vector checks out independently" 0 /usr/bin/python3 - "$TOP/tests/vectors/receipt/receipt-01.txt" <<'PY'
import ctypes, hashlib, sys
v = {}
for line in open(sys.argv[1]):
    if line.startswith("#") or ": " not in line:
        continue
    k, x = line.strip().split(": ", 1)
    v[k] = bytes.fromhex(x)
na = ctypes.CDLL("libsodium.so.23")
assert na.sodium_init() >= 0
pk, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(64)
seed = bytes(range(32))
assert na.crypto_sign_seed_keypair(pk, sk, seed) == 0
assert pk.raw == v["sign_pk"], "sign_pk"
def head(b, i):
    ib = b[i]; major, info = ib >> 5, ib & 31; i += 1
    if info < 24: return major, info, i
    n = {24: 1, 25: 2, 26: 4, 27: 8}[info]
    return major, int.from_bytes(b[i:i + n], "big"), i + n
def bstr(x):
    n = len(x)
    if n < 24: return bytes([0x40 | n]) + x
    if n < 256: return bytes([0x58, n]) + x
    return bytes([0x59]) + n.to_bytes(2, "big") + x
m = v["signed_manifest"]
t, tag, i = head(m, 0)
assert (t, tag) == (6, 18), "COSE_Sign1 tag"
t, n, i = head(m, i); assert (t, n) == (4, 4)
parts = []
for want in (2, 5, 2, 2):
    t, n, j = head(m, i); assert t == want
    if t == 2:
        parts.append(m[j:j + n]); i = j + n
    else:
        assert n == 0; i = j  # unprotected: {}
assert i == len(m), "trailing bytes"
prot, payload, sig = parts
sig_structure = b"\x84\x6aSignature1" + bstr(prot) + b"\x40" + bstr(payload)
assert na.crypto_sign_verify_detached(sig, sig_structure,
    ctypes.c_ulonglong(len(sig_structure)), pk) == 0, "signature"
h = hashlib.blake2b(m, digest_size=32, key=b"wijknet-xfer").digest()
assert h == v["transfer_hash"], "transfer_hash"
assert hashlib.blake2b(m, digest_size=32).digest() != h
assert v["receipt"].endswith(b"\x03\x58\x20" + h), "receipt key 3"
print("ok")
PY
check_out "  (sign_pk, signature, transfer_hash, receipt key 3)" '^ok$'
wn_done
