/*
 * Runs native/xs_iotda.c inside a real XS machine (the Moddable SDK's xst build) with a compacting
 * garbage collection before every chunk allocation (mxStress) and garbage in front of the argument
 * strings, so a string pointer the binding held across an allocation would read moved memory. One call per stdin line, one reply per stdout line:
 *   request: arguments separated by spaces, each s:<hex> (string), n:<number> or i:<integer>
 *   reply:   "ok <clientId> <username> <password> <timestamp>" or "throw <String(error)>"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs.h"

extern int gxStress; /* xsMemory.c, with mxStress */
void xs_iotda_credentials(xsMachine* the);

#define ARGS_MAX 8
#define LINE_BYTES 8192

static void from_hex(const char* hex, char* out) {
  size_t n = 0;
  for (; hex[0] && hex[1]; hex += 2) {
    unsigned byte;
    sscanf(hex, "%2x", &byte);
    out[n++] = (char)byte;
  }
  out[n] = 0;
}

/* A request's arguments as XS values, in xsVar(1)..; returns how many. */
static int parse_arguments(xsMachine* the, char* line) {
  static char text[LINE_BYTES];
  int count = 0;
  for (char* token = strtok(line, " "); token != NULL && count < ARGS_MAX; token = strtok(NULL, " ")) {
    if (token[0] == 's') {
      from_hex(token + 2, text);
      xsVar(1 + count) = xsString(text);
    } else if (token[0] == 'n') {
      xsVar(1 + count) = xsNumber(strtod(token + 2, NULL));
    } else {
      xsVar(1 + count) = xsInteger(atoi(token + 2));
    }
    count++;
  }
  return count;
}

static void field(xsMachine* the, const char* name) {
  xsVar(ARGS_MAX + 2) = xsGet(xsVar(ARGS_MAX + 1), xsID((char*)name));
  printf(" %s", xsToString(xsVar(ARGS_MAX + 2)));
}

int main(void) {
  xsCreation creation = {16 << 20, 16 << 20, 1 << 20, 1 << 20, 256 << 10, 1024, 1024, 1993, 127, 64 << 10, 1993, 0, 0};
  xsMachine* machine = xsCreateMachine(&creation, "xs_harness", NULL);
  static char line[LINE_BYTES];
  xsBeginHost(machine);
  {
    xsVars(ARGS_MAX + 3);
    xsVar(0) = xsNewHostFunction(xs_iotda_credentials, 5);
    gxStress = 1;
    while (fgets(line, sizeof line, stdin) != NULL) {
      line[strcspn(line, "\r\n")] = 0;
      xsTry {
        /* Garbage allocated before the arguments: the next collection moves them down over it. */
        xsVar(ARGS_MAX + 2) = xsString("garbage that makes the collector move the argument strings");
        int count = parse_arguments(the, line);
        xsVar(ARGS_MAX + 2) = xsUndefined;
        switch (count) {
          case 0: xsVar(ARGS_MAX + 1) = xsCallFunction0(xsVar(0), xsUndefined); break;
          case 1: xsVar(ARGS_MAX + 1) = xsCallFunction1(xsVar(0), xsUndefined, xsVar(1)); break;
          case 2: xsVar(ARGS_MAX + 1) = xsCallFunction2(xsVar(0), xsUndefined, xsVar(1), xsVar(2)); break;
          case 3: xsVar(ARGS_MAX + 1) = xsCallFunction3(xsVar(0), xsUndefined, xsVar(1), xsVar(2), xsVar(3)); break;
          case 4: xsVar(ARGS_MAX + 1) = xsCallFunction4(xsVar(0), xsUndefined, xsVar(1), xsVar(2), xsVar(3), xsVar(4)); break;
          default: xsVar(ARGS_MAX + 1) = xsCallFunction5(xsVar(0), xsUndefined, xsVar(1), xsVar(2), xsVar(3), xsVar(4), xsVar(5)); break;
        }
        printf("ok");
        field(the, "clientId");
        field(the, "username");
        field(the, "password");
        field(the, "timestamp");
        printf("\n");
      }
      xsCatch {
        xsVar(ARGS_MAX + 2) = xsCall0(xsException, xsID("toString"));
        printf("throw %s\n", xsToString(xsVar(ARGS_MAX + 2)));
      }
      fflush(stdout);
    }
    gxStress = 0;
  }
  xsEndHost(machine);
  xsDeleteMachine(machine);
  return 0;
}
