import { CONTEXT_BYTES, IV, finish, start, update } from "../../assembly/sha256";
import { hexOf, put } from "./helpers";

const ctx = memory.data(CONTEXT_BYTES, 16);
const data = memory.data(1024, 16);
const digest = memory.data(32, 16);

function sha256Hex(length: i32, chunk: i32): string {
  start(ctx, IV, 0);
  for (let at = 0; at < length; at += chunk) update(ctx, data + at, min(chunk, length - at));
  finish(ctx, digest);
  return hexOf(digest, 32);
}

describe("sha256", () => {
  it("hashes the NIST examples", () => {
    expect(sha256Hex(0, 1)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex(put(data, "abc"), 64)).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const n = put(data, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
    expect(sha256Hex(n, 64)).toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  });

  it("gives the same digest however the input is split", () => {
    for (let i = 0; i < 1000; i++) store<u8>(data + i, <u8>(i * 7));
    const whole = sha256Hex(1000, 1000);
    expect(sha256Hex(1000, 1)).toBe(whole);
    expect(sha256Hex(1000, 63)).toBe(whole);
    expect(sha256Hex(1000, 65)).toBe(whole);
  });

  it("pads around the length-field boundary", () => {
    // 55 bytes still fit the length in one block, 56 need a second one.
    memory.fill(data, 0x61, 64);
    expect(sha256Hex(55, 64)).toBe("9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    expect(sha256Hex(56, 64)).toBe("b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    expect(sha256Hex(64, 64)).toBe("ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  });
});
