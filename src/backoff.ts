// Reconnect delays: capped exponential backoff with "full jitter" (a uniform draw in
// [0, min(cap, base * 2^attempt))), so a fleet that lost the broker at the same moment
// spreads its reconnects instead of arriving in waves.

export interface Backoff {
	baseMs: number;		// ceiling of the first draw
	capMs: number;		// no delay ever exceeds this
}

// attempt counts reconnects since the last successful CONNACK, starting at 0.
// random() must return a number in [0, 1) like Math.random.
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number): number {
	// 2^attempt overflows to Infinity long before it matters; min() then picks the cap.
	const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** attempt);
	return Math.floor(random() * ceiling);
}

// After the platform refused the credentials (CONNACK 2, 4, 5) retrying soon cannot help and
// counts against the device: wait between half and all of holdMs ("equal jitter").
export function holdDelay(holdMs: number, random: () => number): number {
	return Math.floor(holdMs / 2 + random() * (holdMs / 2));
}
