// SNTP client ("sntp"). Messages: 1 time (value: seconds since 1970), 2 retrying, -1 failed. On -1 the
// value is really a string (the reason) and returning a host name makes the client try that host;
// the SDK declares value as a number and the return as void, and so do we.
declare module "sntp" {
	type Message = -1 | 1 | 2;

	export default class SNTP {
		static readonly time: 1;
		static readonly retry: 2;
		static readonly error: -1;
		constructor(options: { host: string }, callback: (message: Message, value?: number) => void);
	}
}
