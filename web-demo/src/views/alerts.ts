// Alerts: the insight feed with dismiss, and what reaches the person (notification
// preferences). Online, the feed is the server's (`GET /insights`, the insights it delivers by
// webhook and email); offline, the same feed is derived on this device by the package
// (`deriveInsights` of `lifepath/insights`, the same core function), dismissals are kept here and
// sent to the server when the device is online again.

import type { BudgetSnapshot, Goal, GoalContribution } from 'lifepath';
import type { Transaction } from 'lifepath/actuals';
import type { Insight } from 'lifepath/insights';
import { ApiError, client, problemText } from '../api';
import { unwrap } from 'lifepath/client';
import { field, h, mount, select } from '../dom';
import { label, today } from '../model';
import type { App } from '../app';

interface FeedItem {
  id: string | null;
  insight: Insight;
  state: string;
}

const KINDS = ['anomaly', 'over_plan', 'pace_over_plan', 'goal_off_track', 'goal_reached', 'goal_deadline_near'] as const;

/** Dedup keys dismissed offline, waiting to be sent (per user). */
const pendingKey = (app: App): string => `lifepath.dismissed.${app.session.user.id}`;
function pending(app: App): string[] {
  try {
    return JSON.parse(localStorage.getItem(pendingKey(app)) ?? '[]') as string[];
  } catch {
    return [];
  }
}
function setPending(app: App, keys: string[]): void {
  localStorage.setItem(pendingKey(app), JSON.stringify([...new Set(keys)]));
}

async function serverFeed(): Promise<FeedItem[]> {
  const page = unwrap(await client.api.GET('/api/v1/insights', { params: { query: { limit: 200 } } }));
  return page.items.map((r) => ({ id: r.id, insight: r as unknown as Insight, state: r.state }));
}

/** Sends the dismissals made offline; true when none is left. */
async function reconcile(app: App, feed: FeedItem[]): Promise<FeedItem[]> {
  const keys = pending(app);
  if (keys.length === 0) return feed;
  for (const item of feed.filter((f) => keys.includes(f.insight.dedup_key) && f.id)) {
    unwrap(await client.api.PATCH('/api/v1/insights/{id}', { params: { path: { id: item.id as string } }, body: { state: 'dismissed' } }));
  }
  setPending(app, []);
  return feed.filter((f) => !keys.includes(f.insight.dedup_key));
}

async function localFeed(app: App): Promise<FeedItem[]> {
  const m = await import('lifepath/insights');
  await m.default();
  const list = m.deriveInsights({
    snapshots: app.data.list<BudgetSnapshot>('snapshot'),
    transactions: app.data.list<Transaction>('transaction'),
    goals: app.data.list<Goal>('goal'),
    contributions: app.data.list<GoalContribution>('goal_contribution'),
    asOf: today(),
  });
  const gone = new Set(pending(app));
  return list.filter((i) => !gone.has(i.dedup_key)).map((insight) => ({ id: null, insight, state: 'new' }));
}

/** The alerts screen. */
export function alertsView(root: HTMLElement, app: App): void {
  mount(root, h('section', {}, h('h1', {}, 'Alerts'), h('p', { class: 'muted' }, 'Loading…')));
  void draw(root, app);
}

