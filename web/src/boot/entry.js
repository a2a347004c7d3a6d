// The inline first-paint script of index.html (bundled by vite.config.js): see boot.js.
// In a build, __PULSE_ENTRY__ is the React entry bundle's URL, imported from here once the boot
// is done (values painted, or it gave up), so its fetch, compilation and evaluation do not delay
// the first values. In `vite dev` it is null and the page's own module
// script loads the app (which waits for the boot itself, see main.jsx).
import { boot } from './boot.js';

let state = null;
try {
  state = boot(window);
} catch (err) {
  console.error('pulse: first paint failed', err);
}
// eslint-disable-next-line no-undef
const entry = __PULSE_ENTRY__;
if (entry) {
  const load = () => import(/* @vite-ignore */ entry).catch((err) => console.error('pulse: cannot load the app', err));
  if (state?.whenDone) state.whenDone(load);
  else load();
}
