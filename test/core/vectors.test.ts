// Published vectors on the real build/core.wasm through lib/signer: RFC 4231 HMAC-SHA256 cases 1-7,
// the FIPS 180-2 SHA-256 examples and Huawei's IoTDA password.
import assert from "node:assert/strict";
import { test } from "node:test";
import { hmacHex, sha256, sign } from "../../lib/signer";

const hex = (text: string) => Uint8Array.from(Buffer.from(text, "hex"));
const ascii = (text: string) => Uint8Array.from(Buffer.from(text, "latin1"));

// RFC 4231 section 4: [key, data, HMAC-SHA-256].
const RFC_4231: [string, Uint8Array, Uint8Array, string][] = [
  ["1", hex("0b".repeat(20)), ascii("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
  ["2", ascii("Jefe"), ascii("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"],
  ["3", hex("aa".repeat(20)), hex("dd".repeat(50)), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
  [
    "4",
    hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
    hex("cd".repeat(50)),
    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
  ],
  // Case 5 publishes only the first 128 bits of the output.
  ["5", hex("0c".repeat(20)), ascii("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"],
  [
    "6",
    hex("aa".repeat(131)),
    ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
  ],
  [
    "7",
    hex("aa".repeat(131)),
    ascii(
      "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be " +
        "hashed before being used by the HMAC algorithm.",
    ),
    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
  ],
];

for (const [name, key, data, mac] of RFC_4231) {
  test(`RFC 4231 test case ${name}`, () => {
    const out = hmacHex(key, data);
    assert.equal(out.length, 64);
    assert.equal(out.slice(0, mac.length), mac);
  });
}

test("SHA-256 examples: empty, abc, 448 bits, a million a's", () => {
  const digest = (bytes: Uint8Array) => Buffer.from(sha256(bytes)).toString("hex");
  assert.equal(digest(new Uint8Array(0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(digest(ascii("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(
    digest(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
  assert.equal(digest(new Uint8Array(1_000_000).fill(0x61)), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
});

test("sha256 returns a copy that later calls leave alone", () => {
  const first = sha256(ascii("abc"));
  sha256(ascii("something else"));
  assert.equal(Buffer.from(first).toString("hex"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

test("Huawei's IoTDA vector", () => {
  const huawei = "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a";
  assert.equal(hmacHex("2025041401", "12345678"), huawei);
  const c = sign({ deviceId: "dev1", secret: "12345678", time: Date.UTC(2025, 3, 14, 1, 30) });
  assert.deepEqual(c, { clientId: "dev1_0_1_2025041401", username: "dev1", password: huawei, timestamp: "2025041401" });
});
