// The host "timer": modTimer's rules for one-shot, repeating, rescheduled and cleared timers.
import assert from "node:assert/strict";
import { test } from "node:test";
import Timer from "../../boards/host/modules/timer";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Waits for something that must happen (a loaded machine may be slow, never wrong).
async function until(predicate: () => boolean): Promise<void> {
	for (const started = Date.now(); !predicate(); await sleep(5))
		if (Date.now() - started > 5000)
			throw new Error("timed out");
}

test("set() without intervals fires once on the next turn, with the timer as argument and this = globalThis", async () => {
	const calls: [unknown, unknown][] = [];
	const timer = Timer.set(function (this: unknown, t) {
		calls.push([this, t]);
	});
	assert.equal(calls.length, 0, "not synchronously");
	await until(() => calls.length > 0);
	await sleep(20);
	assert.deepEqual(calls, [[globalThis, timer]]);
	assert.throws(() => Timer.schedule(timer, 10), /cleared/, "a fired one-shot timer is cleared");
});

test("set(cb, interval, repeat) fires after interval, then every repeat ms until cleared", async () => {
	const times: number[] = [];
	const start = performance.now();
	Timer.set((t) => {
		times.push(performance.now() - start);
		if (times.length === 3)
			Timer.clear(t);
	}, 40, 10);
	await until(() => times.length === 3);
	await sleep(30);
	assert.equal(times.length, 3, "cleared");
	assert.ok(times[0] >= 39, `first firing after ${times[0]} ms`);
});

test("repeat() keeps firing; clear() stops it and ignores undefined, null and cleared timers", async () => {
	let count = 0;
	const timer = Timer.repeat(() => count++, 5);
	await until(() => count >= 3);
	Timer.clear(timer);
	const seen = count;
	await sleep(30);
	assert.equal(count, seen);
	Timer.clear(timer);
	Timer.clear(undefined);
	Timer.clear(null);
});

test("schedule(timer) without intervals parks a timer; schedule(timer, ms) re-arms it as a one-shot", async () => {
	let count = 0;
	const timer = Timer.repeat(() => count++, 5);
	Timer.schedule(timer);
	await sleep(40);
	assert.equal(count, 0, "an unscheduled timer does not fire");
	Timer.schedule(timer, 5);
	await until(() => count === 1);
	await sleep(30);
	assert.equal(count, 1, "a one-shot again");
	assert.throws(() => Timer.schedule(timer, 5), /cleared/);
});

test("a callback that leaves the repeat interval at 0 clears its timer; one that parks it keeps it", async () => {
	let onceMore = 0;
	const rescheduled = Timer.repeat((t) => {
		onceMore++;
		Timer.schedule(t, 5);		// repeat 0 when the callback returns: cleared, as modTimer does
	}, 5);
	let parkedCount = 0;
	const parked = Timer.repeat((t) => {
		parkedCount++;
		Timer.schedule(t);
	}, 5);
	await until(() => onceMore === 1 && parkedCount === 1);
	await sleep(40);
	assert.equal(onceMore, 1);
	assert.throws(() => Timer.schedule(rescheduled, 5), /cleared/);
	assert.equal(parkedCount, 1);
	Timer.schedule(parked, 5, 0);
	await until(() => parkedCount === 2);
});

test("delay() blocks the thread", () => {
	let fired = false;
	Timer.set(() => { fired = true; });
	const start = performance.now();
	Timer.delay(30);
	assert.ok(performance.now() - start >= 29);
	assert.equal(fired, false, "no timer runs during a delay");
});
