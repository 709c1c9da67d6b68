// The admin page's rendering of a deployment report (GET /v1/admin/cells, the same JSON as
// `irisctl cells --json`): one table per cell, one for the database pair. Pure apart from the
// `doc` it builds nodes with, so node's test runner checks it with a tiny fake document.

const pct = (x) => (x * 100).toFixed(1) + '%';
const num = (x) => (x === null || x === undefined ? '-' : String(x));

function el(doc, tag, text, cls) {
  const e = doc.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function table(doc, head, rows) {
  const t = el(doc, 'table', undefined, 'report');
  const tr = el(doc, 'tr');
  for (const h of head) tr.appendChild(el(doc, 'th', h));
  t.appendChild(tr);
  for (const row of rows) {
    const r = el(doc, 'tr');
    for (const [text, cls] of row) r.appendChild(el(doc, 'td', text, cls));
    t.appendChild(r);
  }
  return t;
}

export function renderReport(doc, report) {
  const root = el(doc, 'div');
  if (!report.cells.length) root.appendChild(el(doc, 'p', 'No cells in ZooKeeper ' + report.zookeeper));
  for (const cell of report.cells) {
    root.appendChild(el(doc, 'h2', `Cell ${cell.name}: ${cell.servers.length} server(s), ${cell.tokens_per_server} tokens each` +
      (cell.enabled ? '' : ' (DISABLED: takes no new users)'), cell.enabled ? undefined : 'bad'));
    root.appendChild(table(doc, ['server', 'mqtt', 'http', 'ring', 'users', 'connections', 'devices', 'store', 'history lag'],
      cell.servers.map((s) => [
        [s.name], [s.mqtt || '-'], [s.http || '-'], [pct(s.ring_share), 'n'], [num(s.users), 'n'],
        [num(s.connections), 'n'], [num(s.devices), 'n'],
        s.store_writable === null ? ['-'] : s.store_writable > 0 ? ['writable'] : ['NOT WRITABLE', 'bad'],
        [s.history_lag_s === null ? '-' : s.history_lag_s + ' s', 'n'],
      ])));
    for (const s of cell.servers) if (!s.metrics_ok) root.appendChild(el(doc, 'p', `${s.name}: /metrics ${s.metrics_error}`, 'bad'));
  }
  if (report.database.length) {
    root.appendChild(el(doc, 'h2', 'Database pair'));
    root.appendChild(table(doc, ['server', 'role', 'semi-sync', 'replicas', 'unacknowledged commits', 'replication', 'GTID'],
      report.database.map((d) => d.reachable ? [
        [d.address], [d.role],
        d.role === 'primary' ? (d.semisync_on ? ['on'] : ['OFF', 'bad']) : ['-'],
        [d.role === 'primary' ? String(d.semisync_clients) : '-', 'n'],
        [d.role === 'primary' ? String(d.semisync_no_tx) : '-', 'n'],
        [d.role === 'replica' ? `io ${d.io_running || '-'}, sql ${d.sql_running ? 'Yes' : 'No'}` : '-'],
        [d.gtid_binlog_pos || '-'],
      ] : [[d.address], ['unreachable: ' + d.error, 'bad'], ['-'], ['-'], ['-'], ['-'], ['-']])));
  }
  if (report.store_users !== null) root.appendChild(el(doc, 'p', `${report.store_users}${report.store_users_truncated ? '+' : ''} users with a queue`));
  return root;
}
