#include "metrics/host_json.h"

#include "metrics/json_build.h"
#include "metrics/metrics_json.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>

/* ---- processes ---- */

static json_t *proc_row(build *b, const pulse_proc *p)
{
    json_t *o = json_object();
    char state[2] = {p->state, '\0'};
    put(b, o, "pid", json_integer(p->pid));
    put(b, o, "name", json_string(p->name));
    put(b, o, "user", p->user[0] ? json_string(p->user) : json_null());
    put(b, o, "state", json_string(state));
    put(b, o, "cpu", p->cpu_valid ? real2(p->cpu_pct) : json_null());
    put(b, o, "rss", u64(p->rss));
    put(b, o, "threads", json_integer(p->threads));
    put(b, o, "start", p->start_ms ? json_integer(p->start_ms) : json_null());
    return o;
}

static json_t *proc_rows(build *b, const pulse_proc *rows, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        push(b, arr, proc_row(b, &rows[i]));
    return arr;
}

int pulse_processes_json(const pulse_proc_top *t, int64_t period_ms, json_t **out)
{
    if (!t || !out)
        return -EINVAL;
    build b = {true};
    json_t *o = json_object();
    put(&b, o, "type", json_string("processes"));
    put(&b, o, "ts", json_integer(t->ts_ms));
    put(&b, o, "rates", json_boolean(t->has_rates));
    put(&b, o, "period_ms", json_integer(period_ms));
    put(&b, o, "total", json_integer(t->total));
    put(&b, o, "unreadable", json_integer(t->unreadable));
    put(&b, o, "by_cpu", proc_rows(&b, t->by_cpu, t->n_cpu));
    put(&b, o, "by_memory", proc_rows(&b, t->by_mem, t->n_mem));
    return build_finish(&b, o, out);
}

/* ---- filesystems ---- */

static json_t *num_if(bool ok, json_t *v)
{
    if (ok)
        return v;
    json_decref(v);
    return json_null();
}

static json_t *fs_row(build *b, const pulse_fs *f)
{
    json_t *o = json_object();
    put(b, o, "mount", json_string(f->mount));
    put(b, o, "device", json_string(f->device));
    put(b, o, "type", json_string(f->fstype));
    put(b, o, "size", num_if(f->ok, u64(f->size)));
    put(b, o, "used", num_if(f->ok, floor4(f->used)));
    put(b, o, "available", num_if(f->ok, floor4(f->available)));
    put(b, o, "usage", num_if(f->ok, real2(f->usage)));
    put(b, o, "inodes", num_if(f->ok, u64(f->inodes)));
    put(b, o, "inodes_used", num_if(f->ok, floor4(f->inodes_used)));
    put(b, o, "inodes_free", num_if(f->ok, floor4(f->inodes_free)));
    put(b, o, "inodes_usage", num_if(f->ok, real2(f->inodes_usage)));
    return o;
}

int pulse_filesystems_json(const pulse_fs_list *l, json_t **out)
{
    if (!l || !out)
        return -EINVAL;
    build b = {true};
    json_t *arr = json_array();
    for (int i = 0; i < l->count; i++)
        push(&b, arr, fs_row(&b, &l->fs[i]));
    return build_finish(&b, arr, out);
}

/* ---- host ---- */

int pulse_host_json(const pulse_host_info *h, json_t **out)
{
    if (!h || !out)
        return -EINVAL;
    build b = {true};
    json_t *o = json_object(), *addrs = json_array();
    put(&b, o, "hostname", json_string(h->hostname));
    put(&b, o, "os", json_string(h->os));
    put(&b, o, "kernel", json_string(h->kernel));
    put(&b, o, "arch", json_string(h->arch));
    put(&b, o, "cores", json_integer(h->cores));
    put(&b, o, "boot_ts", h->boot_ms ? json_integer(h->boot_ms) : json_null());
    for (int i = 0; i < h->naddrs; i++) {
        json_t *a = json_object();
        put(&b, a, "interface", json_string(h->addrs[i].iface));
        put(&b, a, "family", json_string(h->addrs[i].family));
        put(&b, a, "address", json_string(h->addrs[i].address));
        push(&b, addrs, a);
    }
    put(&b, o, "addresses", addrs);
    return build_finish(&b, o, out);
}

/* ---- additions to the metrics frame ---- */

int pulse_metrics_json_extras(json_t *frame, const pulse_sample *s, const pulse_fs_list *fs,
                              unsigned groups)
{
    if (!frame || !s)
        return -EINVAL;
    build b = {true};
    json_t *cpu = json_object_get(frame, "cpu"), *disk = json_object_get(frame, "disk");
    json_t *sys = json_object_get(frame, "system");
    if ((groups & PULSE_GROUP_CPU) && cpu)
        put(&b, cpu, "steal", s->cpu.valid ? real2(s->cpu.steal) : json_null());
    json_t *list = NULL;
    if ((groups & PULSE_GROUP_DISK) && disk && fs && pulse_filesystems_json(fs, &list) == 0)
        put(&b, disk, "filesystems", list);
    if ((groups & PULSE_GROUP_SYSTEM) && sys) {
        json_t *t = json_object();
        for (int i = 0; i < s->ntemps; i++)
            put(&b, t, s->temps[i].name, real2(s->temps[i].celsius));
        put(&b, sys, "temperatures", t);
    }
    return b.ok ? 0 : -ENOMEM;
}
