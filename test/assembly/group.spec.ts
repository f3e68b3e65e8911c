import { IN, OUT } from "../../assembly/areas";
import { error_text, group_secret } from "../../assembly/index";
import { put, take } from "./helpers";

// openssl dgst -sha256 -hmac mydevice over the 14 bytes "GroupSecret?" 00 FF (Base64 R3JvdXBTZWNyZXQ/AP8=)
const DERIVED = "80ba14df557d56408a59531eda8eea9bdc4044d5ffc10ddff5f9be452a834e07";

function derive(id: string, secret: string): i32 {
  const idLength = put(IN, id);
  return group_secret(idLength, put(IN + idLength, secret));
}

describe("group_secret", () => {
  it("derives the device secret from the decoded group secret", () => {
    expect(derive("mydevice", "R3JvdXBTZWNyZXQ/AP8=")).toBe(64);
    expect(take(OUT, 64)).toBe(DERIVED);
  });

  it("decodes every padding form", () => {
    // openssl dgst -sha256 -hmac d over "a", "ab", "abc"
    expect(derive("d", "YQ==")).toBe(64);
    expect(take(OUT, 64)).toBe("307c2010272ce24e93300abbb5c065a59de1d0bc4f8a6dd6a2dfb3b7716475cc");
    expect(derive("d", "YWI=")).toBe(64);
    expect(take(OUT, 64)).toBe("55b72c1c4fc604fe4921eb92fe77e0e279679198dfb22fb983f611e5739ebe86");
    expect(derive("d", "YWJj")).toBe(64);
    expect(take(OUT, 64)).toBe("9a57ae4cbdee83d5331baaf0c1c63f7b53c98a0fe1c7331f0cdf9ed9a4627bba");
  });

  it("refuses what is not canonical Base64, and bad ids, by code", () => {
    expect(derive("d", "YQ=")).toBe(-14);     // length not a multiple of 4
    expect(derive("d", "YQ=a")).toBe(-14);    // '=' inside
    expect(derive("d", "Y===")).toBe(-14);
    expect(derive("d", "YR==")).toBe(-14);    // bits under the padding
    expect(derive("d", "YWJ-")).toBe(-14);    // base64url is not Base64
    expect(derive("d", "")).toBe(-12);
    expect(derive("d", "A".repeat(260))).toBe(-13);
    expect(derive("", "YQ==")).toBe(-1);
    expect(derive("a".repeat(129), "YQ==")).toBe(-2);
    expect(derive("dev.1", "YQ==")).toBe(-3);
    // Negative lengths are too long, never read; a long id is named before the secret is looked at.
    expect(group_secret(-1, 4)).toBe(-2);
    put(IN, "d");
    expect(group_secret(1, -1)).toBe(-13);
    expect(group_secret(513, 513)).toBe(-2);
  });

  it("names the field and the limit", () => {
    expect(take(OUT, error_text(-12))).toBe("groupSecret: must not be empty");
    expect(take(OUT, error_text(-13))).toBe("groupSecret: at most 256 characters");
    expect(take(OUT, error_text(-14))).toBe("groupSecret: must be padded Base64");
    expect(error_text(-15)).toBe(0);
  });
});
