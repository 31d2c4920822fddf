// Checks Dossier's live feed with the reference JavaScript clients, over
// both transports the server speaks at /graphql:
//
//   - graphql-ws  (WebSocket, subprotocol graphql-transport-ws)
//   - graphql-sse (Server-Sent Events, distinct-connections mode)
//
// For each: subscribe to BANS assertions, record a mix of predicates
// through the plain HTTP mutation, check exactly the BANS ones arrive in
// order; dispose, record more, resubscribe with after = the last
// sequence received, and check exactly the missed BANS ones arrive: no
// gap, no duplicate.
//
//   node subscribe-test.mjs http://127.0.0.1:8080
//
// Exit code 0 on success; 1 with a message naming the transport and what
// went wrong otherwise; 2 on bad usage.

import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';

const usage = 'usage: node subscribe-test.mjs BASE_URL   (e.g. http://127.0.0.1:8080)';
const base = process.argv[2];
if (!base || !/^https?:\/\//.test(base)) {
  console.error(usage);
  process.exit(2);
}
const httpURL = base.replace(/\/+$/, '') + '/graphql';
const wsURL = httpURL.replace(/^http/, 'ws');

// How long to wait for an event that should arrive.
const WAIT_MS = Number(process.env.DOSSIER_WAIT_MS || 15000);
// How long to keep listening after the last expected event for one that
// should not arrive.
const GRACE_MS = 300;

const SUBSCRIPTION = `subscription($after: Sequence) {
  assertionRecorded(filter: {predicates: ["BANS"]}, after: $after) {
    sequence predicate subject { name } object { name } evidence { sentence }
  }
}`;

const RECORD = `mutation($input: [AssertionInput!]!) {
  recordAssertions(input: $input) { assertions { id sequence duplicate } lastSequence projected }
}`;

class CheckError extends Error {}

function fail(msg) {
  throw new CheckError(msg);
}

