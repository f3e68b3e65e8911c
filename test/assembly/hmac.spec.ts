import { hmacHex } from "../../assembly/hmac";
import { put, take } from "./helpers";

const key = memory.data(256, 16);
const message = memory.data(256, 16);
const out = memory.data(64, 16);

function hmacOf(keyText: string, messageText: string): string {
  hmacHex(key, put(key, keyText), message, put(message, messageText), out);
  return take(out, 64);
}

describe("hmac", () => {
  it("matches RFC 4231 test case 2", () => {
    expect(hmacOf("Jefe", "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("matches Huawei's IoTDA vector", () => {
    expect(hmacOf("2025041401", "12345678")).toBe("c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a");
  });

  it("recomputes the cached midstates when the key changes, and back", () => {
    const a = "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a";
    expect(hmacOf("2025041401", "12345678")).toBe(a);
    // Same length, one byte apart: only a full comparison tells these keys apart.
    expect(hmacOf("2025041402", "12345678")).not.toBe(a);
    expect(hmacOf("2025041401", "12345678")).toBe(a);
    // A key that is a prefix of the cached one must not hit the cache either.
    expect(hmacOf("202504140", "12345678")).not.toBe(a);
    expect(hmacOf("2025041401", "12345678")).toBe(a);
  });

  it("hashes keys longer than a block first (RFC 4231 test case 6)", () => {
    memory.fill(key, 0xaa, 131);
    const n = put(message, "Test Using Larger Than Block-Size Key - Hash Key First");
    hmacHex(key, 131, message, n, out);
    expect(take(out, 64)).toBe("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  });
});
