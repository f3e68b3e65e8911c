/*
 * The XS platform of our test host: xsnap's (POSIX, Linux or macOS) with the string form of the
 * device. xsnap builds XS with mxCESU8 (a character above U+FFFF is two 3-byte surrogates and
 * string length counts UTF-16 units, as in Node); the Moddable SDK builds every device and simulator
 * without it: strings are UTF-8, a character above U+FFFF is one 4-byte sequence and counts as one
 * in length and indexes. Both store U+0000 as C0 80 (xsCommon.c fxUTF8Encode).
 */
#include "xsnapPlatform.h"

#undef mxCESU8
