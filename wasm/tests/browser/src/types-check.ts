// Compile-only: the package's types as a TypeScript app sees them (tsc --noEmit, strict).
import {
  decodeToken,
  encodeToken,
  stampEvent,
  stampEventDetailed,
  wrapRecord,
  wrapKinesisRecord,
  wrapFirehoseRecord,
  autoTrackAttributed,
  captureLanding,
  clearLanding,
  stampDataDetailed,
  type AnalyticsEvent,
  type FailureReason,
  type StampStatus,
} from 'journey-attribution';
import { validateEvent, type Violation } from 'journey-attribution/validate';
import { identifyUser, record } from 'aws-amplify/analytics';
import { record as kinesisRecord, configureAutoTrack as kinesisAutoTrack } from 'aws-amplify/analytics/kinesis';
import { record as firehoseRecord } from 'aws-amplify/analytics/kinesis-firehose';
import { fetchAuthSession, fetchUserAttributes } from 'aws-amplify/auth';
import { Hub } from 'aws-amplify/utils';

const event = { name: 'purchase', attributes: { sku: 'a' }, immediate: true };
const stamped: typeof event = stampEvent(event, 'token');
const detailed = stampEventDetailed(event, null, Date.now());
const status: StampStatus = detailed.status;
const decoded = decodeToken('x');
if (decoded && !decoded.legacy) {
  const expires: number = decoded.expiresAt;
  const journey: string = decoded.journeyId;
  void expires, journey;
} else if (decoded) {
  const none: null = decoded.expiresAt;
  void none;
}
const token: string = encodeToken({ journeyId: 'j', label: 'l', touchedAt: 1, expiresAt: 1000 });
const problems: Violation[] = validateEvent({ name: 'x' });

const wrapped = wrapRecord(record, {
  fetchAuthSession,
  fetchUserAttributes,
  Hub,
  source: 'userAttributes',
  onError: (reason: FailureReason, error: unknown) => console.warn(reason, error),
});
void wrapped({ name: 'purchase', metrics: { revenue: 1 } });
wrapped.dispose();
const kinesis = wrapKinesisRecord((input: { streamName: string; data: Record<string, unknown> }) => void input, { fetchAuthSession });
void kinesis({ streamName: 's', data: { name: 'x' } });

// The README's identifyUser call (the endpoint carries the Cognito username for tagging).
const username = 'alice';
void identifyUser({ userId: username, userProfile: {}, options: { userAttributes: { username: [username] } } });
// @ts-expect-error: Amplify's types require userProfile (the README's earlier example)
void identifyUser({ userId: username, options: { userAttributes: { username: [username] } } });

// Amplify's real Kinesis and Firehose `record` (overloaded; Kinesis' partitionKey required).
const kinesisAttributed = wrapKinesisRecord(kinesisRecord, { fetchAuthSession, Hub });
void kinesisAttributed({ streamName: 'events', partitionKey: 'user-1', data: { name: 'purchase', attributes: { sku: 'a' } } });
void kinesisAttributed({ streamName: 'events', partitionKey: 'user-1', data: new Uint8Array([1, 2]) });
// @ts-expect-error: Amplify's Kinesis record needs a partitionKey
void kinesisAttributed({ streamName: 'events', data: { name: 'x' } });
const firehoseAttributed = wrapFirehoseRecord(firehoseRecord, { fetchAuthSession, Hub });
void firehoseAttributed({ streamName: 'delivery', data: { name: 'purchase' } });
const binaryReason: FailureReason = 'binary_data';

// Flat data, as Amplify's migration guide records it, and a forced shape.
void kinesisAttributed({ streamName: 'events', partitionKey: 'user-1', data: { name: 'albumVisit', genre: 'jazz', minutesListened: 30 } });
const flatOnly = wrapFirehoseRecord(firehoseRecord, { fetchAuthSession, dataShape: 'flat' });
void flatOnly({ streamName: 'delivery', data: { name: 'albumVisit', genre: 'jazz' } });
// @ts-expect-error: not a data shape
wrapFirehoseRecord(firehoseRecord, { fetchAuthSession, dataShape: 'deep' });
const flatStamp = stampDataDetailed({ name: 'albumVisit', genre: 'jazz' }, null);
const shape: 'nested' | 'flat' = flatStamp.shape;

// Landing links: the wrappers' options, captureLanding for routers.
const landed = wrapRecord(record, { fetchAuthSession, Hub, window: '7d', windows: 'app=1d', stripParams: true, clearOnSignOut: true });
void landed;
const capture = await captureLanding(undefined, { window: '30d' });
const capturedOk: boolean = capture.captured;
const ignoredError: Error | undefined = capture.ignored;
clearLanding();
const linkReason: FailureReason = 'invalid_link';
// @ts-expect-error: landing is a boolean
wrapRecord(record, { fetchAuthSession, landing: 'yes' });
// Which UTM links count: the app's own channels, or every one.
const channels = ['newsletter', 'in-app'] as const;
void wrapRecord(record, { fetchAuthSession, utmChannels: channels });
void wrapFirehoseRecord(firehoseRecord, { fetchAuthSession, anyUtm: true });
void captureLanding('/p?utm_medium=newsletter', { utmChannels: ['newsletter'], anyUtm: false });
// @ts-expect-error: utmChannels is a list
wrapRecord(record, { fetchAuthSession, utmChannels: 'email' });

// Auto-tracked page views through Amplify's real Kinesis configureAutoTrack (the README's).
const tracking = autoTrackAttributed(
  kinesisAutoTrack,
  { enable: true, type: 'pageView', options: { streamName: 'events', partitionKey: 'user-1', attributes: { app: 'shop' } } },
  { fetchAuthSession, Hub },
);
void tracking.ready.then(() => tracking.dispose());
// @ts-expect-error: Amplify's Kinesis auto-track needs its stream options' types
autoTrackAttributed(kinesisAutoTrack, { enable: true, type: 'pageView', options: { streamName: 1 } }, { fetchAuthSession });

// @ts-expect-error: the event needs a name
stampEvent({ attributes: {} }, null);
// @ts-expect-error: attributes are strings
stampEvent({ name: 'p', attributes: { n: 1 } }, null);
// @ts-expect-error: not a token source option
wrapRecord(record, { source: 'cookie' });
// @ts-expect-error: unknown failure reason
const bad: FailureReason = 'oops';

export const used: unknown[] = [stamped, status, token, problems, bad, binaryReason, shape, capturedOk, ignoredError, linkReason, {} as AnalyticsEvent];
