// Boot: load the WebAssembly once, register the service worker (the app shell offline), then
// route. Every number on every screen is computed by the `lifepath` package in this browser.

import init from 'lifepath';
import { onSessionChange } from './api';
import { focusMain, route } from './app';
import './style.css';

async function start(): Promise<void> {
  await init();
  if ('serviceWorker' in navigator && import.meta.env.PROD) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((e: unknown) => {
      console.warn('service worker not registered', e);
    });
  }
  window.addEventListener('hashchange', () => {
    route();
    window.setTimeout(focusMain, 0);
  });
  onSessionChange((s) => {
    if (!s && !/^#\/(login|register)/.test(location.hash)) location.hash = '#/login';
  });
  route();
}

start().catch((e: unknown) => {
  const main = document.getElementById('main');
  if (main) main.textContent = `lifepath could not start: ${e instanceof Error ? e.message : String(e)}`;
  throw e;
});
