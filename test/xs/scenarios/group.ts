// native("xs_iotda_group_secret") on whichever engine runs this: native/xs_iotda.c on XS, the host
// board's stand-in on Node. Each call's strings are made fresh, so a collection during it moves them.
import { errorText, type XsHost } from "../scenario";

export type Input = [unknown, unknown][];

const derive = native("xs_iotda_group_secret");
const fresh = (text: unknown) => (typeof text === "string") ? (text + ".").slice(0, -1) : text;

export function run(input: Input, xs: XsHost | undefined) {
	return input.map(([deviceId, secret]) => {
		let reply: { ok: string } | { error: string };
		try {
			reply = { ok: derive(fresh(deviceId), fresh(secret)) };
		}
		catch (e) {
			reply = { error: errorText(e) };
		}
		// On XS: copies of the derived secret or of the group secret left in the C stack the call used.
		const residue = xs && ("ok" in reply) ? xs.residue(derive, [deviceId, secret], [reply.ok, secret as string]) : [];
		return { reply, residue };
	});
}

export type Output = ReturnType<typeof run>;
