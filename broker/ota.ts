// Upgrade tasks (IoTDA's firmwareUpgrade/softwareUpgrade batch tasks) and the versions devices report.
// Per device, IoTDA's MQTT upgrade flow: wait for the device to be online (25 h), ask version_query and
// wait for version_report (3 min; the version already there is a success), send the upgrade notice with
// a per-device credential (24 h), then follow upgrade_progress_report until a final one (24 h).
// Every time limit is measured on the broker's clock when the task is next touched, so no timers run.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { deviceNotFound, IotdaError, invalidInput } from "./iotda-errors";
import { line } from "./log";
import { type ProgressReport, RESULT_CODES, type UpgradeParas, upgradeNotice, versionQuery, type VersionReport } from "./ota-events";
import type { NewPackage, OtaPackage, OtaPackages } from "./ota-packages";
import type { Registry } from "./registry";
import { jsonBytes, type SendDown } from "./requests";
import { eventTime } from "./events";
import { eventsDownTopic } from "./topics";

export type TaskType = "firmwareUpgrade" | "softwareUpgrade";

/** IoTDA's time limits, each overridable (tests shorten them). */
export interface OtaTimes {
  /** How long a task waits for a device to come online (IoTDA: 25 h). */
  onlineWaitMs?: number;
  /** How long the platform waits for version_report (IoTDA: 3 min). */
  versionQueryMs?: number;
  /** How long download and final report may take after the notice (IoTDA: 24 h). */
  upgradeTimeoutMs?: number;
  /** How long the notice's access_token (or pre-signed URL) is valid (IoTDA: 24 h). */
  tokenTtlMs?: number;
}

export interface OtaOptions extends OtaTimes {
  packages: OtaPackages;
  registry: Registry;
  send: SendDown;
  log: (line: string) => void;
  now: () => number;
  /** The URL a device downloads this task's package from (the file server's). */
  downloadUrl: (taskId: string, deviceId: string, packageId: string) => string;
}

export interface NewTask {
  task_name: string;
  task_type: TaskType;
  targets: string[];
  package_id: string;
}

/** Ours, finer than IoTDA's sub-task status: where the device is in the flow. */
export type State = "waiting" | "querying" | "downloading" | "success" | "failed" | "timed_out" | "stopped";

/** Test hooks for the device's failure paths, named so. */
export interface NoticeTestHooks {
  /** Test hook: the notice's sign is not the package's (its last hex digit changed), for the device's result_code 7. */
  wrongSign?: boolean;
  /** Test hook: the notice goes out even when version_report shows the package's version (IoTDA ends the task as a success then), for the device's result_code 3. */
  noticeAtSameVersion?: boolean;
}

/** A download's credential as the request carried it: the Bearer token, or the pre-signed URL's Signature. */
export interface Credential {
  bearer?: string;
  signature?: string;
}

interface Subtask {
  deviceId: string;
  state: State;
  /** When the state was entered, epoch ms. */
  since: number;
  progress: number;
  result_code?: number;
  /** The version the device last reported in an upgrade_progress_report of this task. */
  version?: string;
  description?: string;
  error?: { error_code: string; error_msg: string };
  /** Present from the notice until the task ends for this device. */
  credential?: { token: string; expiresMs: number };
}

interface Task extends Omit<NewTask, "package_id"> {
  task_id: string;
  package: OtaPackage;
  createdMs: number;
  subtasks: Map<string, Subtask>;
}

const FINAL: ReadonlySet<State> = new Set(["success", "failed", "timed_out", "stopped"]);
const STATUS: Record<State, string> = {
  waiting: "Waitting", // sic: IoTDA's spelling
  querying: "Processing",
  downloading: "Processing",
  success: "Success",
  failed: "Fail",
  timed_out: "Fail",
  stopped: "Stopped",
};
const PACKAGE_TYPE: Record<TaskType, OtaPackage["package_type"]> = { firmwareUpgrade: "firmwarePackage", softwareUpgrade: "softwarePackage" };
const HOUR_MS = 3_600_000;

export const notFound = (what: string) => new IotdaError(404, "LOCAL.000404", `The ${what} does not exist.`, `${what} does not exist`);
const unauthorized = (detail: string) => new IotdaError(401, "LOCAL.000401", `Download refused: ${detail}`, detail);

export class Ota {
  readonly packages: OtaPackages;
  readonly #o: OtaOptions;
  readonly #times: Required<OtaTimes>;
  readonly #tasks = new Map<string, Task>();
  /** Per device, the task it has not finished (at most one). */
  readonly #active = new Map<string, Task>();
  readonly #versions = new Map<string, { fw_version?: string; sw_version?: string }>();
  #hooks: NoticeTestHooks = {};

