// Expectations shared by the core and native suites: the core's messages (assembly/errors.ts), secrets
// that are and are not UTF-8, and Huawei's vector.

export const MESSAGES: Record<number, string> = {
  [-1]: "deviceId: must not be empty",
  [-2]: "deviceId: at most 128 characters",
  [-3]: "deviceId: only letters, digits, '_' and '-'",
  [-4]: "secret: must not be empty",
  [-5]: "secret: at most 256 bytes",
  [-6]: "time: must be within years 1970-9999 UTC",
  [-7]: "authType: must be 0, 1 or 2",
  [-8]: "signType: must be 0 or 1",
  [-9]: "clientId: at most 256 characters",
  [-10]: "input: at most 512 bytes",
  [-11]: "secret: must be valid UTF-8",
  [-12]: "groupSecret: must not be empty",
  [-13]: "groupSecret: at most 256 characters",
  [-14]: "groupSecret: must be padded Base64",
};

/** Secrets as hex bytes, each side of every boundary of well-formed UTF-8 (Unicode table 3-7). */
export const UTF8 = {
  valid: [
    "00", "610062", "7f", "c280", "dfbf", "e0a080", "e282ac", "ed9fbf", "ee8080", "efbfbd", "efbfbf",
    "f0908080", "f09f9880", "f4808080", "f48fbfbf",
  ],
  invalid: [
    "ff", "fe", "fffe", "80", "bf", "c080", "c1bf", "c2", "c228", "e08080", "e09fbf", "e282", "e228a1",
    "eda080", "edbfbf", "61eda08062", "f0808080", "f08fbfbf", "f09f98", "f4908080", "f5808080", "f8",
  ],
};

/** Huawei's published example: secret 12345678 signed in the hour 2025-04-14T01 UTC. */
export const HUAWEI = {
  secret: "12345678",
  time: Date.UTC(2025, 3, 14, 1, 30),
  timestamp: "2025041401",
  password: "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a",
};

/**
 * A registration group device (IoTDP), computed by hand with openssl:
 *   printf 'GroupSecret?\x00\xff' > gs.bin; base64 gs.bin; openssl dgst -sha256 -hmac mydevice gs.bin
 *   printf %s <that hex> | openssl dgst -sha256 -hmac 2025041401
 */
export const GROUP_VECTOR = {
  deviceId: "mydevice",
  groupSecret: "R3JvdXBTZWNyZXQ/AP8=",
  derived: "80ba14df557d56408a59531eda8eea9bdc4044d5ffc10ddff5f9be452a834e07",
  timestamp: "2025041401",
  password: "de48891a825a27f0ab2e59872aa26ecc34f0509d576dd4ea9ecb841a84c00b7b",
};
