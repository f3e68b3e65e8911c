/*
 * XS host for the test suites and the bench: runs one script (an esbuild bundle, see engine.ts) on
 * the XS engine that @agoric/xsnap ships, built with the device's string form (platform.h), with
 * metering and with a garbage collection before every allocation on request.
 *
 *   xs-host [--stress] script.js
 *
 * Globals beside XS's own:
 *   native(name)  the C host function linked under that name, as on the device (native/xs_iotda.c)
 *   trace(...)    its arguments concatenated on stderr, like the device console (no newline added)
 *   xsHost        for tests and the bench only:
 *     print(line)          one line on stdout (the script's results)
 *     compute()            the meter: XS instructions run so far, plus what built-ins charge for
 *                          their work (mxMeterSome), e.g. one per character copied
 *     scanned()            string bytes XS walked so far to count a string's characters or to find
 *                          one by index (fxUnicodeLength, fxUnicodeToUTF8Offset, fxUTF8ToUnicodeOffset),
 *                          which the meter does not charge for
 *     slots(), chunks()    slots in use and bytes of chunks in use (currentHeapCount,
 *                          currentChunksSize; both also count garbage until the next collection)
 *     collect()            a full collection, after which collected() is false until the next one
 *     collected()          whether the collector ran since the last collect()
 *     signInput()          [deviceId, secret] as hex: the bytes the last iotda_sign() call was given
 *     residue(f, args, needles)  calls f(...args) on a painted C stack and returns, per needle string,
 *                          how many copies of it f left in the stack memory it used
 * Exit status 0 when the script (and the promise jobs it queued) ran without an uncaught
 * exception; 1, with the exception on stderr, otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotda_signer.h"
#include "xsAll.h"
#include "xs.h"

extern int gxStress; /* xsMemory.c, built with mxStress */
extern void fxRunProgramFile(txMachine* the, txString path);
extern void fxRunLoop(txMachine* the);

void xs_iotda_credentials(xsMachine* the);
void xs_iotda_group_secret(xsMachine* the);
void xs_iotda_sha256_start(xsMachine* the);
void xs_iotda_sha256_update(xsMachine* the);
void xs_iotda_sha256_digest(xsMachine* the);
void xs_iotda_restart(xsMachine* the);

static const struct {
  const char* name;
  xsCallback callback;
  int length;
} natives[] = {
    {"xs_iotda_credentials", xs_iotda_credentials, 5},
    {"xs_iotda_group_secret", xs_iotda_group_secret, 2},
    {"xs_iotda_sha256_start", xs_iotda_sha256_start, 0},
    {"xs_iotda_sha256_update", xs_iotda_sha256_update, 1},
    {"xs_iotda_sha256_digest", xs_iotda_sha256_digest, 0},
    {"xs_iotda_restart", xs_iotda_restart, 0},
};

/* ---- what the last iotda_sign() call was given (linked with -Wl,--wrap=iotda_sign) ---- */

static struct {
  unsigned char bytes[2][IOTDA_INPUT_BYTES];
  size_t lengths[2];
} sign_input;

int __real_iotda_sign(const char*, size_t, const char*, size_t, double, int, int, iotda_credentials_t*, char*);

int __wrap_iotda_sign(const char* device_id, size_t device_id_length, const char* secret, size_t secret_length,
                      double time_ms, int auth_type, int sign_type, iotda_credentials_t* out,
                      char error[IOTDA_ERROR_BYTES]) {
  const char* fields[2] = {device_id, secret};
  size_t lengths[2] = {device_id_length, secret_length};
  /* A length past the input area only says "too long": no bytes stand behind it. */
  for (int i = 0; i < 2; i++) {
    sign_input.lengths[i] = lengths[i] <= IOTDA_INPUT_BYTES ? lengths[i] : 0;
    memcpy(sign_input.bytes[i], fields[i], sign_input.lengths[i]);
  }
  return __real_iotda_sign(device_id, device_id_length, secret, secret_length, time_ms, auth_type, sign_type, out,
                           error);
}

