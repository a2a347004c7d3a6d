// historyService: history for many metrics in one request — the batched form
// {"type":"history","metrics":[…],"seconds":S,"points":N} — falling back to one request per
// metric on a server that does not know the batched form (it answers bad_request).

const CORE = /^cpu\.cores\.\d+$/;

/** Seconds of history a range needs (a custom range: from `from` up to now), 1…max. */
export function historySeconds(range, now = Date.now(), max = 604800) {
  const s = range.from != null ? Math.ceil((now - range.from) / 1000) : range.seconds;
  return Math.max(1, Math.min(max, s || 1));
}

/**
 * Points per series to ask for: the chart's width in pixels over the shown span, scaled up
 * when only part of the fetched span is shown (a custom range ending in the past); 2…1000.
 */
export function historyPoints(resolution, seconds, shownMs) {
  const span = seconds * 1000;
  const scaled = shownMs && shownMs < span ? (resolution * span) / shownMs : resolution;
  return Math.max(2, Math.min(1000, Math.round(scaled)));
}

async function perMetric(request, metrics, seconds) {
  const results = await Promise.allSettled(metrics.map((metric) => request({ type: 'history', metric, seconds })));
  const series = {};
  const failed = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled' && Array.isArray(r.value.points)) {
      series[metrics[i]] = { step_ms: r.value.step_ms, points: r.value.points };
    } else failed.push({ metric: metrics[i], code: r.reason?.code || r.reason?.message || 'no data' });
  });
  return { series, failed, requests: metrics.length, batched: false };
}

/**
 * Fetch history. `state` remembers across calls whether the server knows the batched form
 * (`batched`: undefined until known) and which metrics it has no history for (`unknown`), so a
 * range switch costs one request. A batch refused with unknown_metric is fetched once per metric
 * to learn which name it was. Per-core metrics a server does not know are dropped silently.
 * Resolves {series: {metric: {step_ms, points}}, failed: [{metric, code}], requests, batched}.
 */
export async function fetchHistory(request, { metrics: asked, seconds, points }, state = {}) {
  state.unknown ??= new Set();
  const skipped = asked.filter((m) => state.unknown.has(m));
  const metrics = asked.filter((m) => !state.unknown.has(m));
  // Metrics already known to have no history were reported the first time: skipped quietly.
  const known = (failed) => failed;
  void skipped;
  if (!metrics.length) return { series: {}, failed: known([]), requests: 0, batched: Boolean(state.batched) };
  let tried = 0;
  if (state.batched !== false) {
    tried = 1;
    try {
      const reply = await request({ type: 'history', metrics, seconds, points });
      if (reply && reply.series && typeof reply.series === 'object') {
        state.batched = true;
        const failed = metrics.filter((m) => !reply.series[m] && !CORE.test(m)).map((metric) => ({ metric, code: 'no data' }));
        return { series: reply.series, failed: known(failed), requests: 1, batched: true };
      }
      state.batched = false;
    } catch (err) {
      if (err?.code === 'unknown_metric') state.batched = true;
      else if (err?.code === 'bad_request' || err?.code === 'unknown_type') state.batched = false;
      else throw err;
    }
  }
  const plain = await perMetric(request, metrics, seconds);
  for (const f of plain.failed) if (f.code === 'unknown_metric') state.unknown.add(f.metric);
  plain.failed = plain.failed.filter((f) => !(CORE.test(f.metric) && f.code === 'unknown_metric'));
  return { ...plain, failed: known(plain.failed), requests: plain.requests + tried, batched: false };
}
