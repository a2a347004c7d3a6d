/* The net's TLS keys and compression state: set up at start from the limits, the keys reloaded
 * on SIGHUP, all of it freed after the loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/net_private.h"

static int set_why(char *why, size_t whylen, int rc, const char *msg)
{
    snprintf(why, whylen, "%s", msg);
    return rc;
}

/* Loads and checks the pair (an expired certificate is a warning), then watches SIGHUP. */
static int tls_start(struct net *net, char *why, size_t whylen)
{
    const char *cert = net->lim.tls_cert, *key = net->lim.tls_key;
    struct tls_keys *keys = NULL;
    if (!cert[0] || !key[0])
        return set_why(why, whylen, -EINVAL,
                       !cert[0] ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key");
    int rc = tls_keys_load(cert, key, &keys, why, whylen);
    if (rc < 0)
        return rc;
    if (rc == 1)
        log_warn(net->log, "%s", why);
    if (!(net->tls = malloc(sizeof(*net->tls))) || tls_server_init(net->tls, keys) < 0) {
        tls_keys_free(keys);
        return set_why(why, whylen, -ENOMEM, "out of memory");
    }
    rc = tls_reload_start(&net->tls_reload, net->loop, net->tls, cert, key, net->log);
    if (rc < 0)
        snprintf(why, whylen, "cannot watch SIGHUP: %s", uv_strerror(rc));
    return rc;
}

int net_secure_start(struct net *net, char *why, size_t whylen)
{
    const struct net_limits *lim = &net->lim;
    if (lim->compression && (pmd_deflater_init(&net->deflater, PMD_LEVEL) < 0 ||
                             pmd_inflater_init(&net->inflater, lim->max_message_bytes) < 0))
        return set_why(why, whylen, -ENOMEM, "out of memory");
    if (!(lim->tls_cert && lim->tls_cert[0]) && !(lim->tls_key && lim->tls_key[0]))
        return 0;
    if (!lim->tls_cert || !lim->tls_key)
        return set_why(why, whylen, -EINVAL, "--tls-cert and --tls-key go together");
    return tls_start(net, why, whylen);
}

void net_secure_stop(struct net *net)
{
    if (net->tls)
        tls_reload_stop(&net->tls_reload);
}

void net_free(struct net *net)
{
    if (net->tls) {
        tls_server_free(net->tls);
        free(net->tls);
        net->tls = NULL;
    }
    pmd_deflater_free(&net->deflater);
    pmd_inflater_free(&net->inflater);
}
