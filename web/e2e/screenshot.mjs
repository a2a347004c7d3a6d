#!/usr/bin/env node
// Screenshots of a running dashboard in light and dark, for a visual check:
//   node e2e/screenshot.mjs [URL] [OUT_DIR]   (default http://127.0.0.1:8080, e2e/artifacts)
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './chromium.mjs';

const url = process.argv[2] || 'http://127.0.0.1:8080';
const out = process.argv[3] || fileURLToPath(new URL('./artifacts', import.meta.url));
const width = Number(process.env.WIDTH || 1440);
const height = Number(process.env.HEIGHT || 1000);
await mkdir(out, { recursive: true });
const browser = await launchBrowser();
try {
  for (const colorScheme of ['light', 'dark']) {
    const page = await browser.newPage({ viewport: { width, height }, colorScheme });
    await page.goto(url, { timeout: 15000 });
    await page.getByTestId('connection-state').filter({ hasText: 'Connected' }).waitFor({ timeout: 15000 });
    await page.waitForTimeout(Number(process.env.SETTLE_MS || 4000));
    const file = join(out, `dashboard-${colorScheme}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(file);
    await page.close();
  }
} finally {
  await browser.close();
}