  constructor(opts: OtaOptions) {
    this.#o = opts;
    this.packages = opts.packages;
    this.#times = {
      onlineWaitMs: opts.onlineWaitMs ?? 25 * HOUR_MS,
      versionQueryMs: opts.versionQueryMs ?? 3 * 60_000,
      upgradeTimeoutMs: opts.upgradeTimeoutMs ?? 24 * HOUR_MS,
      tokenTtlMs: opts.tokenTtlMs ?? 24 * HOUR_MS,
    };
  }

  // ---- northbound ---------------------------------------------------------------------------------

  /** Our upload in place of CreateOtaPackage's OBS object: the package as ShowOtaPackage shows it. */
  addPackage(fields: NewPackage, bytes: Buffer): OtaPackage {
    return this.packages.add(fields, bytes, eventTime(this.#o.now()));
  }

  /** ShowOtaPackage. */
  showPackage(packageId: string): OtaPackage {
    const pkg = this.packages.get(packageId);
    if (pkg === undefined) throw notFound(`package ${packageId}`);
    return pkg;
  }

  /** CreateBatchTask for an upgrade: each target online now is asked its version at once. */
  create(request: NewTask) {
    const pkg = this.showPackage(request.package_id);
    if (pkg.package_type !== PACKAGE_TYPE[request.task_type]) {
      throw invalidInput(`document.package_id: ${request.task_type} needs a ${PACKAGE_TYPE[request.task_type]}, package ${pkg.package_id} is a ${pkg.package_type}`);
    }
    request.targets.forEach((deviceId, i) => {
      if (!this.#o.registry.has(deviceId)) throw deviceNotFound(deviceId);
      const busy = this.#active.get(deviceId);
      if (busy !== undefined && !this.#settle(busy, busy.subtasks.get(deviceId)!)) {
        throw new IotdaError(409, "LOCAL.000409", `The device ${deviceId} is already being upgraded by task ${busy.task_id}.`, `targets[${i}]: ${deviceId} is in task ${busy.task_id}`);
      }
    });
    const now = this.#o.now();
    const task: Task = {
      task_id: randomBytes(12).toString("hex"),
      task_name: request.task_name,
      task_type: request.task_type,
      targets: request.targets,
      package: pkg,
      createdMs: now,
      subtasks: new Map(request.targets.map((deviceId) => [deviceId, { deviceId, state: "waiting", since: now, progress: 0 }])),
    };
    this.#tasks.set(task.task_id, task);
    this.#o.log(line`ota task created task_id=${task.task_id} package_id=${pkg.package_id} version=${pkg.version} targets=${task.targets.length}`);
    for (const sub of task.subtasks.values()) {
      this.#active.set(sub.deviceId, task);
      this.#query(task, sub);
    }
    return this.#summary(task);
  }

  /** ShowBatchTask: the task and one detail per device. */
  show(taskId: string) {
    const task = this.#task(taskId);
    for (const sub of task.subtasks.values()) this.#settle(task, sub);
    const task_details = [...task.subtasks.values()].map(detail);
    return { batchtask: this.#summary(task), task_details, page: { count: task_details.length } };
  }

  /** StopBatchTask: ends the devices' unfinished upgrades (all, or those named); their credentials stop working. */
  stop(taskId: string, targets?: string[]) {
    const task = this.#task(taskId);
    const chosen = targets ?? [...task.subtasks.keys()];
    chosen.forEach((deviceId, i) => {
      if (!task.subtasks.has(deviceId)) throw invalidInput(`targets[${i}]: ${deviceId} is not a target of task ${taskId}`);
    });
    return {
      targets: chosen.map((deviceId) => {
        const sub = task.subtasks.get(deviceId)!;
        if (this.#settle(task, sub)) {
          return { target: deviceId, status: "Fail", error_code: "LOCAL.000409", error_msg: `The upgrade has already ended (${sub.state}).` };
        }
        this.#finish(task, sub, "stopped", {});
        return { target: deviceId, status: "Success" };
      }),
    };
  }

  setTestHooks(hooks: NoticeTestHooks) {
    this.#hooks = { ...hooks };
  }

  /** The versions the device last reported (ShowDevice's fw_version and sw_version). */
  versions(deviceId: string) {
    return { ...this.#versions.get(deviceId) };
  }

  // ---- southbound ---------------------------------------------------------------------------------

  /** The device completed CONNECT: a task that waited for it, or had asked before it left, asks now. */
  onReady(deviceId: string) {
    const task = this.#active.get(deviceId);
    if (task === undefined) return;
    const sub = task.subtasks.get(deviceId)!;
    if (!this.#settle(task, sub) && (sub.state === "waiting" || sub.state === "querying")) this.#query(task, sub);
  }

  /** Answered at any time; during a query it decides whether the upgrade is needed. */
  onVersionReport(deviceId: string, report: VersionReport) {
    const versions = this.#versions.get(deviceId) ?? {};
    if (report.fw_version !== undefined) versions.fw_version = report.fw_version;
    if (report.sw_version !== undefined) versions.sw_version = report.sw_version;
    this.#versions.set(deviceId, versions);
    this.#o.log(line`ota version report deviceId=${deviceId} fw_version=${report.fw_version ?? "-"} sw_version=${report.sw_version ?? "-"}`);
    const task = this.#active.get(deviceId);
    const sub = task?.subtasks.get(deviceId);
    if (task === undefined || sub === undefined || this.#settle(task, sub) || sub.state !== "querying") return;
    const running = task.task_type === "firmwareUpgrade" ? report.fw_version : report.sw_version;
    if (running === task.package.version && this.#hooks.noticeAtSameVersion !== true) {
      this.#finish(task, sub, "success", { progress: 100, version: running, description: "already at the package's version" });
    } else this.#notify(task, sub);
  }

  onProgress(deviceId: string, report: ProgressReport) {
    const task = this.#active.get(deviceId);
    const sub = task?.subtasks.get(deviceId);
    if (task === undefined || sub === undefined || this.#settle(task, sub) || sub.state !== "downloading") {
      this.#o.log(line`ota progress ignored, no upgrade notice outstanding deviceId=${deviceId} result_code=${report.result_code}`);
      return;
    }
    const fields = { result_code: report.result_code, version: report.version, description: report.description };
    if (report.result_code !== 0) {
      const why = `result_code ${report.result_code} (${RESULT_CODES[report.result_code]})${report.description ? `: ${report.description}` : ""}`;
      this.#finish(task, sub, "failed", { ...fields, error: { error_code: "LOCAL.OTA_DEVICE", error_msg: `The device reported ${why}.` } });
      return;
    }
    // IoTDA documents progress as optional; a success without one (as Huawei's samples send) is the final report
    const progress = report.progress ?? 100;
    if (progress < 100) {
      Object.assign(sub, fields, { progress });
      this.#o.log(line`ota progress deviceId=${deviceId} task_id=${task.task_id} progress=${progress}`);
    } else if (report.version === task.package.version) {
      this.#finish(task, sub, "success", { ...fields, progress });
    } else {
      this.#finish(task, sub, "failed", {
        ...fields,
        progress,
        error: { error_code: "LOCAL.OTA_VERSION", error_msg: `The device reported success with version ${report.version}; the package is ${task.package.version}.` },
      });
    }
  }

  /** The package behind a download URL, or the IotdaError (404, 401) that refuses it. */
  authorize(taskId: string, deviceId: string, packageId: string, credential: Credential): OtaPackage {
    const task = this.#tasks.get(taskId);
    const sub = task?.subtasks.get(deviceId);
    if (task === undefined || sub === undefined || task.package.package_id !== packageId) throw notFound("download");
    const presigned = task.package.download === "presigned";
    const given = presigned ? credential.signature : credential.bearer;
    if (given === undefined) {
      throw unauthorized(presigned ? "the URL's Signature parameter is required" : "Authorization: Bearer {access_token} is required");
    }
    this.#settle(task, sub);
    if (sub.credential === undefined) throw unauthorized(`the upgrade of this device is ${sub.state}, nothing to download`);
    const expected = Buffer.from(sub.credential.token);
    const actual = Buffer.from(given);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw unauthorized(presigned ? "the URL's Signature is not this download's" : "the access token is not this download's");
    }
    if (this.#o.now() >= sub.credential.expiresMs) {
      throw unauthorized(`the ${presigned ? "URL" : "access token"} expired at ${eventTime(sub.credential.expiresMs)}`);
    }
    return task.package;
  }

  // ---- the flow -----------------------------------------------------------------------------------

  #task(taskId: string): Task {
    const task = this.#tasks.get(taskId);
    if (task === undefined) throw notFound(`task ${taskId}`);
    return task;
  }

  /** Applies the time limit of the sub-task's state; true when it has ended (now or before). */
  #settle(task: Task, sub: Subtask): boolean {
    if (FINAL.has(sub.state)) return true;
    const now = this.#o.now();
    const [limit, from, what] =
      sub.state === "waiting" ? [this.#times.onlineWaitMs, task.createdMs, "connection of the device"]
      : sub.state === "querying" ? [this.#times.versionQueryMs, sub.since, "version_report"]
      : [this.#times.upgradeTimeoutMs, sub.since, "final upgrade_progress_report"];
    if (now - from < limit) return false;
    this.#finish(task, sub, "timed_out", { error: { error_code: "LOCAL.OTA_TIMEOUT", error_msg: `No ${what} within ${limit / 1000} s.` } });
    return true;
  }

  #query(task: Task, sub: Subtask) {
    if (!this.#sendEvent(sub.deviceId, versionQuery(sub.deviceId, this.#o.now()), "ota version query")) return;
    Object.assign(sub, { state: "querying", since: this.#o.now() });
    this.#o.log(line`ota version query sent deviceId=${sub.deviceId} task_id=${task.task_id}`);
  }

  #notify(task: Task, sub: Subtask) {
    const pkg = task.package;
    const now = this.#o.now();
    const credential = { token: randomBytes(16).toString("hex"), expiresMs: now + this.#times.tokenTtlMs };
    const url = this.#o.downloadUrl(task.task_id, sub.deviceId, pkg.package_id);
    const paras: UpgradeParas = {
      version: pkg.version,
      url: pkg.download === "presigned" ? `${url}?Expires=${Math.floor(credential.expiresMs / 1000)}&Signature=${credential.token}` : url,
      file_size: pkg.file_size,
      file_name: pkg.file_name,
      ...(pkg.download === "presigned" ? {} : { access_token: credential.token }),
      expires: Math.floor(this.#times.tokenTtlMs / 1000),
      sign: this.#hooks.wrongSign === true ? pkg.sign.slice(0, -1) + (pkg.sign.endsWith("0") ? "1" : "0") : pkg.sign,
      ...(pkg.custom_info === undefined ? {} : { custom_info: pkg.custom_info }),
    };
    const notice = upgradeNotice(sub.deviceId, pkg.package_type, paras, now);
    // the device left between its report and now: it is asked again when it returns
    if (!this.#sendEvent(sub.deviceId, notice, "ota upgrade notice")) {
      Object.assign(sub, { state: "waiting", since: now });
      return;
    }
    Object.assign(sub, { state: "downloading", since: now, progress: 0, credential });
    this.#o.log(line`ota upgrade notice sent deviceId=${sub.deviceId} task_id=${task.task_id} event_type=${notice.services[0].event_type} version=${pkg.version}`);
  }

  #finish(task: Task, sub: Subtask, state: State, fields: Partial<Subtask>) {
    Object.assign(sub, fields, { state, since: this.#o.now(), credential: undefined });
    if (this.#active.get(sub.deviceId) === task) this.#active.delete(sub.deviceId);
    this.#o.log(line`ota upgrade ended deviceId=${sub.deviceId} task_id=${task.task_id} state=${state}` +
      (sub.error === undefined ? "" : line` reason=${sub.error.error_msg}`));
  }

  /** QoS 0 as IoTDA's system downlink; false when the device has no connection. */
  #sendEvent(deviceId: string, body: unknown, what: string): boolean {
    return this.#o.send(deviceId, eventsDownTopic(deviceId), jsonBytes(body), 0, (err) => {
      if (err !== undefined) this.#o.log(what + line` not delivered deviceId=${deviceId} error=${err.message}`);
    });
  }

  /** CreateBatchTask's answer and ShowBatchTask's `batchtask`. */
  #summary(task: Task) {
    const states = [...task.subtasks.values()].map((s) => s.state);
    const count = (...of: State[]) => states.filter((s) => of.includes(s)).length;
    const task_progress = {
      total: states.length,
      processing: count("querying", "downloading"),
      success: count("success"),
      fail: count("failed", "timed_out"),
      waitting: count("waiting"),
      fail_wait_retry: 0,
      stopped: count("stopped"),
      removed: 0,
    };
    return {
      task_id: task.task_id,
      task_name: task.task_name,
      task_type: task.task_type,
      targets: task.targets,
      document: { package_id: task.package.package_id },
      status: batchStatus(task_progress),
      status_desc: `${task_progress.success} of ${task_progress.total} upgraded to ${task.package.version}`,
      task_progress,
      create_time: eventTime(task.createdMs),
    };
  }
}

function batchStatus(p: { total: number; processing: number; success: number; waitting: number; stopped: number }): string {
  if (p.waitting === p.total) return "Waitting";
  if (p.processing + p.waitting > 0) return "Processing";
  if (p.success === p.total) return "Success";
  if (p.success > 0) return "PartialSuccess";
  return p.stopped === p.total ? "Stopped" : "Fail";
}

/** IoTDA's TaskDetail (target, status, output, error) with our state and the device's last report. */
function detail(sub: Subtask) {
  const output =
    sub.state === "waiting" ? "waiting for the device to connect"
    : sub.state === "querying" ? "version_query sent, waiting for version_report"
    : sub.state === "downloading" ? `upgrade notice sent, progress ${sub.progress}%`
    : sub.state === "success" ? `upgraded to ${sub.version}`
    : sub.state === "stopped" ? "stopped"
    : sub.error!.error_msg;
  const { deviceId, state, progress, result_code, version, description, error } = sub;
  return { target: deviceId, status: STATUS[state], output, ...(error === undefined ? {} : { error }), state, progress, result_code, version, description };
}
