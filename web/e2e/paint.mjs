// The first painted card value, as the browser reports it (Element Timing): each card value
// carries `elementtiming` VALUE_TIMING (services/cards.js; ValueCard.jsx, boot/boot.js). Shared by
// firstpaint.mjs and run.mjs.
//
// Nothing is evaluated in the page while it loads: the page reports through a binding, from an
// observer its init script registers. A page.evaluate or a locator would inject Playwright's
// helper script (a Chromium trace of a cold load: 12.4 ms on the renderer's main thread) into the
// very frames being measured, a cost no user's browser has.

import { VALUE_TIMING } from '../src/services/cards.js';

const BINDING = '__pulseFirstPaint';

/** In the page, at document start: report the first card value's render time, once. */
function observeFirstValue([binding, identifier]) {
  if (typeof PerformanceObserver === 'undefined') return;
  const obs = new PerformanceObserver((list) => {
    const times = list
      .getEntries()
      .filter((e) => e.identifier === identifier && e.renderTime > 0)
      .map((e) => e.renderTime);
    if (!times.length) return;
    obs.disconnect();
    window[binding](Math.round(Math.min(...times)));
  });
  obs.observe({ type: 'element', buffered: true });
}

/**
 * Watches every document `page` loads from now on (call it before the navigation). Returns
 * `next(timeoutMs)`: resolves with the next document's figure, ms from its navigation start to
 * its first painted card value; rejects when none is reported in time.
 */
export async function watchFirstPaint(page) {
  const reported = [];
  const waiting = [];
  await page.exposeBinding(BINDING, (_source, ms) => {
    const w = waiting.shift();
    if (w) w(ms);
    else reported.push(ms);
  });
  await page.addInitScript(observeFirstValue, [BINDING, VALUE_TIMING]);
  return function next(timeoutMs = 15000) {
    if (reported.length) return Promise.resolve(reported.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(done), 1);
        reject(new Error('no Element Timing entry for a card value'));
      }, timeoutMs);
      const done = (ms) => {
        clearTimeout(timer);
        resolve(ms);
      };
      waiting.push(done);
    });
  };
}