async function draw(root: HTMLElement, app: App): Promise<void> {
  let feed: FeedItem[];
  let source: 'server' | 'device';
  if (navigator.onLine) {
    try {
      feed = await reconcile(app, await serverFeed());
      source = 'server';
    } catch {
      feed = await localFeed(app);
      source = 'device';
    }
  } else {
    feed = await localFeed(app);
    source = 'device';
  }
  const order = { alert: 0, warning: 1, info: 2 } as Record<string, number>;
  feed.sort((a, b) => (order[a.insight.severity] ?? 3) - (order[b.insight.severity] ?? 3) || a.insight.dedup_key.localeCompare(b.insight.dedup_key));
  const dismiss = async (item: FeedItem): Promise<void> => {
    if (item.id && navigator.onLine) {
      try {
        unwrap(await client.api.PATCH('/api/v1/insights/{id}', { params: { path: { id: item.id } }, body: { state: 'dismissed' } }));
      } catch (e) {
        app.toast(e instanceof ApiError ? problemText(e) : String(e), true);
        return;
      }
    } else {
      setPending(app, [...pending(app), item.insight.dedup_key]);
    }
    void draw(root, app);
  };
  mount(
    root,
    h(
      'section',
      {},
      h('h1', {}, 'Alerts'),
      h('p', { class: 'muted', id: 'alerts-source', 'data-source': source }, source === 'server' ? 'From the server: these are the alerts it sends by webhook and email.' : 'Offline: derived on this device by the same core; dismissals are sent when you are online again.'),
      feed.length === 0
        ? h('div', { class: 'card empty', id: 'alerts-empty' }, h('p', {}, 'Nothing needs your attention.'))
        : h(
            'ul',
            { class: 'feed', id: 'alerts-feed' },
            feed.map((item) =>
              h(
                'li',
                { class: `card insight ${item.insight.severity}`, 'data-key': item.insight.dedup_key, 'data-kind': item.insight.kind },
                h('div', {}, h('span', { class: `badge ${item.insight.severity === 'info' ? 'completed' : item.insight.severity}` }, item.insight.severity), h('strong', {}, item.insight.title)),
                h('p', {}, item.insight.message),
                h('button', { type: 'button', class: 'link', 'data-action': 'dismiss', onclick: () => void dismiss(item) }, 'Dismiss'),
              ),
            ),
          ),
      navigator.onLine ? await preferencesCard(app) : null,
    ),
  );
}

async function preferencesCard(app: App): Promise<HTMLElement | null> {
  let prefs;
  try {
    prefs = unwrap(await client.api.GET('/api/v1/users/me/notifications', {}));
  } catch {
    return null;
  }
  const chosen = prefs.kinds ?? [...KINDS];
  const kinds = KINDS.map((k) => h('input', { type: 'checkbox', name: 'kind', value: k, checked: chosen.includes(k) }));
  const severity = select('min_severity', [['info', 'Everything'], ['warning', 'Warnings and alerts'], ['alert', 'Alerts only']], prefs.min_severity ?? 'warning', { id: 'pref-severity' });
  const email = h('input', { type: 'checkbox', id: 'pref-email', checked: prefs.email });
  const webhooks = h('input', { type: 'checkbox', id: 'pref-webhooks', checked: prefs.webhooks });
  const quiet = h('input', { type: 'checkbox', id: 'pref-quiet', checked: !!prefs.quiet_hours });
  const digest = h('input', { type: 'checkbox', id: 'pref-digest', checked: prefs.digest === 'daily' });
  const save = h('button', { type: 'submit', class: 'primary', id: 'pref-save' }, 'Save');
  const form = h(
    'form',
    { id: 'prefs', class: 'card' },
    h('h2', {}, 'What reaches you'),
    h('fieldset', {}, h('legend', {}, 'Kinds'), kinds.map((c) => h('label', { class: 'check' }, c, ` ${label(c.value)}`))),
    field('Minimum severity', severity),
    field('Email', email),
    field('Webhooks', webhooks),
    field('No email from 22:00 to 07:00 (UTC)', quiet),
    field('One email a day (08:00 UTC) instead of one per alert', digest),
    h('div', { class: 'actions' }, save),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = {
      ...prefs,
      kinds: kinds.filter((c) => c.checked).map((c) => c.value) as typeof prefs.kinds,
      min_severity: severity.value as typeof prefs.min_severity,
      email: email.checked,
      webhooks: webhooks.checked,
      quiet_hours: quiet.checked ? { start_hour: 22, end_hour: 7 } : null,
      digest: digest.checked ? ('daily' as const) : ('off' as const),
    };
    void client.api
      .PUT('/api/v1/users/me/notifications', { body })
      .then((r) => {
        unwrap(r);
        app.toast('Notification preferences saved.');
      })
      .catch((err: unknown) => app.toast(err instanceof ApiError ? problemText(err) : String(err), true));
  });
  return form;
}
