// Wall-clock validity and SNTP. A sign type 1 signature carries the UTC hour and the platform
// checks it, and Moddable's TLS checks certificate dates, so both need a clock that was set.
import SNTP from "sntp";
import Time from "time";

// A board that never synced boots in 1970; anything before this date means "not set".
const VALID_AFTER = Date.UTC(2024, 0, 1);

export function clockValid(ms: number): boolean {
	return ms >= VALID_AFTER;
}

// Asks each SNTP host in turn until one answers: done(true) once the clock is set, done(false)
// when every host failed or the client could not even start (on ESP32 its UDP socket throws
// while the network is down).
export function syncClock(hosts: readonly string[], done: (ok: boolean) => void): void {
	const rest = hosts.slice();
	const first = rest.shift();
	if (!first)
		return done(false);
	try {
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
	catch {
		done(false);
	}
}
