#include "app/token_cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/jwt.h"
#include "base/secret.h"

struct token_args {
    const char *secret_file, *user;
    const char *roles[JWT_ROLES_MAX];
    unsigned nroles;
    long ttl;
    int help;
};

static const char usage[] =
    "usage: pulse token --auth-secret-file FILE --user NAME [--role ROLE]... [--ttl SECONDS]\n"
    "Prints an HS256 JWT (claims sub, roles, iat, exp) signed with the secret in FILE.\n"
    "Roles Pulse knows: publisher (may publish), admin (may publish and read stats).\n"
    "--ttl defaults to 3600 seconds, at most 31536000.\n";

static int parse_ttl(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = (*s >= '0' && *s <= '9') ? strtol(s, &end, 10) : -1;
    if (v < 1 || v > JWT_TTL_MAX || errno || *end != '\0')
        return -EINVAL;
    *out = v;
    return 0;
}

/* Stores one option's value; returns 0 or -EINVAL with the reason in `why`. */
static int set_arg(struct token_args *a, const char *name, const char *val, char *why, size_t n)
{
    if (strcmp(name, "--auth-secret-file") == 0) {
        if (*val == '\0') {
            snprintf(why, n, "--auth-secret-file: the path is empty");
            return -EINVAL;
        }
        a->secret_file = val;
    } else if (strcmp(name, "--user") == 0) {
        if (!jwt_valid_user(val)) {
            snprintf(why, n, "--user: must be 1..64 bytes without control characters");
            return -EINVAL;
        }
        a->user = val;
    } else if (strcmp(name, "--role") == 0) {
        if (!jwt_valid_role(val) || a->nroles == JWT_ROLES_MAX) {
            snprintf(why, n, "--role: '%s' must match [A-Za-z0-9_.:-]{1,32} (at most 16 roles)",
                     val);
            return -EINVAL;
        }
        a->roles[a->nroles++] = val;
    } else if (strcmp(name, "--ttl") == 0) {
        if (parse_ttl(val, &a->ttl) < 0) {
            snprintf(why, n, "--ttl: '%s' must be an integer in 1..%d", val, JWT_TTL_MAX);
            return -EINVAL;
        }
    } else {
        snprintf(why, n, "unknown option '%s' (see pulse token --help)", name);
        return -EINVAL;
    }
    return 0;
}

static int parse_args(struct token_args *a, int argc, char **argv, char *why, size_t n)
{
    static const char *const known[] = {"--auth-secret-file", "--user", "--role", "--ttl"};
    for (int i = 0; i < argc; i++) {
        char name[32];
        const char *arg = argv[i], *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            a->help = 1;
            return 0;
        }
        int ok = 0;
        for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
            ok |= strlen(known[k]) == len && strncmp(known[k], arg, len) == 0;
        if (!ok || len >= sizeof(name)) {
            snprintf(why, n, "unknown option '%s' (see pulse token --help)", arg);
            return -EINVAL;
        }
        memcpy(name, arg, len);
        name[len] = '\0';
        const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!val) {
            snprintf(why, n, "%s needs a value", name);
            return -EINVAL;
        }
        if (set_arg(a, name, val, why, n) < 0)
            return -EINVAL;
    }
    if (!a->secret_file || !a->user) {
        snprintf(why, n, "%s is required (see pulse token --help)",
                 a->secret_file ? "--user" : "--auth-secret-file");
        return -EINVAL;
    }
    return 0;
}

int token_cmd_run(int argc, char **argv, int64_t now_s, FILE *out, FILE *err)
{
    struct token_args a = {.ttl = TOKEN_TTL_DEFAULT};
    char why[512];
    if (parse_args(&a, argc, argv, why, sizeof(why)) < 0) {
        fprintf(err, "pulse token: %s\n", why);
        return 2;
    }
    if (a.help) {
        fputs(usage, out);
        return 0;
    }
    struct secret *s = malloc(sizeof(*s));
    int loose = 0, rc = s ? secret_load(a.secret_file, s, &loose, why, sizeof(why)) : -ENOMEM;
    if (rc < 0) {
        fprintf(err, "pulse token: %s\n", s ? why : "out of memory");
        free(s);
        return 1;
    }
    if (loose)
        fprintf(err, "pulse token: warning: %s is readable by group or others\n", a.secret_file);
    char tok[JWT_MAX_LEN];
    rc = jwt_sign(s->bytes, s->len, a.user, a.roles, a.nroles, now_s, now_s + a.ttl, tok,
                  sizeof(tok));
    secret_wipe(s);
    free(s);
    if (rc < 0) {
        fprintf(err, "pulse token: cannot sign: %s\n", strerror(-rc));
        return 1;
    }
    fprintf(out, "%s\n", tok);
    return fflush(out) == 0 ? 0 : 1;
}