/* ---- string bytes walked by XS's character-index helpers (linked with -Wl,--wrap=...) ---- */

static double scanned;

txSize __real_fxUnicodeLength(txString string);
txSize __real_fxUnicodeToUTF8Offset(txString string, txSize offset);
txSize __real_fxUTF8ToUnicodeOffset(txString string, txSize offset);

/* Each walks until it has its answer or meets the string's end (the result is -1 then). */
txSize __wrap_fxUnicodeLength(txString string) {
  scanned += (double)strlen(string);
  return __real_fxUnicodeLength(string);
}

txSize __wrap_fxUnicodeToUTF8Offset(txString string, txSize offset) {
  txSize result = __real_fxUnicodeToUTF8Offset(string, offset);
  scanned += result < 0 ? (double)strlen(string) : (double)result;
  return result;
}

txSize __wrap_fxUTF8ToUnicodeOffset(txString string, txSize offset) {
  txSize result = __real_fxUTF8ToUnicodeOffset(string, offset);
  scanned += result < 0 ? (double)strlen(string) : (double)offset;
  return result;
}

static void to_hex(char* out, const unsigned char* bytes, size_t length) {
  for (size_t i = 0; i < length; i++)
    sprintf(out + 2 * i, "%02x", bytes[i]);
  out[2 * length] = 0;
}

static void host_sign_input(xsMachine* the) {
  char hex[2 * IOTDA_INPUT_BYTES + 1];
  xsVars(1);
  xsResult = xsNewArray(2);
  for (int i = 0; i < 2; i++) {
    to_hex(hex, sign_input.bytes[i], sign_input.lengths[i]);
    xsVar(0) = xsString(hex);
    xsSetAt(xsResult, xsInteger(i), xsVar(0));
  }
}

/* ---- stack residue: what a host function leaves in the C stack it used ---- */

#define PAINT_BYTES (64 << 10)
#define PAINT 0xA5

static uintptr_t painted; /* where the painted area was: below residue()'s own frame */

/* Paints PAINT_BYTES of stack below the caller's frame, where its next calls put theirs. */
static __attribute__((noinline)) void paint_stack(void) {
  volatile unsigned char area[PAINT_BYTES];
  for (size_t i = 0; i < sizeof area; i++)
    area[i] = PAINT;
  painted = (uintptr_t)area; /* an address, read again once the area is dead: that is the point */
}

static int count_copies(const unsigned char* memory, size_t size, const char* needle, size_t length) {
  int count = 0;
  for (size_t i = 0; length && i + length <= size; i++)
    if (memcmp(memory + i, needle, length) == 0)
      count++;
  return count;
}

static void host_residue(xsMachine* the) {
  static unsigned char snapshot[PAINT_BYTES];
  xsVars(1);
  paint_stack();
  /* What a refused call leaves counts too: its exception is dropped here, the scenario made it once already. */
  xsTry {
    xsCall2(xsArg(0), xsID("apply"), xsUndefined, xsArg(1));
  }
  xsCatch {
  }
  /* Copied at once: nothing deeper than memcpy runs on that stack before the copy is taken. */
  memcpy(snapshot, (const void*)painted, sizeof snapshot);
  xsIntegerValue needles = xsToInteger(xsGet(xsArg(2), xsID("length")));
  xsResult = xsNewArray(needles);
  for (xsIntegerValue i = 0; i < needles; i++) {
    xsVar(0) = xsGetAt(xsArg(2), xsInteger(i));
    const char* needle = xsToString(xsVar(0));
    xsSetAt(xsResult, xsInteger(i), xsInteger(count_copies(snapshot, sizeof snapshot, needle, strlen(needle))));
  }
}

/* ---- globals ---- */

static void host_native(xsMachine* the) {
  const char* name = xsToString(xsArg(0));
  for (size_t i = 0; i < sizeof natives / sizeof natives[0]; i++)
    if (strcmp(natives[i].name, name) == 0) {
      xsResult = xsNewHostFunction(natives[i].callback, natives[i].length);
      return;
    }
  xsUnknownError("native: no host function named %s", name);
}

