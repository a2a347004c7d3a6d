// The first painted card value, as the browser reports it (Element Timing): each card value
// is `elementtiming="pulse-value"` (components/ValueCard.jsx, boot/boot.js). Shared by
// firstpaint.mjs and run.mjs.

/** The page's first-metric figure: ms from navigation start to the first value's paint. */
export async function firstPaintMs(page) {
  await page.waitForFunction(() => performance.getEntriesByName('pulse:first-metric')[0], null, { timeout: 15000 });
  const ms = await page.evaluate(firstValuePaint);
  if (ms == null) throw new Error('no Element Timing entry for a card value');
  return ms;
}

/** In the page: the render time of the first painted card value (Element Timing), or null. */
function firstValuePaint() {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 5000);
    const obs = new PerformanceObserver((list) => {
      const times = list
        .getEntries()
        .filter((e) => e.identifier === 'pulse-value' && e.renderTime > 0)
        .map((e) => e.renderTime);
      if (!times.length) return;
      clearTimeout(timer);
      obs.disconnect();
      resolve(Math.round(Math.min(...times)));
    });
    obs.observe({ type: 'element', buffered: true });
  });
}
