/**
 * Real-browser tests: playwright-core driving Debian's Chromium (installed by
 * scripts/ensure-chromium.sh, which `npm test` runs first). Screenshots go to test-artifacts/.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll } from 'vitest';

export const ARTIFACTS = new URL('../test-artifacts/', import.meta.url).pathname;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page that records console errors, uncaught exceptions, dialogs and every request leaving file://. */
export async function watchedPage(browser: Browser, viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
  });
  return { page, problems, requests };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

/** The web app built with Vite into `outDir` and served from 127.0.0.1: its base URL and how to stop it. */
export async function serveBuiltApp(outDir: string): Promise<{ base: string; close: () => Promise<void> }> {
  await build({
    configFile: new URL('../vite.config.ts', import.meta.url).pathname,
    logLevel: 'error',
    build: { outDir },
  });
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split(/[?#]/)[0]!)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const file = join(outDir, path === '/' ? 'index.html' : path);
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * One test file's app and browser: the app built into a fresh temporary folder and served, Chromium
 * launched, before the file's tests; both closed after them. Read `app` and `browser` inside tests.
 */
export function appInBrowser(name: string): {
  readonly app: Awaited<ReturnType<typeof serveBuiltApp>>;
  readonly browser: Browser;
} {
  const outDir = mkdtempSync(join(tmpdir(), `llmecon-${name}-`));
  const suite = {} as { app: Awaited<ReturnType<typeof serveBuiltApp>>; browser: Browser };
  beforeAll(async () => {
    suite.app = await serveBuiltApp(outDir);
    suite.browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await suite.browser?.close();
    await suite.app?.close();
  });
  return suite;
}

/** A watched page on the built app, ready, on `view` (its tab's label) when given, from `hash` (a state link). */
export async function openApp(
  suite: { readonly app: { readonly base: string }; readonly browser: Browser },
  view?: string,
  hash = '',
) {
  const watched = await watchedPage(suite.browser);
  await watched.page.goto(`${suite.app.base}${hash}`);
  await watched.page.waitForSelector('body[data-ready="true"]');
  if (view !== undefined) await watched.page.getByRole('button', { name: view, exact: true }).click();
  return watched;
}

/** Types a value into a form field and fires its change event, as a user leaving the field does. */
export async function changeField(field: Locator, value: string): Promise<void> {
  await field.fill(value);
  await field.dispatchEvent('change');
}