// gql runs a plain HTTP GraphQL request and returns its data.
async function gql(query, variables) {
  let res;
  try {
    res = await fetch(httpURL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'dossier-principal': 'js-subscribe-test' },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    fail(`POST ${httpURL}: ${err.message}${err.cause ? ` (${err.cause.code || err.cause.message})` : ''}`);
  }
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    fail(`POST ${httpURL}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (body.errors?.length) {
    fail(`POST ${httpURL}: ${JSON.stringify(body.errors)}`);
  }
  return body.data;
}

// assertions builds n inputs whose sentences (and so ids) are unique to
// this run; every third is not BANS, so the filter has work to do.
let counter = 0;
function assertions(tag, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const k = ++counter;
    const predicate = k % 3 === 0 ? 'SANCTIONS' : 'BANS';
    const object = `Chatterbox ${tag} ${k}`;
    out.push({
      subject: { name: 'Ruritania', type: 'GOVERNMENT' },
      predicate,
      object: { name: object, type: 'PRODUCT' },
      confidence: 0.9,
      evidence: {
        document: `js-subscribe-test-${tag}`,
        sentence: `Ruritania ${predicate === 'BANS' ? 'bans' : 'sanctions'} ${object} (${runID}).`,
      },
    });
  }
  return out;
}

// record appends inputs and returns the events a BANS subscriber should
// see, in order.
async function record(inputs) {
  const data = await gql(RECORD, { input: inputs });
  const r = data.recordAssertions;
  if (!r.projected) fail(`recordAssertions: projected is false (lastSequence ${r.lastSequence})`);
  if (r.assertions.length !== inputs.length) fail(`recordAssertions returned ${r.assertions.length} results for ${inputs.length} inputs`);
  const want = [];
  r.assertions.forEach((a, i) => {
    if (a.duplicate) fail(`recordAssertions: input ${i} is a duplicate; sentences should be unique to this run`);
    if (inputs[i].predicate === 'BANS') {
      want.push({ sequence: a.sequence, predicate: 'BANS', object: inputs[i].object.name, sentence: inputs[i].evidence.sentence });
    }
  });
  return { want, lastSequence: r.lastSequence };
}

// feed subscribes through a client and collects what arrives.
function feed(client, name, after) {
  const got = [];
  const errors = [];
  let completed = false;
  let wake = () => {};
  const dispose = client.subscribe(
    { query: SUBSCRIPTION, variables: { after } },
    {
      next(result) {
        if (result.errors?.length) errors.push(JSON.stringify(result.errors));
        else got.push(result.data.assertionRecorded);
        wake();
      },
      error(err) {
        errors.push(err instanceof Error ? err.message : JSON.stringify(err));
        wake();
      },
      complete() {
        completed = true;
        wake();
      },
    },
  );
  return {
    got,
    dispose,
    // until resolves once some event has a sequence of at least seq.
    async until(seq) {
      const deadline = Date.now() + WAIT_MS;
      while (!got.some((e) => Number(e.sequence) >= seq)) {
        if (errors.length) fail(`${name}: subscription error: ${errors.join('; ')}`);
        if (completed) fail(`${name}: subscription completed early, after ${got.length} events`);
        const left = deadline - Date.now();
        if (left <= 0) fail(`${name}: waited ${WAIT_MS} ms for sequence ${seq}; received ${JSON.stringify(got.map((e) => e.sequence))}`);
        await new Promise((resolve) => {
          const t = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS));
      if (errors.length) fail(`${name}: subscription error: ${errors.join('; ')}`);
    },
  };
}

function check(name, step, got, want) {
  const seqs = (l) => JSON.stringify(l.map((e) => Number(e.sequence)));
  if (seqs(got) !== seqs(want)) {
    fail(`${name}, ${step}: received sequences ${seqs(got)}, want exactly ${seqs(want)}`);
  }
  got.forEach((e, i) => {
    const w = want[i];
    if (e.predicate !== 'BANS') fail(`${name}, ${step}: event ${e.sequence} has predicate ${e.predicate}, the filter asked for BANS`);
    if (e.subject?.name !== 'Ruritania' || e.object?.name !== w.object) {
      fail(`${name}, ${step}: event ${e.sequence} is ${e.subject?.name} → ${e.object?.name}, want Ruritania → ${w.object}`);
    }
    if (e.evidence?.sentence !== w.sentence) fail(`${name}, ${step}: event ${e.sequence} has sentence ${JSON.stringify(e.evidence?.sentence)}, want ${JSON.stringify(w.sentence)}`);
  });
}

async function run(name, client) {
  const start = Number((await gql('{ stats { sequence } }')).stats.sequence);

  // 1. Live: exactly the matching assertions, in order.
  const first = feed(client, name, start);
  const a = await record(assertions(`${name}-a`, 7));
  const b = await record(assertions(`${name}-b`, 5));
  const want1 = [...a.want, ...b.want];
  await first.until(want1.at(-1).sequence);
  check(name, 'live', first.got, want1);
  first.dispose();
  const last = Number(first.got.at(-1).sequence);

  // 2. Missed while away: resubscribe with after = the last received.
  const c = await record(assertions(`${name}-c`, 8));
  const second = feed(client, name, last);
  await second.until(c.want.at(-1).sequence);
  // 3. And it goes on live after the replay, with no seam.
  const d = await record(assertions(`${name}-d`, 4));
  await second.until(d.want.at(-1).sequence);
  check(name, 'resubscribed with after', second.got, [...c.want, ...d.want]);
  second.dispose();
  console.log(`ok  ${name}: ${want1.length} live, then ${c.want.length} missed + ${d.want.length} live after resubscribing from ${last}`);
}

const runID = `${process.pid}-${Date.now()}`;

const transports = [
  [
    'graphql-ws',
    () =>
      createWsClient({
        url: wsURL,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
      }),
  ],
  ['graphql-sse', () => createSseClient({ url: httpURL, retryAttempts: 0 })],
];

let failed = false;
for (const [name, make] of transports) {
  const client = make();
  try {
    await run(name, client);
  } catch (err) {
    failed = true;
    console.error(`FAIL ${name}: ${err instanceof CheckError ? err.message : err?.stack || err}`);
  } finally {
    await client.dispose();
  }
}
process.exit(failed ? 1 : 0);
