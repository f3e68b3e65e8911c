/*
 * XS binding of the signing core: native("xs_iotda_credentials")(deviceId, secret, timeMs, authType = 0,
 * signType = 1) -> { clientId, username, password, timestamp }, or throws Error with the core's message.
 * native("xs_iotda_group_secret")(deviceId, groupSecret) -> the secret of a device of an IoTDP
 * registration group (64 lowercase hex), groupSecret in Base64; throws Error with the core's message.
 * The core's streaming SHA-256, for verifying downloads with the same C that signs:
 * native("xs_iotda_sha256_start")(), native("xs_iotda_sha256_update")(bytes) with an ArrayBuffer,
 * typed array or DataView, native("xs_iotda_sha256_digest")() -> the digest in lowercase hex.
 * native("xs_iotda_restart")(): esp_restart() on ESP32 (the SDK's ota module leaves restarting to
 * the app); elsewhere it throws.
 */
#include <stdint.h>

#include "iotda_signer.h"
#include "wipe.h"
#include "xsmc.h"
#if ESP32
#include "esp_system.h"
#endif

static int is_string(xsMachine* the, int index) {
  int type = xsmcTypeOf(xsArg(index));
  return type == xsStringType || type == xsStringXType; /* StringX: a string in flash, e.g. from mc/config */
}

static int is_number(xsMachine* the, int index) {
  int type = xsmcTypeOf(xsArg(index));
  return type == xsNumberType || type == xsIntegerType;
}

/* authType/signType as int; anything not a small whole number becomes -1, which the core refuses by name. */
static int small_integer(xsMachine* the, int index, int absent) {
  if (xsmcArgc <= index)
    return absent;
  if (!is_number(the, index))
    return -1;
  xsNumberValue value = xsmcToNumber(xsArg(index));
  return (value >= 0 && value <= 255 && value == (int)value) ? (int)value : -1;
}

/* Appends one byte of output while it fits; counts it either way. */
static inline void put(char* out, size_t room, size_t* length, uint32_t byte) {
  if (*length < room)
    out[*length] = (char)byte;
  (*length)++;
}

/*
 * A string's bytes as the core takes them (the host binding's too): its UTF-8, with U+0000 as the
 * byte 00 and a lone surrogate in its 3-byte form (WTF-8; the core refuses it). XS keeps a string as
 * UTF-8 with two departures (xsCommon.c fxUTF8Encode, fxCESU8Encode): U+0000 is C0 80, so that C
 * string functions see no NUL in it, and a character above U+FFFF may be its two surrogates, 3
 * bytes each: always in CESU-8 builds of XS (xst, xsnap), and in any build after a lone high and a
 * lone low surrogate were concatenated. Writes at most `room` bytes to `out` and returns the length,
 * or room + 1 when it is longer. Only reads `text`: no XS allocation, which may move strings.
 */
static size_t wtf8(const char* text, char* out, size_t room) {
  const unsigned char* in = (const unsigned char*)text;
  size_t length = 0;
  while (*in && length <= room) {
    if (in[0] == 0xC0 && in[1] == 0x80) {
      put(out, room, &length, 0);
      in += 2;
    }
    else if (in[0] == 0xED && (in[1] & 0xF0) == 0xA0 && (in[2] & 0xC0) == 0x80 && in[3] == 0xED &&
             (in[4] & 0xF0) == 0xB0) {
      /* ED A0-AF xx (high surrogate) then ED B0-BF yy (low): one character, 10 bits from each */
      uint32_t c = 0x10000 + ((((in[1] & 0x0Fu) << 6) | (in[2] & 0x3Fu)) << 10) + (((in[4] & 0x0Fu) << 6) | (in[5] & 0x3Fu));
      put(out, room, &length, 0xF0 | (c >> 18));
      put(out, room, &length, 0x80 | ((c >> 12) & 0x3F));
      put(out, room, &length, 0x80 | ((c >> 6) & 0x3F));
      put(out, room, &length, 0x80 | (c & 0x3F));
      in += 6;
    }
    else
      put(out, room, &length, *in++);
  }
  return length;
}

/*
 * The core's input area from arguments 0 and 1 (deviceId, then a secret), each converted as soon as
 * its pointer is taken. Longer text is only counted, and the core refuses it by its length. Sets the
 * lengths and where the secret starts; returns the bytes written, to wipe.
 */
