#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""Writes refused_tokens.txt: one token per kind of bad token, each with
the refusal it must get, for the "committed tokens" test of
tests/jwt_test.cpp. The tokens are fixed strings so that a change in the
verifier cannot change what is tested; this script only documents how
they were made and remakes them:

    python3 tests/data/refused_tokens.py > tests/data/refused_tokens.txt

The verifier of the test holds two keys: "hs-1", HS256 with the secret
of 32 'k' characters, and "rsa-1", RS256 with rsa_public.pem. It wants
the issuer "https://id.example" and the audience "docs". Times are fixed
far in the past (2023) or the future (2100).
"""

import base64
import hashlib
import hmac
import json
import os

SECRET = b"k" * 32
HERE = os.path.dirname(os.path.abspath(__file__))
PAST = 1700000000
FUTURE = 4102444800


def b64(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def text(value):
    return value if isinstance(value, str) else json.dumps(
        value, separators=(",", ":"))


def signed(header, payload, secret=SECRET):
    signing_input = b64(text(header)) + "." + b64(text(payload))
    mac = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256)
    return signing_input + "." + b64(mac.digest())


def claims(**changes):
    out = {"sub": "alice", "tenant": "acme", "iss": "https://id.example",
           "aud": "docs", "exp": FUTURE}
    for name, value in changes.items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


HS = {"alg": "HS256", "typ": "JWT", "kid": "hs-1"}
NO_SIGNATURE_WORK = "A" * 43  # never checked: refused before the MAC

with open(os.path.join(HERE, "rsa_public.pem"), "rb") as f:
    RSA_PUBLIC_PEM = f.read()

cases = [
    ("# the must-pass twin: a correct token, accepted", None),
    ("authenticated", signed(HS, claims())),
    ("# signed with 'none', in any spelling", None),
    ("unsigned_token", b64('{"alg":"none"}') + "." + b64(text(claims())) +
     "." + NO_SIGNATURE_WORK),
    ("unsigned_token", b64('{"alg":"nOnE","kid":"hs-1"}') + "." +
     b64(text(claims())) + "." + NO_SIGNATURE_WORK),
    ("# an algorithm that is not the key's", None),
    ("wrong_algorithm", b64(text({"alg": "RS256", "kid": "hs-1"})) + "." +
     b64(text(claims())) + "." + NO_SIGNATURE_WORK),
    ("wrong_algorithm", b64(text({"alg": "HS512", "kid": "hs-1"})) + "." +
     b64(text(claims())) + "." + NO_SIGNATURE_WORK),
    ("# the RSA public key used as an HMAC secret: alg chooses nothing", None),
    ("wrong_algorithm", signed({"alg": "HS256", "kid": "rsa-1"}, claims(),
                               RSA_PUBLIC_PEM)),
    ("# keys the token brings, or points to", None),
    ("embedded_key", signed({"alg": "HS256", "kid": "hs-1", "jwk": {
        "kty": "oct", "k": b64(b"attacker's own secret, 32 bytes!")}},
        claims())),
    ("embedded_key", signed({"alg": "HS256", "kid": "hs-1",
                             "jku": "https://attacker.example/jwks.json"},
                            claims())),
    ("embedded_key", signed({"alg": "HS256", "kid": "hs-1",
                             "x5u": "https://attacker.example/cert.pem"},
                            claims())),
    ("critical_header", signed({"alg": "HS256", "kid": "hs-1",
                                "crit": ["exp"]}, claims())),
    ("wrong_type", signed({"alg": "HS256", "kid": "hs-1", "typ": "JWE"},
                          claims())),
    ("# a kid that is not in the key set", None),
    ("unknown_key", b64(text({"alg": "HS256", "kid": "hs-2"})) + "." +
     b64(text(claims())) + "." + NO_SIGNATURE_WORK),
    ("unknown_key", b64(text({"alg": "HS256", "kid": 1})) + "." +
     b64(text(claims())) + "." + NO_SIGNATURE_WORK),
    ("no_key_id", b64(text({"alg": "HS256"})) + "." +
     b64(text(claims())) + "." + NO_SIGNATURE_WORK),
    ("no_algorithm", b64(text({"kid": "hs-1"})) + "." +
     b64(text(claims())) + "." + NO_SIGNATURE_WORK),
    ("# not three parts of canonical base64url", None),
    ("not_compact", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0"),
    ("not_compact", "eyJhbGciOiJIUzI1NiJ9+.eyJzdWIiOiJhIn0." +
     NO_SIGNATURE_WORK),
    ("not_compact", "eyJhbGciOiJIUzI1NiJ9=.eyJzdWIiOiJhIn0." +
     NO_SIGNATURE_WORK),
    ("not_compact", b64(text({"alg": "HS256", "kid": "hs-1"})) + ".e31." +
     NO_SIGNATURE_WORK),
    ("not_compact", "a.b.c.d"),
    ("# parts that are not JSON objects", None),
    ("bad_header", b64("HS256") + "." + b64(text(claims())) + "." +
     NO_SIGNATURE_WORK),
    ("bad_payload", signed(HS, '{"sub":"alice"')),
    ("bad_payload", signed(HS, '["sub","alice"]')),
    ("bad_payload", signed(HS, '{"sub":"\\ud800","exp":4102444800}')),
    ("# repeated claims, plain or escaped", None),
    ("duplicate_member", signed(HS, '{"sub":"alice","sub":"admin",'
                                    '"exp":4102444800}')),
    ("duplicate_member", signed(HS, '{"sub":"alice","s\\u0075b":"admin",'
                                    '"exp":4102444800}')),
    ("duplicate_member", signed('{"alg":"none","alg":"HS256","kid":"hs-1"}',
                                claims())),
    ("# deep nesting", None),
    ("too_deep", signed(HS, '{"sub":"alice","exp":4102444800,"x":' +
                        "[" * 64 + "]" * 64 + "}")),
    ("# longer than max_token_size (8 KiB)", None),
    ("too_long", signed(HS, claims(padding="p" * 9000))),
    ("# time claims", None),
    ("expired", signed(HS, claims(exp=PAST))),
    ("not_yet_valid", signed(HS, claims(nbf=FUTURE - 1))),
    ("no_expiry", signed(HS, claims(exp=None))),
    ("bad_time_claim", signed(HS, '{"sub":"alice","exp":1e30}')),
    ("bad_time_claim", signed(HS, '{"sub":"alice","exp":"4102444800"}')),
    ("# issuer and audience", None),
    ("wrong_issuer", signed(HS, claims(iss="https://attacker.example"))),
    ("wrong_issuer", signed(HS, claims(iss=None))),
    ("wrong_audience", signed(HS, claims(aud="billing"))),
    ("wrong_audience", signed(HS, claims(aud=["billing", "mail"]))),
    ("# a signature made with another secret, or for other claims", None),
    ("bad_signature", signed(HS, claims(), b"x" * 32)),
    ("bad_signature", signed(HS, claims()).rsplit(".", 1)[0] + "." +
     signed(HS, claims(sub="mallory")).rsplit(".", 1)[1]),
    ("# claims of the wrong shape", None),
    ("no_subject", signed(HS, claims(sub=None))),
    ("bad_claim", signed(HS, claims(roles="admin"))),
]

print("# One token per line, after the refusal it must get (the name of")
print("# its clearance::jwt_refusal description). Written by")
print("# refused_tokens.py; do not edit by hand.")
for reason, token in cases:
    print(reason if token is None else reason + " " + token)
