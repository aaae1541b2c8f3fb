// The distribution's Chromium driven by playwright-core (no browser download), headless, with
// a fresh profile, and muted autoplay allowed.
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Resources } from './resources.js';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export async function launchChromium(res: Resources): Promise<BrowserContext> {
  const profile = res.dir('chromium');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    timeout: 30_000,
  });
  res.add('chromium', () => context.close());
  return context;
}

// A new page whose console errors and page errors are collected for failure messages.
export async function newPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.setDefaultTimeout(20_000);
  return { page, problems };
}
