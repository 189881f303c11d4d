// Boot: load the WebAssembly once, register the service worker (the app shell offline), then
// route. Every number on every screen is computed by the `lifepath` package in this browser.

import init from 'lifepath';
import { exchangeLoginCode, onSessionChange } from './api';
import { focusMain, route, setLoginError } from './app';
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
    if (!s && !/^#\/(login|register|forgot|reset-password)/.test(location.hash)) location.hash = '#/login';
  });
  await finishOpenIdSignIn();
  route();
}

/** Back from an OpenID provider: `?login_code=` (traded for the session, then dropped from the
 *  address bar) or `?login_error=` (shown on the login page). Tokens never travel in a URL. */
async function finishOpenIdSignIn(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const code = q.get('login_code');
  const error = q.get('login_error');
  if (!code && !error) return;
  history.replaceState(null, '', `${location.pathname}${code ? '#/budgets' : '#/login'}`);
  if (error) {
    setLoginError(error);
    return;
  }
  try {
    await exchangeLoginCode(code ?? '');
  } catch {
    setLoginError('unauthorized');
    history.replaceState(null, '', `${location.pathname}#/login`);
  }
}

start().catch((e: unknown) => {
  const main = document.getElementById('main');
  if (main) main.textContent = `lifepath could not start: ${e instanceof Error ? e.message : String(e)}`;
  throw e;
});
