// The shell: navigation, the sync status bar, notices, and the hash router (the server serves
// static files without an index.html fallback, so routes live after the `#`).

import { currentSession, logout, type Session } from './api';
import { h, mount } from './dom';
import { LocalData, type Entity, type MergeNotice, type SyncStatus } from './sync';
import { authView } from './views/auth';
import { budgetEditor, budgetsView } from './views/budgets';
import { goalDetail, goalForm, goalsView } from './views/goals';
import { insightView } from './views/insight';
import { transactionsView } from './views/transactions';
import { alertsView } from './views/alerts';
import { accountView, forgotView, resetView } from './views/password';
import { label, periodOf } from './model';

/** What every view gets. */
export interface App {
  session: Session;
  data: LocalData;
  toast(message: string, error?: boolean, ms?: number): void;
}

const main = (): HTMLElement => document.getElementById('main') as HTMLElement;
let app: App | null = null;
let opening: Promise<void> | null = null;
/** Views with a form in progress are not redrawn when data changes underneath them. */
let editing = false;

function toast(message: string, error = false, ms = error ? 12000 : 5000): void {
  const box = document.getElementById('notice');
  if (!box) return;
  box.hidden = false;
  box.className = error ? 'notice error' : 'notice';
  mount(box, h('span', {}, message), h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss', onclick: () => (box.hidden = true) }, '×'));
  window.clearTimeout(Number(box.dataset.timer));
  box.dataset.timer = String(window.setTimeout(() => (box.hidden = true), ms));
}

function ago(iso: string | null): string {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return new Date(iso).toLocaleString();
}

function drawStatus(s: SyncStatus | null): void {
  const el = document.getElementById('sync-status');
  if (!el) return;
  if (!s) {
    mount(el);
    return;
  }
  const state = !s.online ? 'offline' : s.syncing ? 'syncing' : s.error ? 'error' : 'online';
  const text = !s.online ? 'Offline' : s.syncing ? 'Syncing…' : s.error ? 'Sync error' : 'Online';
  el.dataset.state = state;
  el.dataset.pending = String(s.pending);
  mount(
    el,
    h('span', { class: `dot ${state}`, 'aria-hidden': 'true' }),
    h('span', { id: 'sync-state' }, text),
    h('span', { class: 'sep' }, ' · '),
    h('span', { id: 'sync-pending' }, `${s.pending} pending`),
    h('span', { class: 'sep' }, ' · '),
    h('span', { id: 'sync-last', title: s.lastSynced ?? '' }, `synced ${ago(s.lastSynced)}`),
    s.error ? h('span', { class: 'error', id: 'sync-error' }, ` — ${s.error}`) : null,
    h('button', { type: 'button', class: 'link', id: 'sync-now', disabled: !s.online || s.syncing, onclick: () => void app?.data.sync() }, 'Sync now'),
  );
}

const SUMMARY_FIELDS = new Set(['total_income', 'total_expenses', 'surplus', 'savings_rate', 'category_totals']);

/** One sentence per merged record: which fields both devices changed and what was kept. */
function describeMerges(ms: MergeNotice[], data: LocalData): string {
  const byRecord = new Map<string, MergeNotice[]>();
  for (const m of ms) byRecord.set(`${m.entity}:${m.id}`, [...(byRecord.get(`${m.entity}:${m.id}`) ?? []), m]);
  const short = (v: unknown): string | null => {
    const t = JSON.stringify(v);
    return t !== undefined && t.length <= 40 ? t : null;
  };
  return [...byRecord.values()]
    .map((list) => {
      const first = list[0] as MergeNotice;
      const rec = data.get<Record<string, unknown>>(first.entity as Entity, first.id);
      const name =
        first.entity === 'snapshot' && rec
          ? `the budget of ${periodOf(rec as { period_year: number; period_month: number })}`
          : rec && typeof rec.name === 'string'
            ? `“${rec.name}”`
            : `a ${label(first.entity).toLowerCase()}`;
      if (list.some((m) => m.conflict.field === '*')) return `${name} was deleted on another device; your edit is kept in its conflict log`;
      // A snapshot's summary follows its budget: name the budget, not the totals computed from it.
      const own = first.entity === 'snapshot' ? list.filter((m) => !SUMMARY_FIELDS.has(m.conflict.field)) : list;
      const fields = own.map((m) => {
        const k = short(m.conflict.kept);
        const d = short(m.conflict.discarded);
        const f = m.conflict.field === 'budget_model' ? 'the budget' : label(m.conflict.field).toLowerCase();
        return k && d ? `${f} (kept ${k}, not ${d})` : f;
      });
      return `${name}: both devices changed ${fields.join(', ')}; the later edit was kept and the other value is saved in the record’s conflict log`;
    })
    .join('. ');
}

function drawNav(): void {
  const nav = document.getElementById('nav');
  if (!nav) return;
  const route = location.hash.split('/')[1] ?? '';
  const link = (href: string, text: string, key: string): HTMLElement =>
    h('a', { href, 'aria-current': route === key ? 'page' : false }, text);
  if (!app) {
    mount(nav, link('#/login', 'Log in', 'login'), link('#/register', 'Register', 'register'));
    return;
  }
  mount(
    nav,
    link('#/budgets', 'Budgets', 'budgets'),
    link('#/insight', 'Insight', 'insight'),
    link('#/goals', 'Goals', 'goals'),
    link('#/transactions', 'Transactions', 'transactions'),
    link('#/alerts', 'Alerts', 'alerts'),
    h('a', { class: 'who', href: '#/account', title: app.session.user.email ?? '', 'aria-current': route === 'account' ? 'page' : false }, app.session.user.display_name || app.session.user.email || 'Account'),
    h('button', { type: 'button', class: 'link', id: 'logout', onclick: () => void doLogout() }, 'Log out'),
  );
}

/** Hides the notice and forgets its text (it may name a goal or an amount). */
function clearNotice(): void {
  const box = document.getElementById('notice');
  if (!box) return;
  window.clearTimeout(Number(box.dataset.timer));
  box.hidden = true;
  mount(box);
}

async function doLogout(): Promise<void> {
  const kept = app ? await app.data.logout() : 0;
  app = null;
  // Nothing of the account stays on screen for the next person at this computer: no notice,
  // no view, no status line.
  clearNotice();
  mount(main());
  drawStatus(null);
  await logout();
  if (kept > 0) toast(`${kept} change${kept === 1 ? '' : 's'} not synced yet stay on this device and sync at your next login here.`, true);
  location.hash = '#/login';
  route();
}

async function ensureData(session: Session): Promise<void> {
  if (app && app.session.user.id === session.user.id) {
    app.session = session;
    return;
  }
  if (!opening) {
    opening = (async () => {
      app?.data.close();
      const data = await LocalData.open(session.user.id);
      app = { session, data, toast };
      data.onStatus(drawStatus);
      data.onChange(() => {
        if (!editing) route();
      });
      data.onMerge((ms) => toast(`Merged a change from another device — ${describeMerges(ms, data)}.`, false, 20000));
      data.onRejected((rs) =>
        toast(`The server refused ${rs.length === 1 ? 'a change' : `${rs.length} changes`}, so ${rs.length === 1 ? 'it was' : 'they were'} undone here: ${rs.map((r) => `${label(r.entity).toLowerCase()}: ${r.error}`).join('; ')}`, true),
      );
      drawStatus(data.status());
    })().finally(() => {
      opening = null;
    });
  }
  await opening;
}

/** Draws the screen of the current hash. */
export function route(): void {
  void routeAsync();
}

/** Why the last OpenID sign-in came back without a session (shown once on the login page). */
let loginError: string | undefined;

/** Keeps the `login_error` of an OpenID sign-in's redirect for the login page. */
export function setLoginError(code: string): void {
  loginError = code;
}

async function routeAsync(): Promise<void> {
  const [path = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/');
  const [page = '', arg, sub] = parts;
  const session = currentSession();
  editing = false;
  // The password pages work signed in or not (the emailed link may open anywhere).
  if (page === 'forgot' || page === 'reset-password') {
    drawNav();
    if (page === 'forgot') forgotView(main());
    else resetView(main(), new URLSearchParams(query).get('token') ?? '');
    document.title = 'lifepath — Password';
    return;
  }
  if (!session) {
    if (app) {
      app.data.close();
      app = null;
      drawStatus(null);
    }
    drawNav();
    authView(main(), page === 'register' ? 'register' : 'login', loginError);
    loginError = undefined;
    return;
  }
  await ensureData(session);
  if (!app) return;
  if (page === 'login' || page === 'register' || page === '') {
    location.replace('#/budgets');
    return;
  }
  drawNav();
  const root = main();
  switch (page) {
    case 'budgets':
      if (arg === 'new' || arg === 'edit') {
        editing = true;
        budgetEditor(root, app, arg === 'edit' ? (sub ?? null) : null);
      } else budgetsView(root, app);
      break;
    case 'insight':
      insightView(root, app);
      break;
    case 'transactions':
      transactionsView(root, app);
      break;
    case 'alerts':
      alertsView(root, app);
      break;
    case 'account':
      editing = true; // a form: not redrawn under the person by a sync
      accountView(root, app.session.user.email);
      break;
    case 'goals':
      if (arg === 'new') {
        editing = true;
        goalForm(root, app, null);
      } else if (arg && sub === 'edit') {
        editing = true;
        goalForm(root, app, arg);
      } else if (arg) goalDetail(root, app, arg);
      else goalsView(root, app);
      break;
    default:
      mount(root, h('section', {}, h('h1', {}, 'Not found'), h('a', { href: '#/budgets' }, 'Go to budgets')));
  }
  document.title = `lifepath — ${label(page)}`;
}

/** Focuses the page's heading after navigation, for keyboard and screen-reader users. */
export function focusMain(): void {
  window.scrollTo(0, 0);
  main().querySelector<HTMLElement>('h1')?.setAttribute('tabindex', '-1');
  main().querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
}
