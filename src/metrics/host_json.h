/* JSON for what issue 15 added beside the metrics frame: the processes frame, the filesystem
 * list, temperatures and CPU steal inside the metrics frame, and the host identity object.
 * Every json_t handed out is a new reference the caller must json_decref. */
#ifndef PULSE_HOST_JSON_H
#define PULSE_HOST_JSON_H

#include "metrics/collector.h"
#include "metrics/fs.h"
#include "metrics/host.h"
#include "metrics/procs.h"

#include <jansson.h>

/* {"type":"processes","ts","rates","period_ms","total","unreadable","by_cpu":[..],
 * "by_memory":[..]}; each row {"pid","name","user","state","cpu","rss","threads","start"}. */
int pulse_processes_json(const pulse_proc_top *t, int64_t period_ms, json_t **out);
/* [{"mount","device","type","size","used","available","usage","inodes","inodes_used",
 * "inodes_free","inodes_usage"}], numbers null where statvfs did not answer. */
int pulse_filesystems_json(const pulse_fs_list *l, json_t **out);
/* {"hostname","os","kernel","arch","cores","boot_ts","addresses":[{"interface","family",
 * "address"}]}. */
int pulse_host_json(const pulse_host_info *h, json_t **out);
/* Adds to a metrics frame built by pulse_metrics_json for groups: cpu.steal (cpu group),
 * disk.filesystems (disk group, when fs is not NULL), system.temperatures (system group). */
int pulse_metrics_json_extras(json_t *frame, const pulse_sample *s, const pulse_fs_list *fs,
                              unsigned groups);

#endif
