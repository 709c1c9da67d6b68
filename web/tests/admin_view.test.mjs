import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport } from '../js/admin_view.js';

// A minimal document: enough for renderReport (createElement, appendChild, textContent).
function fakeDoc() {
  const make = (tag) => ({ tag, children: [], textContent: '', className: '', appendChild(c) { this.children.push(c); } });
  return { createElement: make };
}
const text = (n) => (n.textContent || '') + ' ' + n.children.map(text).join(' ');

const report = {
  zookeeper: '127.0.0.1:2181',
  cells: [{ name: 'eu1', enabled: false, tokens_per_server: 2048, servers: [
    { name: 'irisd-1', mqtt: '127.0.0.1:1883', http: '127.0.0.1:8080', ring_share: 0.5, users: 3, metrics_ok: true, metrics_error: '',
      connections: 2, devices: 1, store_writable: 0, history_lag_s: 0 },
    { name: 'irisd-2', mqtt: '', http: '', ring_share: 0.5, users: null, metrics_ok: false, metrics_error: 'Connection refused',
      connections: null, devices: null, store_writable: null, history_lag_s: null }] }],
  database: [{ address: '127.0.0.1:3306', reachable: true, error: '', role: 'primary', semisync_on: false, semisync_no_tx: 4,
    semisync_clients: 0, gtid_binlog_pos: '0-1-9', io_running: '', sql_running: false },
  { address: '127.0.0.1:3307', reachable: false, error: 'refused', role: '', semisync_on: false, semisync_no_tx: 0,
    semisync_clients: 0, gtid_binlog_pos: '', io_running: '', sql_running: false }],
  store_users: 3, store_users_truncated: false,
};

test('the admin view shows every server and flags what is wrong', () => {
  const t = text(renderReport(fakeDoc(), report));
  for (const s of ['irisd-1', 'irisd-2', 'DISABLED', 'NOT WRITABLE', '50.0%', 'Connection refused', 'OFF', 'unreachable: refused', '3 users with a queue']) {
    assert.ok(t.includes(s), s);
  }
});

test('the admin view says when there are no cells', () => {
  const t = text(renderReport(fakeDoc(), { zookeeper: 'z:1', cells: [], database: [], store_users: null }));
  assert.ok(t.includes('No cells in ZooKeeper z:1'));
});
