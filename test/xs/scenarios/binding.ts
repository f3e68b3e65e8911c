// native("xs_iotda_credentials") on whichever engine runs this: native/xs_iotda.c on XS (run with a
// collection before every allocation), the host board's stand-in on Node. Every argument string is
// made fresh behind garbage that is dropped just before the call, so a collection during the call
// moves it: a binding that kept a string pointer across an allocation would read moved memory.
import { errorText } from "../scenario";

// An argument as JSON carries it; NaN and undefined by name.
export type Arg = string | number | "NaN" | { undefined: true };

export interface Input {
	calls: Arg[][];
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

export function run(input: Input) {
	const replies = input.calls.map(args => {
		garbage = "garbage that the collector frees, moving the argument strings down ".repeat(4);
		const values = args.map(value);
		garbage = undefined;
		return call(values);
	});
	return { replies };
}

export type Output = ReturnType<typeof run>;
