// Expectations shared by the native suites: the core's messages (assembly/errors.ts) and Huawei's vector.

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
};

/** Huawei's published example: secret 12345678 signed in the hour 2025-04-14T01 UTC. */
export const HUAWEI = {
  secret: "12345678",
  time: Date.UTC(2025, 3, 14, 1, 30),
  timestamp: "2025041401",
  password: "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a",
};
