// The local data of the logged-in user and its sync with the server — the only module that
// knows about the sync engine. Every record lives in the package's `SyncEngine` (sans-IO, from
// lifepath-core), whose state is saved to IndexedDB (`IndexedDbStore`, key = user id) after
// every change and every sync; `syncOnce` pushes the queued mutations and pulls what other
// devices changed. Sync runs at start, when the browser comes back online, every 30 s and
// shortly after each edit. The rest of the app only calls `LocalData`.

import { SyncEngine, type EntityKind, type MergeNotice as PackageMergeNotice, type RejectedMutation } from 'lifepath';
import { FetchTransport, IndexedDbStore, SyncHttpError, syncOnce } from 'lifepath/sync';
import { v7 as uuidv7 } from 'uuid';
import { accessToken, refresh } from './api';

/** What syncs (DESIGN §4). */
export type Entity = EntityKind;

/** What the status bar shows. */
export interface SyncStatus {
  online: boolean;
  pending: number;
  syncing: boolean;
  lastSynced: string | null;
  error: string | null;
}

/** One field that both sides changed; the later edit won and the other value was kept. */
export type MergeNotice = PackageMergeNotice;

const SYNC_EVERY_MS = 30_000;
const DB_NAME = 'lifepath-demo-sync';

/** The logged-in user's records, stored locally and synced. */
export class LocalData {
  private syncing = false;
  private again = false;
  private error: string | null = null;
  private timer: number | undefined;
  private soon: number | undefined;
  private closed = false;
  private readonly changeListeners = new Set<() => void>();
  private readonly statusListeners = new Set<(s: SyncStatus) => void>();
  private readonly mergeListeners = new Set<(m: MergeNotice[]) => void>();
  private readonly rejectListeners = new Set<(r: RejectedMutation[]) => void>();
  private readonly transport = new FetchTransport({ baseUrl: location.origin, accessToken: () => accessToken() });

  private constructor(
    readonly userId: string,
    private readonly engine: SyncEngine,
    private readonly store: IndexedDbStore,
  ) {}

  /** Loads the user's saved state from IndexedDB and starts syncing. */
  static async open(userId: string): Promise<LocalData> {
    const store = await IndexedDbStore.open(DB_NAME);
    const saved = await store.load(userId);
    const data = new LocalData(userId, new SyncEngine(saved ?? undefined), store);
    window.addEventListener('online', data.onOnline);
    window.addEventListener('offline', data.onOffline);
    data.timer = window.setInterval(() => void data.sync(), SYNC_EVERY_MS);
    void data.sync();
    return data;
  }

  private readonly onOnline = (): void => {
    this.emitStatus();
    void this.sync();
  };
  private readonly onOffline = (): void => this.emitStatus();

  /**
   * On logout: stops syncing and forgets the local copy when everything reached the server;
   * changes not synced yet stay on this device (and sync at the next login). Returns how many.
   */
  async logout(): Promise<number> {
    this.close();
    const pending = this.engine.pendingCount();
    if (pending === 0) await this.store.delete(this.userId);
    return pending;
  }

  /** Stops syncing. */
  close(): void {
    this.closed = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    window.clearInterval(this.timer);
    window.clearTimeout(this.soon);
  }

  list<T>(entity: Entity): T[] {
    return this.engine.list(entity) as T[];
  }

  get<T>(entity: Entity, id: string): T | undefined {
    return this.engine.get(entity, id) as T | undefined;
  }

  /** Writes a record locally, queues it for the server and saves the state. */
  async upsert(entity: Entity, id: string, data: unknown): Promise<void> {
    this.engine.upsert(entity, id, data as object, uuidv7());
    await this.changed();
  }

  /** Writes several records in order and saves once (sample data; a goal and its contribution). */
  async upsertMany(items: { entity: Entity; id: string; data: unknown }[]): Promise<void> {
    for (const it of items) this.engine.upsert(it.entity, it.id, it.data as object, uuidv7());
    await this.changed();
  }

  /** Deletes a record locally; the deletion syncs to every device. */
  async remove(entity: Entity, id: string): Promise<void> {
    this.engine.delete(entity, id, uuidv7());
    await this.changed();
  }

  private async changed(): Promise<void> {
    await this.save();
    this.emitChange();
    this.emitStatus();
    if (navigator.onLine) {
      window.clearTimeout(this.soon);
      this.soon = window.setTimeout(() => void this.sync(), 300);
    }
  }

  private async save(): Promise<void> {
    await this.store.save(this.userId, this.engine.state());
  }

  status(): SyncStatus {
    return {
      online: navigator.onLine,
      pending: this.engine.pendingCount(),
      syncing: this.syncing,
      lastSynced: localStorage.getItem(`lifepath.lastSynced.${this.userId}`),
      error: this.error,
    };
  }

  onChange(l: () => void): void {
    this.changeListeners.add(l);
  }
  onStatus(l: (s: SyncStatus) => void): void {
    this.statusListeners.add(l);
  }
  onMerge(l: (m: MergeNotice[]) => void): void {
    this.mergeListeners.add(l);
  }
  /** Changes the server refused (the record went back to the server's version). */
  onRejected(l: (r: RejectedMutation[]) => void): void {
    this.rejectListeners.add(l);
  }

  private emitChange(): void {
    for (const l of this.changeListeners) l();
  }
  private emitStatus(): void {
    const s = this.status();
    for (const l of this.statusListeners) l(s);
  }

  /** One push + pull round (another follows when asked for while one runs); offline a no-op. */
  async sync(): Promise<void> {
    if (this.closed || !navigator.onLine) {
      this.emitStatus();
      return;
    }
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    this.emitStatus();
    try {
      // After a reload the access token (kept in memory only) is gone: get one from the
      // refresh cookie first rather than be refused.
      if (!accessToken() && !(await refresh())) return;
      let result;
      try {
        result = await syncOnce(this.engine, this.transport);
      } catch (e) {
        // An expired access token: refresh once and go again.
        if (e instanceof SyncHttpError && e.status === 401 && (await refresh())) {
          result = await syncOnce(this.engine, this.transport);
        } else throw e;
      }
      if (this.closed) return;
      await this.save();
      this.error = null;
      localStorage.setItem(`lifepath.lastSynced.${this.userId}`, new Date().toISOString());
      if (result.merges.length) for (const l of this.mergeListeners) l(result.merges);
      if (result.rejected.length) for (const l of this.rejectListeners) l(result.rejected);
      if (result.pulled > 0 || result.conflicts > 0 || result.rejected.length > 0) this.emitChange();
    } catch (e) {
      this.error = navigator.onLine ? (e instanceof Error ? e.message : String(e)) : null;
    } finally {
      this.syncing = false;
      this.emitStatus();
    }
    if (this.again && !this.closed) {
      this.again = false;
      void this.sync();
    }
  }
}
