// chartKeys: keyboard zoom and pan of a focused chart.
//   ← / →  pan a quarter of the shown span (not past the newest data)
//   + / −  zoom in / out around the centre
//   Home, Escape  back to the live view

import { panRange, zoomRange } from './viewState.js';

/** The new view for a key, {live: true}, or null if the key is not one of ours. */
export function chartKeyAction(key, range, liveMax = Infinity) {
  switch (key) {
    case 'ArrowLeft':
      return panRange(range, -0.25);
    case 'ArrowRight':
      return panRange(range, 0.25, Math.max(range.max, liveMax));
    case '+':
    case '=':
      return zoomRange(range, 0.5);
    case '-':
    case '_':
      return zoomRange(range, 2);
    case 'Home':
    case 'Escape':
      return { live: true };
    default:
      return null;
  }
}
