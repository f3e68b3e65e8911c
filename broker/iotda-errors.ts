// IoTDA's northbound errors: an HTTP status and a body {error_code, error_msg}. Codes, statuses and
// texts are those of IoTDA's application-side API reference (error code list, CreateCommand,
// UpdateProperties); the few it does not document are under LOCAL. and named so in the README.

export class IotdaError extends Error {
  /** `message` is ours, for logs and programmatic callers; `iotdaMessage` is IoTDA's error_msg. */
  constructor(readonly status: number, readonly code: string, readonly iotdaMessage: string, message: string) {
    super(message);
  }

  body() {
    return { error_code: this.code, error_msg: this.iotdaMessage };
  }
}

/** A field with the wrong type or outside its limit; the detail names both. */
export const invalidInput = (detail: string) => new IotdaError(400, "IOTDA.000006", `Invalid input data. ${detail}`, detail);

/** A body that is not JSON, or no body where one is required. */
export const badFormat = (detail: string) =>
  new IotdaError(400, "IOTDA.000008", `Invalid input. The request format is invalid. ${detail}`, detail);

export const deviceNotFound = (deviceId: string) =>
  new IotdaError(404, "IOTDA.014000", "The device does not exist.", `device ${deviceId} does not exist`);

export const deviceOffline = (deviceId: string, detail = `device ${deviceId} is not connected`) =>
  new IotdaError(403, "IOTDA.014016", "Operation not allowed. The device is not online.", detail);

// IoTDA answers a synchronous request the device left unanswered with HTTP 200 and this error body.
export const requestTimeout = (deviceId: string, ms: number) =>
  new IotdaError(
    200,
    "IOTDA.014111",
    "Command request timed out. Check whether the device returns a response within the specified time after receiving the request.",
    `no response from ${deviceId} within ${ms} ms`,
  );

/** The device answered, but not with what the request's response topic carries. */
export const badDeviceResponse = (detail: string) =>
  new IotdaError(502, "LOCAL.000502", `The device's response was rejected: ${detail}`, detail);

export const noSuchApi = () =>
  new IotdaError(404, "APIGW.0101", "The API does not exist or has not been published in the environment.", "no such API");
