// The page's only contact with the server: GraphQL over HTTP POST to
// /graphql, and subscriptions over Server-Sent Events on the same URL
// (graphql-sse's "distinct connections" protocol: one POST with
// Accept: text/event-stream per subscription, events "next" and
// "complete"). Both carry the token, when one is set, as a bearer token.

const endpoint = '/graphql';
const tokenKey = 'dossier-token';

/** The token of this tab (sessionStorage), or ''. */
export function token() {
  try {
    return sessionStorage.getItem(tokenKey) || '';
  } catch {
    return '';
  }
}

/** Sets (or, with '', forgets) the token of this tab. */
export function setToken(value) {
  try {
    if (value) sessionStorage.setItem(tokenKey, value);
    else sessionStorage.removeItem(tokenKey);
  } catch {
    // Storage refused (private mode): the token lasts until reload.
  }
}

function headers(extra) {
  const h = { 'Content-Type': 'application/json', ...extra };
  const t = token();
  if (t) h.Authorization = 'Bearer ' + t;
  return h;
}

/** An error the API answered with; code is its extensions.code. */
export class APIError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code || '';
    this.status = status || 0;
  }
  get unauthenticated() {
    return this.status === 401 || this.code === 'UNAUTHENTICATED';
  }
}

function firstError(body, status) {
  const e = (body && body.errors && body.errors[0]) || {};
  const code = (e.extensions && e.extensions.code) || '';
  return new APIError(e.message || `the server answered ${status}`, code, status);
}

/**
 * Runs a query or mutation and returns its data. Any error in the answer
 * is thrown as an APIError: the page asks for nothing it cannot show whole.
 */
export async function gql(query, variables = {}, { signal } = {}) {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: headers({ Accept: 'application/json' }),
    body: JSON.stringify({ query, variables }),
    signal,
  });
  let body = null;
  try {
    body = await res.json();
  } catch {
    throw new APIError(`the server answered ${res.status} without JSON`, '', res.status);
  }
  if (!res.ok || (body.errors && body.errors.length)) throw firstError(body, res.status);
  return body.data;
}

/**
 * Starts a subscription. onNext gets each result ({data, errors}); onEnd
 * gets null when the server completed the stream, or the error that ended
 * it. The returned function stops it (and onEnd is then not called).
 */
export function subscribe(query, variables, { onNext, onEnd, onOpen }) {
  const ctl = new AbortController();
  let stopped = false;
  (async () => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: headers({ Accept: 'text/event-stream' }),
      body: JSON.stringify({ query, variables }),
      signal: ctl.signal,
    });
    const type = res.headers.get('Content-Type') || '';
    if (!res.ok || !type.startsWith('text/event-stream')) {
      let body = null;
      try {
        body = await res.json();
      } catch {
        // not JSON: the status says enough
      }
      throw firstError(body, res.status);
    }
    if (onOpen) onOpen();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return null; // the server closed the stream
      buf += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let event = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue; // a keep-alive comment
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = val;
          else if (field === 'data') data.push(val);
        }
        if (event === 'complete') return null;
        if (event === 'next' && data.length) onNext(JSON.parse(data.join('\n')));
      }
    }
  })().then(
    (v) => { if (!stopped) onEnd(v); },
    (err) => { if (!stopped) onEnd(err); },
  );
  return () => {
    stopped = true;
    ctl.abort();
  };
}
