// The web app's figures (bench/suites/web), in headless Chromium driven by playwright-core:
//   web.cold_start_ms     page load (navigation start) to an up-to-date inbox of 100 threads
//                         x 20 messages: all 100 threads drawn from the snapshot and the
//                         WebSocket resumed; a fresh browser context (empty IndexedDB) per
//                         run, median of WEB_RUNS
//   web.bytes_per_delta   bytes on the wire, both directions, for one delta (a message of
//                         WEB_TEXT_BYTES characters by another user): the browser's MQTT over
//                         WebSocket with the JSON mapping, counted at a TCP proxy in front of
//                         the WebSocket port; median of 20 deltas
//   web.sdk_bytes_per_delta  the same delta to the C++ SDK (`iris tail`: MQTT over TCP,
//                         Thrift compact), counted at a proxy in front of the MQTT port
// Env: IRIS_HTTP_PORT, IRIS_WS_PORT, IRIS_MQTT_PORT, IRIS_TOKEN_A (user 1), IRIS_TOKEN_B
// (user 2), IRIS_CLI, IRIS_CLI_DIR (a login of user 1 on device sdk, made by the suite after
// the proxy port is printed: see the suite), WEB_RUNS.
const net = require('net');
const { spawn } = require('child_process');
const { chromium } = require('playwright-core');

const env = process.env;
const runs = Number(env.WEB_RUNS || 5);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

function counter(target) {
  const c = { bytes: 0 };
  const server = net.createServer((down) => {
    const up = net.connect(target, '127.0.0.1');
    down.on('data', (d) => { c.bytes += d.length; up.write(d); });
    up.on('data', (d) => { c.bytes += d.length; down.write(d); });
    for (const s of [down, up]) { s.on('error', () => { down.destroy(); up.destroy(); }); s.on('close', () => { down.destroy(); up.destroy(); }); }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => { c.port = server.address().port; c.server = server; resolve(c); }));
}

