/*
 * XS binding of the signing core: native("xs_iotda_credentials")(deviceId, secret, timeMs, authType = 0,
 * signType = 1) -> { clientId, username, password, timestamp }, or throws Error with the core's message.
 */
#include <string.h>

#include "iotda_signer.h"
#include "wipe.h"
#include "xsmc.h"

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

  /* No XS allocation from here until iotda_sign returns, so the GC cannot move these strings. */
  const char* device_id = xsmcToString(xsArg(0));
  const char* secret = xsmcToString(xsArg(1));
  iotda_credentials_t credentials;
  char error[IOTDA_ERROR_BYTES];
  if (iotda_sign(device_id, strlen(device_id), secret, strlen(secret), time_ms, auth_type, sign_type, &credentials,
                 error) != 0)
    xsUnknownError("%s", error); /* the core's message: names the field and limit, never a value */

  xsmcVars(1);
  xsmcSetNewObject(xsResult);
  set_string(the, "clientId", credentials.client_id, credentials.client_id_length);
  xsmcSet(xsResult, xsID("username"), xsArg(0)); /* the deviceId (or nodeId) itself */
  set_string(the, "password", credentials.password, sizeof credentials.password - 1);
  set_string(the, "timestamp", credentials.timestamp, sizeof credentials.timestamp - 1);
  wipe(&credentials, sizeof credentials);
}
