// Checks that the GraphiQL page served at /graphiql runs a subscription
// against the server over its WebSocket, in a real browser: the page is
// opened in headless Chromium (driven by playwright-core), a subscription
// is typed into the editor and run, an assertion is recorded over HTTP,
// and the result pane must show it.
//
// Usage: node graphiql-test.mjs http://127.0.0.1:PORT
// CHROMIUM names the browser binary (default /usr/bin/chromium).
import { chromium } from 'playwright-core';

const base = process.argv[2];
if (!base) {
  console.error('usage: node graphiql-test.mjs BASE_URL');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

function fail(msg) {
  console.error('FAIL ' + msg);
  process.exitCode = 1;
}

async function record(subject, object) {
  const res = await fetch(base + '/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      query: `mutation($in: [AssertionInput!]!) { recordAssertions(input: $in) { lastSequence } }`,
      variables: {
        in: [{
          subject: { name: subject }, predicate: 'BANS', object: { name: object },
          evidence: { document: 'graphiql-check', sentence: `${subject} banned ${object}.` },
        }],
      },
    }),
  });
  const body = await res.json();
  if (body.errors) throw new Error('record: ' + JSON.stringify(body.errors));
  return body.data.recordAssertions.lastSequence;
}

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // Every WebSocket the page opens, and what it carries.
  const sockets = [];
  const frames = [];
  page.on('websocket', (ws) => {
    sockets.push(ws.url());
    ws.on('framesent', (f) => frames.push('> ' + f.payload));
    ws.on('framereceived', (f) => frames.push('< ' + f.payload));
    ws.on('close', () => frames.push('closed'));
  });

  await page.goto(base + '/graphiql');
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 30000 });
  // The page opens on a short query that runs as it is.
  const opening = await page.evaluate(() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue());
  if (opening.split('\n').length > 15) fail(`the opening query is ${opening.split('\n').length} lines long`);
  await page.waitForTimeout(1000);
  await page.click('.graphiql-execute-button');
  let opened = '';
  for (let i = 0; i < 20 && !opened.includes('"stats"'); i++) {
    await page.waitForTimeout(250);
    opened = await page.evaluate(() => {
      const cm = document.querySelector('.result-window .CodeMirror');
      return cm ? cm.CodeMirror.getValue() : '';
    });
  }
  if (!opened.includes('"relationships"') || opened.includes('"errors"')) {
    fail(`the opening query did not answer cleanly: ${opened.slice(0, 300)}`);
  } else {
    console.log('ok the opening query runs: ' + opened.replace(/\s+/g, ' ').slice(0, 120));
  }
  // The subscription, typed into the editor as a user would paste it.
  const subscription = 'subscription { assertionRecorded(filter: {predicates: ["BANS"]}) { sequence subject { name } object { name } } }';
  await page.evaluate((q) => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q);
  }, subscription);
  // GraphiQL parses the editor's text after a short debounce; the run
  // button must see the parsed subscription to send it over the socket.
  await page.waitForTimeout(1000);
  await page.click('.graphiql-execute-button');

  // GraphiQL opens the socket lazily; record once the subscription is
  // surely live, and again until the pane shows one (the first may race
  // the subscribe message).
  const resultText = () => page.evaluate(() => {
    const cm = document.querySelector('.result-window .CodeMirror');
    return cm ? cm.CodeMirror.getValue() : '';
  });
  let shown = '';
  // Assertions are content-addressed: a rerun against the same server
  // must record new ones, not duplicates (which announce nothing).
  const run = Date.now().toString(36);
  for (let i = 0; i < 20 && !shown.includes('Graphiqlia'); i++) {
    await record('Graphiqlia', `Target ${run} ${i}`);
    await page.waitForTimeout(500);
    shown = await resultText();
  }
  if (!shown.includes('Graphiqlia')) {
    fail(`the result pane never showed the recorded assertion; it shows: ${shown.slice(0, 300)}; frames: ${frames.join(' | ').slice(0, 1500)}`);
  } else {
    console.log('ok the result pane shows the assertion: ' + shown.replace(/\s+/g, ' ').slice(0, 200));
  }
  if (!sockets.some((u) => u.endsWith('/graphql'))) {
    fail(`the page opened no WebSocket to /graphql (opened: ${JSON.stringify(sockets)})`);
  } else {
    console.log('ok the page subscribed over a WebSocket to /graphql');
  }
  if (pageErrors.length > 0) fail('errors on the page: ' + pageErrors.join('; '));
} finally {
  await browser.close();
}