async function api(token, path, body) {
  const r = await fetch(`http://127.0.0.1:${env.IRIS_HTTP_PORT}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}

const cid = (n) => n.toString(16).padStart(32, '0');

async function populate() {
  const threads = [];
  for (let t = 0; t < 100; t++) {
    const r = await api(env.IRIS_TOKEN_A, '/v1/threads', { create_thread_request: { client_id: cid(1e6 + t), name: `thread ${t}`, participants: ['2'] } });
    threads.push(r.send_result.thread);
  }
  let n = 0;
  for (const thread of threads) {
    for (let m = 0; m < 20; m++) {
      const token = m % 2 ? env.IRIS_TOKEN_A : env.IRIS_TOKEN_B;
      await api(token, '/v1/requests', { send_request: { client_id: cid(2e6 + n++), thread, body: `message ${m} of ${thread}: a line of ordinary chat text` } });
    }
  }
  return threads;
}

// In the page: when each step of the cold start ended (ms since navigation start): the
// document, the last module, the worker and MQTT.js, config.json, the route, the snapshot's
// answer (resource timing), then the app's own performance marks (main.js, engine.js, ui.js,
// transport_ws.js) and the moment the benchmark's condition held.
function phaseMarks() {
  const out = {};
  const nav = performance.getEntriesByType('navigation')[0];
  if (nav) { out['html received'] = nav.responseEnd; out['html parsed'] = nav.domInteractive; }
  for (const r of performance.getEntriesByType('resource')) {
    const name = r.name.replace(/^.*\/(?=[^/]+$)/, '').replace(/\?.*$/, '');
    const key = /\.js$/.test(name) && !/mqtt|worker/.test(name) ? 'modules received' : `${name} received`;
    out[key] = Math.max(out[key] || 0, r.responseEnd);
    if (/mqtt|snapshot/.test(name)) out[`${name} asked`] = r.requestStart;
  }
  for (const m of performance.getEntriesByType('mark')) if (!(m.name in out)) out[m.name] = m.startTime;
  if (window.irisColdStart) out['cold start (bench)'] = window.irisColdStart;
  return out;
}

async function main() {
  const threads = await populate();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const ws = await counter(Number(env.IRIS_WS_PORT));
  const base = `http://127.0.0.1:${env.IRIS_HTTP_PORT}/app/?ws=ws://127.0.0.1:${ws.port}/mqtt`;
  const times = [];
  const cpu = [];
  const phases = {};  // phase -> its time (ms since navigation start) in each run
  let page;
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    // The token is in place before the page loads, as for a user who logged in before.
    await context.addInitScript((t) => localStorage.setItem('iris.token', t), env.IRIS_TOKEN_A);
    page = await context.newPage();
    // Main-thread CPU time of the page (DevTools' Performance metrics): what a loaded machine
    // does not blur the way it blurs the wall-clock figure.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(base, { waitUntil: 'commit' });
    // The time is taken in the page when the condition first holds (a frame after the inbox
    // is drawn), not after the DevTools round trip that reports it.
    await page.waitForFunction(() => {
      if (!window.irisColdStart && window.iris && window.iris.mode === 'live' && document.querySelectorAll('#inbox li').length === 100) window.irisColdStart = performance.now();
      return window.irisColdStart;
    }, null, { polling: 'raf', timeout: 20000 });
    times.push(await page.evaluate(() => window.irisColdStart));
    const m = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
    cpu.push(m.TaskDuration * 1000);
    console.error(`# web: main thread ms: task ${(m.TaskDuration * 1000).toFixed(0)} script ${(m.ScriptDuration * 1000).toFixed(0)} layout ${(m.LayoutDuration * 1000).toFixed(0)} style ${(m.RecalcStyleDuration * 1000).toFixed(0)}`);
    const marks = await page.evaluate(phaseMarks);
    for (const [k, v] of Object.entries(marks)) (phases[k] = phases[k] || []).push(v);
    console.error('# web: marks ' + Object.entries(marks).sort((a, b) => a[1] - b[1]).map(([k, v]) => `${k} ${Math.round(v)}`).join(', '));
    if (i < runs - 1) await context.close();
  }
  console.log(`BENCH web.cold_start_ms ${median(times).toFixed(0)}`);
  console.error(`# web: cold starts ${times.map((t) => t.toFixed(0)).join(' ')} ms`);
  console.error(`# web: main-thread task time (median) ${median(cpu).toFixed(0)} ms`);
  console.error('# web: phases, median ms since navigation start (runs where the phase happened):');
  for (const [k, v] of Object.entries(phases).sort((a, b) => median(a[1]) - median(b[1]))) {
    console.error(`#   ${k.padEnd(28)} ${median(v).toFixed(0).padStart(5)}  (${v.length})`);
  }

  // One delta at a time to the browser (still open on the last context) and to iris tail.
  const mqtt = await counter(Number(env.IRIS_MQTT_PORT));
  const login = spawn(env.IRIS_CLI, ['--config-dir', env.IRIS_CLI_DIR, 'login', '--server', `mqtt://127.0.0.1:${mqtt.port}`, '--user', '1', '--device', 'sdk', '--token', env.IRIS_TOKEN_SDK]);
  await new Promise((r) => login.on('exit', r));
  const tail = spawn(env.IRIS_CLI, ['--config-dir', env.IRIS_CLI_DIR, 'tail'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let tailed = 0;
  tail.stdout.on('data', (d) => { tailed += String(d).split('\n').length - 1; });
  await sleep(3000);  // catch-up and the first keep-alive exchange done
  const text = 'x'.repeat(Number(env.WEB_TEXT_BYTES || 40));
  const web = [], sdk = [];
  for (let i = 0; i < 20; i++) {
    const w0 = ws.bytes, s0 = mqtt.bytes;
    const before = await page.evaluate(() => window.iris.engine.pos.seq);
    await api(env.IRIS_TOKEN_B, '/v1/requests', { send_request: { client_id: cid(3e6 + i), thread: threads[i % 100], body: text } });
    await page.waitForFunction((s) => window.iris.engine.pos.seq !== s, before, { timeout: 5000 });
    await sleep(300);  // the acknowledgements
    web.push(ws.bytes - w0);
    sdk.push(mqtt.bytes - s0);
  }
  tail.kill();
  console.log(`BENCH web.bytes_per_delta ${median(web)}`);
  console.log(`BENCH web.sdk_bytes_per_delta ${median(sdk)}`);
  console.error(`# web: per delta, browser ${web.join(' ')}; sdk ${sdk.join(' ')} (tail printed ${tailed} lines)`);
  await browser.close();
  process.exit(0);
}

main().catch((e) => { console.error(e); process.exit(1); });
