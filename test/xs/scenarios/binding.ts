// native("xs_iotda_credentials") on whichever engine runs this: native/xs_iotda.c on XS (run with a
// collection before every allocation), the host board's stand-in on Node. Every argument string is
// made fresh behind garbage that is dropped just before the call, so a collection during the call
// moves it: a binding that kept a string pointer across an allocation would read moved memory.
import { errorText, type XsHost } from "../scenario";

// An argument as JSON carries it; NaN and undefined by name.
export type Arg = string | number | "NaN" | { undefined: true };

export interface Input {
	calls: Arg[][];
	// Called after the calls, each as (deviceId, secret, time); on XS the bytes they handed to
	// iotda_sign are reported too, and what each call left in the C stack it used.
	corpus: { deviceId: string; secret: string; concat?: string }[];
	time: number;
}

export type Reply = { ok: { clientId: string; username: string; password: string; timestamp: string } } | { error: string };

const sign = native("xs_iotda_credentials");

const fresh = (text: string) => (text + ".").slice(0, -1);
const value = (arg: Arg) => arg === "NaN" ? NaN : typeof arg === "object" ? undefined : typeof arg === "string" ? fresh(arg) : arg;

let garbage: string | undefined;

function call(args: unknown[]): Reply {
	try {
		const { clientId, username, password, timestamp } = sign(...args);
		return { ok: { clientId, username, password, timestamp } };
	}
	catch (e) {
		return { error: errorText(e) };
	}
}

export function run(input: Input, xs: XsHost | undefined) {
	const replies = input.calls.map(args => {
		garbage = "garbage that the collector frees, moving the argument strings down ".repeat(4);
		const values = args.map(value);
		garbage = undefined;
		return call(values);
	});
	const corpus = input.corpus.map(({ deviceId, secret, concat }) => {
		// `concat` joins a second string on at run time: a lone high and a lone low surrogate
		// concatenated make a pair in Node, and in XS two 3-byte sequences side by side.
		const args = [fresh(deviceId), fresh(secret) + (concat ?? ""), input.time];
		const reply = call(args);
		if (!xs)
			return { reply };
		const [deviceIdBytes, secretBytes] = xs.signInput();
		const [passwordCopies, secretCopies] = xs.residue(sign, args, ["ok" in reply ? reply.ok.password : "", args[1] as string]);
		return { reply, deviceIdBytes, secretBytes, passwordCopies, secretCopies };
	});
	return { replies, corpus };
}

export type Output = ReturnType<typeof run>;
