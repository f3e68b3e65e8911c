import { IN, OUT } from "../../assembly/areas";
import { credentials, error_text, hmac_hex, used } from "../../assembly/index";
import { put, take } from "./helpers";

const HUAWEI = "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a";
const APRIL_14_0130: f64 = 1744594200000; // 2025-04-14T01:30:00Z

function signed(id: string, secret: string, ms: f64, authType: i32, signType: i32): i32 {
  const idLength = put(IN, id);
  return credentials(idLength, put(IN + idLength, secret), ms, authType, signType);
}

describe("credentials", () => {
  it("lays out password, stamp and clientId", () => {
    const n = signed("dev1", "12345678", APRIL_14_0130, 0, 1);
    expect(n).toBe(19);
    expect(take(OUT, 64)).toBe(HUAWEI);
    expect(take(OUT + 64, 10)).toBe("2025041401");
    expect(take(OUT + 76, n)).toBe("dev1_0_1_2025041401");
  });

  it("rejects each bad field with its code", () => {
    expect(signed("", "s", 0, 0, 1)).toBe(-1);
    expect(signed("a".repeat(129), "s", 0, 0, 1)).toBe(-2);
    expect(signed("dev.1", "s", 0, 0, 1)).toBe(-3);
    expect(signed("dev1", "", 0, 0, 1)).toBe(-4);
    expect(signed("dev1", "s".repeat(257), 0, 0, 1)).toBe(-5);
    expect(signed("dev1", "\u00ff\u00fe", 0, 0, 1)).toBe(-11); // put() writes each char as one byte: FF FE
    expect(signed("dev1", "s", -1, 0, 1)).toBe(-6);
    expect(signed("dev1", "s", 0, 3, 1)).toBe(-7);
    expect(signed("dev1", "s", 0, 0, 2)).toBe(-8);
    // Negative lengths are too long, not empty, and never read.
    expect(credentials(-1, 1, 0, 0, 1)).toBe(-2);
    put(IN, "d");
    expect(credentials(1, -1, 0, 0, 1)).toBe(-5);
  });

  it("accepts the limits themselves", () => {
    expect(signed("a".repeat(128), "s".repeat(256), 0, 2, 0)).toBe(128 + 15);
  });
});

describe("hmac_hex and error_text", () => {
  it("refuses inputs beyond the area", () => {
    expect(hmac_hex(513, 0)).toBe(-10);
    expect(hmac_hex(500, 13)).toBe(-10);
    expect(hmac_hex(-1, 0)).toBe(-10);
    expect(hmac_hex(0, -1)).toBe(-10);
    expect(hmac_hex(0, 512)).toBe(64);
  });

  it("has a message for every code and none for others", () => {
    expect(take(OUT, error_text(-1))).toBe("deviceId: must not be empty");
    expect(take(OUT, error_text(-6))).toBe("time: must be within years 1970-9999 UTC");
    expect(take(OUT, error_text(-10))).toBe("input: at most 512 bytes");
    expect(take(OUT, error_text(-11))).toBe("secret: must be valid UTF-8");
    expect(error_text(-15)).toBe(0);
    expect(error_text(0)).toBe(0);
    expect(error_text(1)).toBe(0);
  });

  it("keeps the areas below used()", () => {
    expect(<i32>OUT + 512 <= used()).toBe(true);
    expect(<i32>IN + 512 <= used()).toBe(true);
  });
});
