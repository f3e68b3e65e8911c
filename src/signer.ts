// IoTDA credentials from the signing core. On the device native() binds the XS host function
// in native/xs_iotda.c; on the host board the global native() serves the same function.
// Throws Error naming the field and its limit (never a value) for bad input.

export interface Credentials {
	clientId: string;		// {deviceId}_{authType}_{signType}_{YYYYMMDDHH}
	username: string;
	password: string;		// lowercase hex HMAC-SHA256: as secret as the secret itself
	timestamp: string;		// YYYYMMDDHH, UTC
}

export type Sign = (deviceId: string, secret: string, timeMs: number, authType: number, signType: number) => Credentials;

export const sign: Sign = native("xs_iotda_credentials");
