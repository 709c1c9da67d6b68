// The read-only admin page (/app/admin.html) in headless Chromium (Debian's chromium, driven
// by playwright-core from npm): opened on one server of a running cell with an admin's token,
// it must show every server named in IRIS_EXPECT (comma-separated) and the database roles.
// Environment: IRIS_HTTP_PORT, IRIS_TOKEN, IRIS_EXPECT; IRIS_SCREENSHOTS (a directory) to save
// admin.png there.
const { chromium } = require('playwright-core');

const env = process.env;
(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1100, height: 520 } })).newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${env.IRIS_HTTP_PORT}/app/admin.html#token=${env.IRIS_TOKEN}`);
    await page.waitForSelector('body[data-loaded="1"]', { timeout: 30000 });
    const text = await page.textContent('#report');
    for (const name of env.IRIS_EXPECT.split(',')) {
      if (!text.includes(name)) throw new Error(`the admin page does not show ${name}: ${text}`);
    }
    for (const word of ['primary', 'replica', 'writable']) {
      if (!text.includes(word)) throw new Error(`the admin page does not show "${word}": ${text}`);
    }
    if (errors.length) throw new Error('page errors: ' + errors.join('; '));
    if (env.IRIS_SCREENSHOTS) await page.screenshot({ path: `${env.IRIS_SCREENSHOTS}/admin.png` });
    console.log('admin page: ok');
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e.message); process.exit(1); });
