// useTheme: the theme choice (system, light or dark), remembered in localStorage, applied as
// data-theme on <html> right away (before any child reads the CSS colours), and following the
// system setting while the choice is "system".

import { useCallback, useEffect, useState } from 'react';
import { THEMES } from '../lib/viewState.js';

const KEY = 'pulse.theme';

function stored() {
  try {
    const t = globalThis.localStorage?.getItem(KEY);
    return THEMES.includes(t) ? t : null;
  } catch {
    return null;
  }
}

function systemDark() {
  return Boolean(globalThis.matchMedia?.('(prefers-color-scheme: dark)')?.matches);
}

export function resolveTheme(choice, dark = systemDark()) {
  if (choice === 'light' || choice === 'dark') return choice;
  return dark ? 'dark' : 'light';
}

function apply(resolved) {
  const el = globalThis.document?.documentElement;
  if (!el) return;
  el.dataset.theme = resolved;
  el.style.colorScheme = resolved;
}

export function useTheme(fromUrl) {
  const [theme, setChoice] = useState(() => fromUrl || stored() || 'system');
  const [resolved, setResolved] = useState(() => {
    const r = resolveTheme(fromUrl || stored() || 'system');
    apply(r);
    return r;
  });

  const setTheme = useCallback((choice) => {
    if (!THEMES.includes(choice)) return;
    try {
      globalThis.localStorage?.setItem(KEY, choice);
    } catch {
      /* storage disabled */
    }
    const r = resolveTheme(choice);
    apply(r);
    setChoice(choice);
    setResolved(r);
  }, []);

  useEffect(() => {
    const mq = globalThis.matchMedia?.('(prefers-color-scheme: dark)');
    if (!mq || theme !== 'system') return undefined;
    const onChange = () => {
      const r = resolveTheme('system', mq.matches);
      apply(r);
      setResolved(r);
    };
    onChange();
    mq.addEventListener?.('change', onChange);
    return () => mq.removeEventListener?.('change', onChange);
  }, [theme]);

  return { theme, resolvedTheme: resolved, setTheme };
}
