// CoreHeatmap: per-core CPU usage as a heatmap — one row per core, time across, the colour's
// strength is the usage. Lines for 8…128 cores are unreadable; a heatmap shows which core was
// busy when at any count. Shares the x range and the crosshair with the line charts.

import { useEffect, useRef, useState } from 'react';
import { countValues } from '../lib/seriesStore.js';
import { formatDateTime } from '../lib/ticks.js';
import { exportName, saveText, saveUrl, seriesToCsv } from '../lib/exporters.js';
import { nearestIndex } from '../services/chartConfig.js';
import { formatPercent } from '../services/dashboardService.js';
import { chartKeyAction } from '../lib/chartKeys.js';
import { ChartTable } from './ChartTable.jsx';

const LABEL_W = 64;
const ROW_MAX = 22;
const ROW_MIN = 6;

export const coreKey = (i) => `cpu.cores.${i}`;

function drawHeatmap(canvas, { store, cores, xMin, xMax, colors, hoverX }) {
  const ctx = canvas?.getContext?.('2d');
  if (!ctx || !ctx.fillRect) return;
  const dpr = globalThis.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
  if (canvas.height !== Math.round(h * dpr)) canvas.height = Math.round(h * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = colors.surface;
  ctx.fillRect(0, 0, w, h);
  if (!cores) return;
  const plotW = Math.max(1, w - LABEL_W - 8);
  const rowH = h / cores;
  const px = (x) => LABEL_W + ((x - xMin) / (xMax - xMin)) * plotW;
  const base = colors.metric?.cpu || '#2563eb';
  ctx.font = '12px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  const labelEvery = Math.ceil(14 / rowH);
  for (let i = 0; i < cores; i += 1) {
    const y = i * rowH;
    const arr = store.get(coreKey(i));
    ctx.fillStyle = base;
    for (let j = 0; j < arr.length; j += 1) {
      const p = arr[j];
      if (p.y === null || p.x > xMax) continue;
      const next = arr[j + 1];
      const x0 = Math.max(LABEL_W, px(p.x));
      const x1 = Math.min(LABEL_W + plotW, next && next.y !== null ? px(next.x) : px(p.x) + 2);
      if (x1 <= LABEL_W) continue;
      ctx.globalAlpha = 0.06 + 0.94 * Math.max(0, Math.min(1, p.y / 100));
      ctx.fillRect(x0, y, Math.max(1, x1 - x0), Math.max(1, rowH - (rowH > 4 ? 1 : 0)));
    }
    ctx.globalAlpha = 1;
    if (i % labelEvery === 0) {
      ctx.fillStyle = colors.muted;
      ctx.fillText(`Core ${i}`, 4, y + rowH / 2);
    }
  }
  if (hoverX != null && hoverX >= xMin && hoverX <= xMax) {
    ctx.strokeStyle = colors.text;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(px(hoverX), 0);
    ctx.lineTo(px(hoverX), h);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}

function latestOf(arr) {
  for (let i = arr.length - 1; i >= 0; i -= 1) if (arr[i].y !== null) return arr[i];
  return null;
}

export function CoreHeatmap({ store, cores, revision, xMin, xMax, colors, sync, paused, onView, onLive, liveMax }) {
  const canvasRef = useRef(null);
  const hoverRef = useRef(null);
  const [tip, setTip] = useState(null);
  const [showTable, setShowTable] = useState(false);
  const rowH = Math.max(ROW_MIN, Math.min(ROW_MAX, Math.floor(320 / Math.max(1, cores))));
  const height = Math.max(96, rowH * cores);
  const draw = () => drawHeatmap(canvasRef.current, { store, cores, xMin, xMax, colors, hoverX: hoverRef.current });

  useEffect(draw);
  useEffect(() => {
    if (!sync) return undefined;
    return sync.listen((x, source) => {
      if (source === 'heatmap') return;
      hoverRef.current = x;
      drawHeatmap(canvasRef.current, { store, cores, xMin, xMax, colors, hoverX: x });
    });
  });

  const onMove = (e) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const plotW = Math.max(1, rect.width - LABEL_W - 8);
    const x = xMin + ((e.clientX - rect.left - LABEL_W) / plotW) * (xMax - xMin);
    const core = Math.floor(((e.clientY - rect.top) / rect.height) * cores);
    if (x < xMin || x > xMax || core < 0 || core >= cores) return onLeave();
    const arr = store.get(coreKey(core));
    const p = arr[nearestIndex(arr, x)];
    hoverRef.current = x;
    sync?.hover('heatmap', x);
    draw();
    setTip(p ? { left: e.clientX - rect.left, top: e.clientY - rect.top, text: `Core ${core} · ${formatDateTime(p.x)} · ${p.y === null ? 'no data' : formatPercent(p.y)}` } : null);
    return undefined;
  };
  const onLeave = () => {
    hoverRef.current = null;
    sync?.hover('heatmap', null);
    setTip(null);
    draw();
  };

  const keys = Array.from({ length: cores }, (_, i) => coreKey(i));
  const latest = keys.map((k) => latestOf(store.get(k)));
  const summary = cores
    ? `Per-core CPU usage, latest: ${latest.map((p, i) => `core ${i} ${p ? formatPercent(p.y, { digits: 0 }) : 'no data'}`).join(', ')}.`
    : 'Per-core CPU usage: no data yet.';
  const exportCsv = () =>
    saveText(seriesToCsv(keys.map((k, i) => ({ label: `Core ${i}`, points: store.get(k) })), xMin, xMax), exportName('cpu-cores', 'csv'));
  const exportPng = () => canvasRef.current?.toDataURL && saveUrl(canvasRef.current.toDataURL('image/png'), exportName('cpu-cores', 'png'));
  const onKeyDown = (e) => {
    const next = chartKeyAction(e.key, { min: xMin, max: xMax }, liveMax);
    if (!next) return;
    e.preventDefault();
    if (next.live) onLive?.();
    else onView?.(next);
  };
  const points = cores ? countValues(store.get(coreKey(0)).filter((p) => p.x >= xMin && p.x <= xMax)) : 0;
  void revision;

  return (
    <figure className={`chart-card chart-card--cores${paused ? ' is-paused' : ''}`} data-testid="chart-cores" data-points={points} data-cores={cores} aria-labelledby="chart-title-cores">
      <figcaption className="chart-head">
        <h3 className="chart-title" id="chart-title-cores">
          CPU per core
        </h3>
        {paused && <span className="badge">Paused</span>}
        <span className="heat-legend" aria-hidden="true">
          0%
          <span className="heat-scale" />
          100%
        </span>
        <span className="chart-actions">
          <button type="button" className="btn btn--small" aria-expanded={showTable} onClick={() => setShowTable((v) => !v)}>
            {showTable ? 'Hide table' : 'Table'}
          </button>
          <button type="button" className="btn btn--small" onClick={exportCsv} aria-label="Export CPU per core as CSV">
            CSV
          </button>
          <button type="button" className="btn btn--small" onClick={exportPng} aria-label="Export CPU per core as PNG">
            PNG
          </button>
        </span>
      </figcaption>
      <div
        className="heatmap"
        tabIndex={0}
        role="group"
        aria-label="CPU per core heatmap. Arrow keys pan, plus and minus zoom, Home goes back to live."
        onKeyDown={onKeyDown}
        style={{ height }}
      >
        <canvas ref={canvasRef} role="img" aria-label={summary} onMouseMove={onMove} onMouseLeave={onLeave} />
        {tip && (
          <div className="heat-tip" style={{ left: tip.left, top: tip.top }} role="tooltip">
            {tip.text}
          </div>
        )}
      </div>
      <p className="sr-only">{summary}</p>
      {showTable && (
        <ChartTable
          caption="CPU per core: latest values"
          series={keys.map((k, i) => ({ label: `Core ${i}`, points: latest[i] ? [latest[i]] : [] }))}
          fmt={(v) => formatPercent(v)}
        />
      )}
    </figure>
  );
}
