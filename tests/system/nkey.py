#!/usr/bin/env python3
"""Makes a NATS user NKEY for the system test (standard library only).

    nkey.py SEED_FILE

Writes a new seed ("SU...") to SEED_FILE (mode 0600) and prints its public
key ("U..."), as `nk -gen user -pubout` and the nkeys crate that the
integration tests use do: an Ed25519 key pair, its seed and public key each
prefixed, followed by a CRC-16 (XMODEM) and written in base32 without
padding. Ed25519's public key is computed here as RFC 8032 says (section
5.1.5), in plain integers: slow, but a few keys take milliseconds.
"""

import base64
import hashlib
import os
import sys

# RFC 8032, edwards25519.
P = 2**255 - 19
D = -121665 * pow(121666, P - 2, P) % P
GY = 4 * pow(5, P - 2, P) % P


def recover_x(y, sign):
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P)
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * pow(2, (P - 1) // 4, P) % P
    if x % 2 != sign:
        x = P - x
    return x


G = (recover_x(GY, 0), GY, 1, recover_x(GY, 0) * GY % P)


def add(p, q):
    a = (p[1] - p[0]) * (q[1] - q[0]) % P
    b = (p[1] + p[0]) * (q[1] + q[0]) % P
    c = 2 * p[3] * q[3] * D % P
    d = 2 * p[2] * q[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def mul(s, p):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = add(q, p)
        p = add(p, p)
        s >>= 1
    return q


def public_key(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    x, y, z, _ = mul(a, G)
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def encode(raw):
    raw += crc16(raw).to_bytes(2, "little")
    return base64.b32encode(raw).decode().rstrip("=")


PREFIX_SEED = 18 << 3
PREFIX_USER = 20 << 3


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    seed = os.urandom(32)
    prefix = bytes([PREFIX_SEED | PREFIX_USER >> 5, (PREFIX_USER & 31) << 3])
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(encode(prefix + seed) + "\n")
    print(encode(bytes([PREFIX_USER]) + public_key(seed)))


if __name__ == "__main__":
    main()
