// updateGoalFromSnapshot / progressAfterSnapshotDeleted (issue 13 §1): the core's rule through
// the package, worked by hand, and the same derived id as the server's (UUIDv5 of goal + month).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lifepath, thrown } from './lifepath.mjs';
import { budget, contribution, goal, snapshot, GOAL_ID, NOW } from './data.mjs';

// current_amount 1500.00 with 500.00 recorded: the opening amount is 1000.00.
const contributions = () => [
  contribution(1, '200.00', '2026-03-05'),
  contribution(2, '300.00', '2026-04-10'),
];

test('saving a month derives each active goal\'s amount at that month\'s end', () => {
  const march = snapshot(2026, 3, budget());
  const { put, remove } = lifepath.updateGoalFromSnapshot([goal()], contributions(), [], march, { now: NOW });
  assert.deepEqual(remove, []);
  assert.equal(put.length, 1);
  const p = put[0];
  assert.equal(p.goal_id, GOAL_ID);
  assert.equal(p.period_year, 2026);
  assert.equal(p.period_month, 3);
  assert.equal(p.amount_at_period, '1200.00');
  assert.equal(p.contribution_this_period, '200.00');
  assert.equal(p.snapshot_id, march.id);
  assert.equal(p.source, 'snapshot');
  assert.equal(p.created_at, NOW);
  // The id depends only on goal and month: saving again with the entry in place changes nothing.
  const again = lifepath.updateGoalFromSnapshot([goal()], contributions(), put, march, { now: NOW });
  assert.deepEqual(again, { put: [], remove: [] });
  // April reads both contributions, and has its own id.
  const april = lifepath.updateGoalFromSnapshot([goal()], contributions(), put, snapshot(2026, 4, budget()), { now: NOW });
  assert.equal(april.put[0].amount_at_period, '1500.00');
  assert.equal(april.put[0].contribution_this_period, '300.00');
  assert.notEqual(april.put[0].id, p.id);
  // A paused goal takes nothing, and loses the derived entry it had.
  const paused = lifepath.updateGoalFromSnapshot([goal({ status: 'paused' })], contributions(), put, march, { now: NOW });
  assert.deepEqual(paused, { put: [], remove: [p.id] });
});

test('a manual entry of the month is never overwritten', () => {
  const march = snapshot(2026, 3, budget());
  const [derived] = lifepath.updateGoalFromSnapshot([goal()], contributions(), [], march, { now: NOW }).put;
  const manual = { ...derived, id: '00000000-0000-0000-0004-000000000001', amount_at_period: '999.00', source: 'manual', snapshot_id: null };
  assert.deepEqual(lifepath.updateGoalFromSnapshot([goal()], contributions(), [manual], march, { now: NOW }), { put: [], remove: [] });
});

test('deleting the snapshot removes the derived entries linked to it, not the manual ones', () => {
  const march = snapshot(2026, 3, budget());
  const [derived] = lifepath.updateGoalFromSnapshot([goal()], contributions(), [], march, { now: NOW }).put;
  const manual = { ...derived, id: '00000000-0000-0000-0004-000000000002', source: 'manual' };
  assert.deepEqual(lifepath.progressAfterSnapshotDeleted([derived, manual], march.id), [derived.id]);
  assert.deepEqual(lifepath.progressAfterSnapshotDeleted([derived], '00000000-0000-0000-0000-000000000009'), []);
});

test('bad arguments name their field', () => {
  const march = snapshot(2026, 3, budget());
  assert.equal(thrown(() => lifepath.updateGoalFromSnapshot([goal({ target_amount: 'x' })], [], [], march)).field, 'goals[0].target_amount');
  assert.equal(thrown(() => lifepath.updateGoalFromSnapshot([goal()], [], [], { ...march, period_month: 13 })).field, 'snapshot.period_month');
  assert.equal(thrown(() => lifepath.progressAfterSnapshotDeleted([], 'nope')).field, 'snapshotId');
});
