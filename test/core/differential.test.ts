// The core against node:crypto on random inputs: key lengths 0..200 cross the 64-byte block (and with it
// the hash-the-key path), messages 0..300 cross one to five blocks, and runs of repeated keys between
// changes exercise the midstate cache both ways.
import assert from "node:assert/strict";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { test } from "node:test";
import { hmacHex, sha256, sign } from "../../lib/signer";
import { credentialsAt } from "../fixtures/iotda";

const randomInt = (max: number) => Math.floor(Math.random() * (max + 1));

test("hmacHex equals node:crypto for 4000 random key/message pairs", () => {
  let key = randomBytes(0);
  for (let i = 0; i < 4000; i++) {
    // Every third pair keeps the key, so cache hits and misses interleave.
    if (i % 3 === 0) key = randomBytes(i < 201 ? i : randomInt(200));
    const message = randomBytes(randomInt(300));
    assert.equal(hmacHex(key, message), createHmac("sha256", key).update(message).digest("hex"), `key ${key.length} B, message ${message.length} B`);
  }
});

test("keys that differ in one byte, or only in length, never share cached midstates", () => {
  const message = randomBytes(32);
  const base = randomBytes(64);
  const keys = [base, Buffer.concat([base.subarray(0, 63), Buffer.from([base[63] ^ 1])]), base.subarray(0, 63), base.subarray(0, 10), base];
  for (const key of [...keys, ...keys.reverse()]) {
    assert.equal(hmacHex(key, message), createHmac("sha256", key).update(message).digest("hex"));
  }
});

test("string keys and messages are UTF-8, as node:crypto reads them", () => {
  for (const [key, message] of [["2025041401", "päss-wörd ✓"], ["ключ", "秘密"], ["k", "😀 \ud800 lone surrogate"]]) {
    assert.equal(hmacHex(key, message), createHmac("sha256", key).update(message, "utf8").digest("hex"));
  }
});

test("sha256 equals node:crypto across the 512-byte streaming chunks", () => {
  for (const length of [0, 1, 55, 56, 63, 64, 65, 511, 512, 513, 1023, 1024, 1025, 5000, randomInt(70000)]) {
    const bytes = randomBytes(length);
    assert.equal(Buffer.from(sha256(bytes)).toString("hex"), createHash("sha256").update(bytes).digest("hex"), `${length} B`);
  }
});

test("sign equals the node:crypto oracle for random devices, secrets and hours", () => {
  const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  for (let i = 0; i < 1000; i++) {
    const deviceId = Array.from({ length: 1 + randomInt(127) }, () => idChars[randomInt(idChars.length - 1)]).join("");
    const secret = randomBytes(1 + randomInt(191)).toString("base64").slice(0, 1 + randomInt(255));
    const ms = randomInt(253402300799999);
    const authType = randomInt(2);
    const signType = randomInt(1);
    assert.deepEqual(sign({ deviceId, secret, time: ms, authType, signType }), credentialsAt(deviceId, secret, ms, authType, signType));
  }
});
