// exporters: a chart's data as CSV, and saving a file from the page (CSV text or a PNG data URL).

/** Points of several series in [min, max] as CSV: `time,<label>,…` with ISO times, one row per
 * timestamp; a series without a value at that time leaves its cell empty. */
export function seriesToCsv(series, min = -Infinity, max = Infinity) {
  const rows = new Map();
  series.forEach((s, col) => {
    for (const p of s.points) {
      if (p.x < min || p.x > max || p.y === null) continue;
      let row = rows.get(p.x);
      if (!row) {
        row = new Array(series.length).fill('');
        rows.set(p.x, row);
      }
      row[col] = String(p.y);
    }
  });
  const quote = (t) => (/[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t);
  const lines = [['time', ...series.map((s) => quote(s.label))].join(',')];
  for (const x of [...rows.keys()].sort((a, b) => a - b)) {
    lines.push([new Date(x).toISOString(), ...rows.get(x)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** At most `max` points of an array, evenly spaced, always with the last one. */
export function sample(points, max) {
  if (points.length <= max) return points.slice();
  const out = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i += 1) out.push(points[Math.round(i * step)]);
  return out;
}

/** Save a file: href is a data: or blob: URL. */
export function saveUrl(href, filename, doc = globalThis.document) {
  if (!doc) return;
  const a = doc.createElement('a');
  a.href = href;
  a.download = filename;
  a.rel = 'noopener';
  doc.body.appendChild(a);
  a.click();
  a.remove();
}

export function saveText(text, filename, type = 'text/csv') {
  const url = globalThis.URL?.createObjectURL?.(new Blob([text], { type }));
  if (!url) return;
  saveUrl(url, filename);
  setTimeout(() => globalThis.URL.revokeObjectURL(url), 1000);
}

/** A file name for an export: pulse-cpu-20261205-140307.csv */
export function exportName(id, ext, now = Date.now()) {
  const d = new Date(now);
  const p = (n) => String(n).padStart(2, '0');
  return `pulse-${id}-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}.${ext}`;
}
