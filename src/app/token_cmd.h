/* `pulse token`: mints a token with the daemon's secret file (self-contained option parsing). */
#ifndef PULSE_TOKEN_CMD_H
#define PULSE_TOKEN_CMD_H

#include <stdint.h>
#include <stdio.h>

#define TOKEN_TTL_DEFAULT 3600

/* Runs `pulse token` with the arguments after "token" at wall time `now_s`: prints the token
 * alone on `out` and returns 0; a bad flag or value prints one line on `err` and returns 2; an
 * unusable secret file returns 1. `--help` prints usage on `out` and returns 0. */
int token_cmd_run(int argc, char **argv, int64_t now_s, FILE *out, FILE *err);

#endif
