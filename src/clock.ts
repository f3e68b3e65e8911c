// Wall-clock validity and SNTP. A sign type 1 signature carries the UTC hour and the platform
// checks it, and Moddable's TLS checks certificate dates, so both need a clock that was set.
import SNTP from "sntp";
import Time from "time";

// A board that never synced boots in 1970; anything before this date means "not set".
const VALID_AFTER = Date.UTC(2024, 0, 1);

export function clockValid(ms: number): boolean {
	return ms >= VALID_AFTER;
}

// Ask each SNTP host in turn until one answers; done(true) once the clock is set (or already
// was), done(false) when every host failed.
export function syncClock(hosts: readonly string[], done: (ok: boolean) => void): void {
	if (clockValid(Date.now()))
		return done(true);
	const rest = hosts.slice();
	const first = rest.shift();
	if (!first)
		return done(false);
	new SNTP({host: first}, (message, value) => {
		if (SNTP.time === message) {
			Time.set(value!);
			done(true);
		}
		else if (SNTP.error === message) {
			// Returning a host name makes the SNTP module try that host next.
			if (rest.length)
				return rest.shift();
			done(false);
		}
	});
}