static size_t two_strings(xsMachine* the, char* input, size_t* id_length, const char** secret, size_t* secret_length) {
  *id_length = wtf8(xsmcToString(xsArg(0)), input, IOTDA_INPUT_BYTES);
  size_t id_used = *id_length < IOTDA_INPUT_BYTES ? *id_length : IOTDA_INPUT_BYTES;
  *secret = input + id_used;
  *secret_length = wtf8(xsmcToString(xsArg(1)), input + id_used, IOTDA_INPUT_BYTES - id_used);
  return id_used + (*secret_length < IOTDA_INPUT_BYTES - id_used ? *secret_length : IOTDA_INPUT_BYTES - id_used);
}

static void set_string(xsMachine* the, const char* name, const char* text, size_t length) {
  xsmcSetStringBuffer(xsVar(0), (char*)text, (xsIntegerValue)length);
  xsmcSet(xsResult, xsID((char*)name), xsVar(0));
}

void xs_iotda_credentials(xsMachine* the) {
  int argc = xsmcArgc;
  if (argc < 1 || !is_string(the, 0))
    xsTypeError("deviceId: must be a string");
  if (argc < 2 || !is_string(the, 1))
    xsTypeError("secret: must be a string");
  if (argc < 3 || !is_number(the, 2))
    xsTypeError("time: must be a number");
  xsNumberValue time_ms = xsmcToNumber(xsArg(2));
  int auth_type = small_integer(the, 3, 0);
  int sign_type = small_integer(the, 4, 1);

  uint32_t area[IOTDA_INPUT_BYTES / 4];
  char* input = (char*)area;
  size_t id_length, secret_length;
  const char* secret_text;
  size_t used = two_strings(the, input, &id_length, &secret_text, &secret_length);
  iotda_credentials_t credentials;
  char error[IOTDA_ERROR_BYTES];
  int code = iotda_sign(input, id_length, secret_text, secret_length, time_ms, auth_type, sign_type, &credentials,
                        error);
  wipe(area, used);
  if (code != 0)
    xsUnknownError("%s", error); /* the core's message: names the field and limit, never a value */

  xsmcVars(1);
  xsmcSetNewObject(xsResult);
  set_string(the, "clientId", credentials.client_id, credentials.client_id_length);
  xsmcSet(xsResult, xsID("username"), xsArg(0)); /* the deviceId (or nodeId) itself */
  set_string(the, "password", credentials.password, sizeof credentials.password - 1);
  set_string(the, "timestamp", credentials.timestamp, sizeof credentials.timestamp - 1);
  wipe(&credentials, sizeof credentials);
}

void xs_iotda_group_secret(xsMachine* the) {
  if (xsmcArgc < 1 || !is_string(the, 0))
    xsTypeError("deviceId: must be a string");
  if (xsmcArgc < 2 || !is_string(the, 1))
    xsTypeError("groupSecret: must be a string");
  uint32_t area[IOTDA_INPUT_BYTES / 4];
  char* input = (char*)area;
  size_t id_length, secret_length;
  const char* secret_text;
  size_t used = two_strings(the, input, &id_length, &secret_text, &secret_length);
  char secret[65];
  char error[IOTDA_ERROR_BYTES];
  int code = iotda_group_secret(input, id_length, secret_text, secret_length, secret, error);
  wipe(area, used);
  if (code != 0)
    xsUnknownError("%s", error);
  xsmcSetStringBuffer(xsResult, secret, 64);
  wipe(secret, sizeof secret);
}

static void hash_result(xsMachine* the, int code, const char* error) {
  if (code != 0)
    xsUnknownError("%s", error);
}

void xs_iotda_sha256_start(xsMachine* the) {
  char error[IOTDA_ERROR_BYTES];
  hash_result(the, iotda_sha256_start(error), error);
}

void xs_iotda_sha256_update(xsMachine* the) {
  if (xsmcArgc < 1)
    xsTypeError("bytes: must be an ArrayBuffer, typed array or DataView");
  void* data;
  xsUnsignedValue length;
  /* Throws for anything else. The pointer is used before any XS allocation, which may move it. */
  xsmcGetBufferReadable(xsArg(0), &data, &length);
  char error[IOTDA_ERROR_BYTES];
  hash_result(the, iotda_sha256_update(data, length, error), error);
}

void xs_iotda_sha256_digest(xsMachine* the) {
  unsigned char digest[32];
  char error[IOTDA_ERROR_BYTES];
  hash_result(the, iotda_sha256_digest(digest, error), error);
  static const char digits[] = "0123456789abcdef";
  char hex[64];
  for (int i = 0; i < 32; i++) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 15];
  }
  xsmcSetStringBuffer(xsResult, hex, sizeof hex);
}

void xs_iotda_restart(xsMachine* the) {
#if ESP32
  esp_restart();
#else
  xsUnknownError("restart: not supported on this platform");
#endif
}