static void host_trace(xsMachine* the) {
  for (xsIntegerValue i = 0, argc = xsToInteger(xsArgc); i < argc; i++)
    fputs(xsToString(xsArg(i)), stderr);
}

static void host_print(xsMachine* the) {
  fputs(xsToString(xsArg(0)), stdout);
  fputc('\n', stdout);
}

static void host_compute(xsMachine* the) {
  xsResult = xsNumber(the->meterIndex);
}

static void host_scanned(xsMachine* the) {
  xsResult = xsNumber(scanned);
}

static void host_slots(xsMachine* the) {
  xsResult = xsNumber(the->currentHeapCount);
}

static void host_chunks(xsMachine* the) {
  xsResult = xsNumber(the->currentChunksSize);
}

/* An unreferenced host object whose destructor runs when the collector sweeps it. */
static int collected;

static void sentinel_swept(void* data) {
  (void)data;
  collected = 1;
}

static void host_collect(xsMachine* the) {
  xsCollectGarbage();
  collected = 0;
  xsNewHostObject(sentinel_swept);
}

static void host_collected(xsMachine* the) {
  xsResult = xsBoolean(collected);
}

static void define(xsMachine* the, xsSlot* target, const char* name, xsCallback callback, int length) {
  xsVar(0) = xsNewHostFunction(callback, length);
  xsDefine(*target, xsID((char*)name), xsVar(0), xsDontEnum);
}

static void define_globals(xsMachine* the) {
  xsVars(2);
  define(the, &xsGlobal, "native", host_native, 1);
  define(the, &xsGlobal, "trace", host_trace, 1);
  xsVar(1) = xsNewObject();
  define(the, &xsVar(1), "print", host_print, 1);
  define(the, &xsVar(1), "compute", host_compute, 0);
  define(the, &xsVar(1), "scanned", host_scanned, 0);
  define(the, &xsVar(1), "slots", host_slots, 0);
  define(the, &xsVar(1), "chunks", host_chunks, 0);
  define(the, &xsVar(1), "collect", host_collect, 0);
  define(the, &xsVar(1), "collected", host_collected, 0);
  define(the, &xsVar(1), "signInput", host_sign_input, 0);
  define(the, &xsVar(1), "residue", host_residue, 3);
  xsDefine(xsGlobal, xsID("xsHost"), xsVar(1), xsDontEnum);
}

int main(int argc, char** argv) {
  int stress = argc == 3 && strcmp(argv[1], "--stress") == 0;
  if (argc != 2 + stress) {
    fprintf(stderr, "usage: xs-host [--stress] script.js\n");
    return 2;
  }
  /* Room for the suites' data without growing; the bench's windows check collected() anyway. */
  xsCreation creation = {
      64 << 20, /* initialChunkSize */
      16 << 20, /* incrementalChunkSize */
      1 << 20,  /* initialHeapCount */
      256 << 10, /* incrementalHeapCount */
      4096,     /* stackCount */
      32 << 10, /* initialKeyCount */
      4096,     /* incrementalKeyCount */
      1993,     /* nameModulo */
      127,      /* symbolModulo */
      1 << 20,  /* parserBufferSize */
      1993,     /* parserTableModulo */
      0,        /* staticSize */
  };
  xsMachine* machine = xsCreateMachine(&creation, "xs-host", NULL);
  int status = 0;
  xsBeginHost(machine);
  {
    define_globals(the);
    gxStress = stress;
    xsTry {
      fxRunProgramFile(the, argv[argc - 1]);
    }
    xsCatch {
      fprintf(stderr, "uncaught exception: %s\n", xsToString(xsException));
      status = 1;
    }
  }
  xsEndHost(machine);
  if (status == 0) {
    fxRunLoop(machine);
    status = machine->abortStatus ? 1 : 0;
  }
  gxStress = 0;
  xsDeleteMachine(machine);
  fflush(stdout);
  return status;
}
