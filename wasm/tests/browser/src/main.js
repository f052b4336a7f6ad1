// A real Amplify v6 app: Pinpoint analytics, the Cognito token and credentials providers
// replaced by fixed ones (no sign-in flow), every AWS request answered by the test driver
// (playwright route). window.scenario(...) is called from run.mjs.
import { Amplify } from 'aws-amplify';
import { record } from 'aws-amplify/analytics';
import { record as kinesisRecord, configureAutoTrack as kinesisAutoTrack } from 'aws-amplify/analytics/kinesis';
import { record as firehoseRecord } from 'aws-amplify/analytics/kinesis-firehose';
import { fetchAuthSession, fetchUserAttributes } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';
import { ready, isReady, stampEvent, wrapRecord, wrapKinesisRecord, wrapFirehoseRecord, autoTrackAttributed } from 'journey-attribution';

export const APP_ID = '0123456789abcdef0123456789abcdef';
const nowS = () => Math.floor(Date.now() / 1000);
let idClaims = {};

function jwt(payload) {
  const b64 = (o) => btoa(JSON.stringify(o)).replace(/=+$/, '');
  return { payload, toString: () => `${b64({ alg: 'none' })}.${b64(payload)}.sig` };
}

const tokenProvider = {
  getTokens: async () => ({
    accessToken: jwt({ sub: 'user-1', token_use: 'access', iat: nowS(), exp: nowS() + 3600 }),
    idToken: jwt({ sub: 'user-1', token_use: 'id', iat: nowS(), exp: nowS() + 3600, ...idClaims }),
  }),
};
const credentialsProvider = {
  getCredentialsAndIdentityId: async () => ({
    credentials: {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      sessionToken: 'session-token',
      expiration: new Date(Date.now() + 3_600_000),
    },
    identityId: 'us-east-1:00000000-0000-0000-0000-000000000001',
  }),
  clearCredentialsAndIdentityId: () => {},
};

Amplify.configure(
  {
    Auth: { Cognito: { userPoolId: 'us-east-1_Example1', userPoolClientId: 'exampleclientid', identityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000' } },
    Analytics: {
      Pinpoint: { appId: APP_ID, region: 'us-east-1', flushInterval: 100, flushSize: 100, bufferSize: 100000 },
      Kinesis: { region: 'us-east-1', flushInterval: 100, flushSize: 100, bufferSize: 1000, resendLimit: 1 },
      KinesisFirehose: { region: 'us-east-1', flushInterval: 100, flushSize: 100, bufferSize: 1000, resendLimit: 1 },
    },
  },
  { Auth: { tokenProvider, credentialsProvider } },
);

/** Records one event through the wrapper; returns what onError / onStamp saw. */
window.scenario = async ({ name, claims = {}, source = 'idToken' }) => {
  idClaims = claims;
  const errors = [];
  const statuses = [];
  const wrapped = wrapRecord(record, {
    source,
    fetchAuthSession,
    fetchUserAttributes,
    Hub,
    timeoutMs: 2000,
    onError: (reason, error) => errors.push({ reason, message: String(error?.message ?? error), name: error?.name }),
    onStamp: (status) => statuses.push(status),
  });
  await wrapped({ name, attributes: { sku: 'sku-1' }, metrics: { revenue: 42 } });
  wrapped.dispose();
  return { errors, statuses };
};

/**
 * Records `input` through Amplify's real Kinesis or Firehose provider, wrapped; what AWS
 * receives is read by the driver from the PutRecords / PutRecordBatch body.
 */
window.streamScenario = async ({ provider, input, claims = {}, dataShape }) => {
  idClaims = claims;
  const errors = [];
  const statuses = [];
  const wrap = provider === 'kinesis' ? wrapKinesisRecord : wrapFirehoseRecord;
  const wrapped = wrap(provider === 'kinesis' ? kinesisRecord : firehoseRecord, {
    fetchAuthSession,
    Hub,
    dataShape,
    timeoutMs: 2000,
    onError: (reason, error) => errors.push({ reason, message: String(error?.message ?? error) }),
    onStamp: (status) => statuses.push(status),
  });
  await wrapped(input.bytes ? { ...input, data: new TextEncoder().encode(input.bytes) } : input);
  wrapped.dispose();
  return { errors, statuses };
};

/** Auto-tracked page views (Kinesis configureAutoTrack) kept stamped by autoTrackAttributed. */
let tracking;
window.autoTrack = async ({ claims }) => {
  idClaims = claims;
  tracking?.dispose();
  tracking = autoTrackAttributed(
    kinesisAutoTrack,
    { enable: true, type: 'pageView', options: { streamName: 'auto-events', partitionKey: 'user-1', attributes: { app: 'shop' } } },
    { fetchAuthSession, Hub, timeoutMs: 2000 },
  );
  await tracking.ready;
};
/** Changes the ID token's claims as a sign-in or token refresh would, and says so on Hub. */
window.tokenChanged = async (claims) => {
  idClaims = claims;
  Hub.dispatch('auth', { event: 'tokenRefresh' });
  await new Promise((r) => setTimeout(r, 50));
};
window.navigate = (path) => history.pushState({}, '', path);

window.pureApi = async () => {
  const before = isReady();
  await ready;
  const token = `ja1|${APP_ID}|j-1|1|${nowS() + 60}|Spring sale`;
  return { before, after: isReady(), stamped: stampEvent({ name: 'p' }, token) };
};

/**
 * Per-call cost of Amplify's record, plain vs wrapped, network stubbed: the synchronous part
 * of each call (the wrapper reads the ID token per event; calls in one tick share the read).
 */
window.bench = async (n, rounds) => {
  idClaims = { 'custom:campaign': `ja1|${APP_ID}|j-1|1|${nowS() + 3600}|Bench` };
  const wrapped = wrapRecord(record, { fetchAuthSession });
  await wrapped({ name: 'bench_warmup' });
  const time = (fn) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i += 1) fn({ name: 'bench', attributes: { i: String(i) } });
    return ((performance.now() - t0) * 1e6) / n;
  };
  const plain = [];
  const wrap = [];
  for (let r = 0; r < rounds; r += 1) {
    plain.push(time(record));
    wrap.push(time(wrapped));
    await new Promise((res) => setTimeout(res, 50));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { plainNs: median(plain), wrappedNs: median(wrap) };
};

window.appReady = true;
