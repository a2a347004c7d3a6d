import '@testing-library/jest-dom/vitest';
import { afterEach } from 'vitest';
import { cleanup } from '@testing-library/react';

// jsdom has no canvas: give charts a stand-in 2D context (Chart.js itself is mocked in the
// component tests that draw).
if (typeof HTMLCanvasElement !== 'undefined') {
  HTMLCanvasElement.prototype.getContext = function getContext() {
    return { canvas: this };
  };
}

afterEach(() => cleanup());
