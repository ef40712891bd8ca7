// CloudTrail through the JavaScript SDK v3: every operation bulwark
// implements — trails (life cycle, logging, event selectors, tags, delivered
// and signed log files), CloudTrail Lake (event data stores and SQL
// queries) and LookupEvents — with the SDK's paginators, and errors
// arriving with the name, $fault and status the SDK maps. The server
// delivers every 2 s and digests every 4 s, so the delivered digest's
// signature is checked in node with the key ListPublicKeys returns.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';

import {
	AddTagsCommand,
	CancelQueryCommand,
	CloudTrailClient,
	CreateEventDataStoreCommand,
	CreateTrailCommand,
	DeleteEventDataStoreCommand,
	DeleteTrailCommand,
	DescribeQueryCommand,
	DescribeTrailsCommand,
	GetEventDataStoreCommand,
	GetEventSelectorsCommand,
	GetQueryResultsCommand,
	GetTrailCommand,
	GetTrailStatusCommand,
	ListEventDataStoresCommand,
	ListPublicKeysCommand,
	ListQueriesCommand,
	ListTagsCommand,
	ListTrailsCommand,
	LookupEventsCommand,
	PutEventSelectorsCommand,
	RemoveTagsCommand,
	StartLoggingCommand,
	StartQueryCommand,
	StopLoggingCommand,
	UpdateTrailCommand,
	paginateGetQueryResults,
	paginateListTrails,
	paginateLookupEvents,
} from '@aws-sdk/client-cloudtrail';
import { CreateKeyCommand, DisableKeyCommand, GenerateRandomCommand, KMSClient } from '@aws-sdk/client-kms';

import { REGION, Server } from './bulwark.mjs';

let server;
let ct;
let kms;
before(async () => {
	server = await Server.start('--trail-delivery-interval-s', '2', '--trail-digest-interval-s', '4');
	ct = new CloudTrailClient(server.config());
	kms = new KMSClient(server.config());
});
after(async () => {
	await server?.stop();
});

const trailArn = (name) => `arn:aws:cloudtrail:${REGION}:${server.accountId}:trail/${name}`;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

function ctError(name) {
	return (err) => {
		assert.equal(err.name, name, `${err.name}: ${err.message}`);
		assert.equal(err.$fault, 'client');
		assert.equal(err.$metadata.httpStatusCode, 400);
		assert.ok(err.$metadata.requestId);
		return true;
	};
}

test('trails: create, get, describe, list through the paginator, update, delete', async () => {
	const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata;
	const made = await ct.send(
		new CreateTrailCommand({
			Name: 'js-life',
			S3BucketName: 'audit-logs',
			S3KeyPrefix: 'p1',
			EnableLogFileValidation: true,
			KmsKeyId: key.KeyId,
			TagsList: [{ Key: 'team', Value: 'sec' }],
		}),
	);
	assert.equal(made.TrailARN, trailArn('js-life'));
	assert.equal(made.S3KeyPrefix, 'p1');
	assert.equal(made.LogFileValidationEnabled, true);
	assert.equal(made.KmsKeyId, key.Arn);
	assert.equal(made.IncludeGlobalServiceEvents, true);
	await assert.rejects(ct.send(new CreateTrailCommand({ Name: 'js-life', S3BucketName: 'audit-logs' })), ctError('TrailAlreadyExistsException'));
	await assert.rejects(ct.send(new CreateTrailCommand({ Name: 'a..b', S3BucketName: 'audit-logs' })), ctError('InvalidTrailNameException'));

	const trail = (await ct.send(new GetTrailCommand({ Name: trailArn('js-life') }))).Trail;
	assert.equal(trail.Name, 'js-life');
	assert.equal(trail.HomeRegion, REGION);
	assert.equal(trail.HasCustomEventSelectors, false);
	const described = await ct.send(new DescribeTrailsCommand({ trailNameList: ['js-life', 'js-nope'] }));
	assert.deepEqual(described.trailList.map((t) => t.Name), ['js-life']);

	for (const n of ['js-t2', 'js-t3']) await ct.send(new CreateTrailCommand({ Name: n, S3BucketName: 'audit-logs' }));
	const listed = [];
	for await (const page of paginateListTrails({ client: ct }, {})) listed.push(...page.Trails);
	assert.deepEqual(listed.map((t) => t.Name).sort(), ['js-life', 'js-t2', 'js-t3']);
	assert.deepEqual(listed.find((t) => t.Name === 'js-t2'), { TrailARN: trailArn('js-t2'), Name: 'js-t2', HomeRegion: REGION });
	assert.equal((await ct.send(new ListTrailsCommand({}))).Trails.length, 3);

	const up = await ct.send(new UpdateTrailCommand({ Name: 'js-life', S3KeyPrefix: 'p2', IsMultiRegionTrail: true, EnableLogFileValidation: false }));
	assert.equal(up.S3KeyPrefix, 'p2');
	assert.equal(up.IsMultiRegionTrail, true);
	assert.equal(up.LogFileValidationEnabled, false);
	assert.equal((await ct.send(new GetTrailCommand({ Name: 'js-life' }))).Trail.S3KeyPrefix, 'p2');

	for (const n of ['js-life', 'js-t2', 'js-t3']) await ct.send(new DeleteTrailCommand({ Name: n }));
	await assert.rejects(ct.send(new GetTrailCommand({ Name: 'js-life' })), ctError('TrailNotFoundException'));
	await assert.rejects(ct.send(new DeleteTrailCommand({ Name: 'js-life' })), ctError('TrailNotFoundException'));
});

test('trails: event selectors, basic and advanced', async () => {
	await ct.send(new CreateTrailCommand({ Name: 'js-sel', S3BucketName: 'audit-logs' }));
	const dflt = await ct.send(new GetEventSelectorsCommand({ TrailName: 'js-sel' }));
	assert.deepEqual(dflt.EventSelectors, [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }]);
	const put = await ct.send(
		new PutEventSelectorsCommand({ TrailName: 'js-sel', EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] }),
	);
	assert.equal(put.TrailARN, trailArn('js-sel'));
	assert.equal(put.EventSelectors[0].ReadWriteType, 'WriteOnly');
	assert.equal((await ct.send(new GetTrailCommand({ Name: 'js-sel' }))).Trail.HasCustomEventSelectors, true);
	const adv = [
		{
			Name: 'kms writes',
			FieldSelectors: [
				{ Field: 'eventCategory', Equals: ['Management'] },
				{ Field: 'eventSource', Equals: ['kms.amazonaws.com'] },
				{ Field: 'readOnly', Equals: ['false'] },
			],
		},
	];
	await ct.send(new PutEventSelectorsCommand({ TrailName: 'js-sel', AdvancedEventSelectors: adv }));
	const got = await ct.send(new GetEventSelectorsCommand({ TrailName: trailArn('js-sel') }));
	assert.deepEqual(got.AdvancedEventSelectors, adv);
	assert.equal(got.EventSelectors, undefined);
	await assert.rejects(
		ct.send(new PutEventSelectorsCommand({ TrailName: 'js-sel', AdvancedEventSelectors: adv, EventSelectors: [{ ReadWriteType: 'All' }] })),
		ctError('InvalidEventSelectorsException'),
	);
	await ct.send(new DeleteTrailCommand({ Name: 'js-sel' }));
});

test('trails: tags added, listed, removed', async () => {
	const arn = (await ct.send(new CreateTrailCommand({ Name: 'js-tags', S3BucketName: 'audit-logs', TagsList: [{ Key: 'a', Value: '1' }] }))).TrailARN;
	await ct.send(new AddTagsCommand({ ResourceId: arn, TagsList: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '3' }] }));
	const listed = (await ct.send(new ListTagsCommand({ ResourceIdList: [arn] }))).ResourceTagList;
	assert.equal(listed[0].ResourceId, arn);
	assert.deepEqual(
		listed[0].TagsList.map((t) => [t.Key, t.Value]).sort(),
		[
			['a', '3'],
			['b', '2'],
		],
	);
	await ct.send(new RemoveTagsCommand({ ResourceId: arn, TagsList: [{ Key: 'a' }] }));
	assert.deepEqual((await ct.send(new ListTagsCommand({ ResourceIdList: [arn] }))).ResourceTagList[0].TagsList, [{ Key: 'b', Value: '2' }]);
	await assert.rejects(ct.send(new AddTagsCommand({ ResourceId: trailArn('js-none'), TagsList: [{ Key: 'a' }] })), ctError('ResourceNotFoundException'));
	// the trail's events name it with CloudTrail's own type spelling
	let ev;
	for (let i = 0; i < 50 && !ev; i++) {
		const out = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceType', AttributeValue: 'AWS::CloudTrail::Trail' }] }));
		ev = out.Events.find((e) => e.EventName === 'RemoveTags');
		if (!ev) await sleep(100);
	}
	assert.ok(ev, 'RemoveTags found by its resource type');
	assert.deepEqual(ev.Resources, [{ ResourceType: 'AWS::CloudTrail::Trail', ResourceName: arn }]);
	await ct.send(new DeleteTrailCommand({ Name: arn }));
});

// The newest file under dir (recursively) whose name ends with suffix.
function newest(dir, suffix) {
	let best = null;
	const walk = (d) => {
		for (const f of readdirSync(d)) {
			const p = join(d, f);
			const st = statSync(p);
			if (st.isDirectory()) walk(p);
			else if (p.endsWith(suffix) && (!best || p > best)) best = p;
		}
	};
	walk(dir);
	return best;
}

test('trails: logging delivers the calls; the digest verifies with ListPublicKeys key', async () => {
	await ct.send(new CreateTrailCommand({ Name: 'js-log', S3BucketName: 'js-delivered', EnableLogFileValidation: true }));
	assert.equal((await ct.send(new GetTrailStatusCommand({ Name: 'js-log' }))).IsLogging, false);
	await ct.send(new StartLoggingCommand({ Name: 'js-log' }));
	const started = await ct.send(new GetTrailStatusCommand({ Name: 'js-log' }));
	assert.equal(started.IsLogging, true);
	assert.ok(started.StartLoggingTime instanceof Date);
	const marker = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 8 }));

	// a digest delivered after a log file that holds the marker call
	let st;
	const deadline = Date.now() + 30_000;
	for (;;) {
		st = await ct.send(new GetTrailStatusCommand({ Name: 'js-log' }));
		if (st.LatestDigestDeliveryTime && st.LatestDeliveryTime && st.LatestDigestDeliveryTime >= st.LatestDeliveryTime) break;
		assert.ok(Date.now() < deadline, JSON.stringify(st));
		await sleep(500);
	}
	await ct.send(new StopLoggingCommand({ Name: 'js-log' }));
	const stopped = await ct.send(new GetTrailStatusCommand({ Name: 'js-log' }));
	assert.equal(stopped.IsLogging, false);
	assert.ok(stopped.StopLoggingTime instanceof Date);

	const root = join(server.dataDir, 'trail-delivery', 'js-delivered', 'AWSLogs', server.accountId);
	const records = [];
	const walk = (d) => {
		for (const f of readdirSync(d)) {
			const p = join(d, f);
			if (statSync(p).isDirectory()) walk(p);
			else if (p.endsWith('.json.gz')) records.push(...JSON.parse(gunzipSync(readFileSync(p))).Records);
		}
	};
	walk(join(root, 'CloudTrail'));
	assert.ok(
		records.some((r) => r.eventName === 'GenerateRandom' && r.requestID === marker.$metadata.requestId),
		'the delivered logs hold the call',
	);

	const digestPath = newest(join(root, 'CloudTrail-Digest'), '.json.gz');
	assert.ok(digestPath);
	const content = gunzipSync(readFileSync(digestPath));
	const digest = JSON.parse(content);
	const signature = Buffer.from(JSON.parse(readFileSync(digestPath + '.metadata.json', 'utf8')).signature, 'hex');
	const keys = (await ct.send(new ListPublicKeysCommand({ StartTime: new Date('2000-01-01T00:00:00Z') }))).PublicKeyList;
	const key = keys.find((k) => k.Fingerprint === digest.digestPublicKeyFingerprint);
	assert.ok(key, JSON.stringify(keys));
	assert.ok(key.ValidityStartTime instanceof Date);
	assert.equal(crypto.createHash('md5').update(key.Value).digest('hex'), key.Fingerprint);
	const signed = [
		digest.digestEndTime,
		`${digest.digestS3Bucket}/${digest.digestS3Object}`,
		crypto.createHash('sha256').update(content).digest('hex'),
		digest.previousDigestSignature || 'null',
	].join('\n');
	const pub = crypto.createPublicKey({ key: Buffer.from(key.Value), format: 'der', type: 'spki' });
	assert.ok(crypto.verify('sha256', Buffer.from(signed), pub, signature), 'the digest signature verifies');
	await assert.rejects(
		ct.send(new ListPublicKeysCommand({ StartTime: new Date('2030-01-01T00:00:00Z'), EndTime: new Date('2020-01-01T00:00:00Z') })),
		ctError('InvalidTimeRangeException'),
	);
	await assert.rejects(ct.send(new StartLoggingCommand({ Name: 'js-missing' })), ctError('TrailNotFoundException'));
	await ct.send(new DeleteTrailCommand({ Name: 'js-log' }));
});

test('lake: an event data store, SQL over the calls, paged results, deletion', async () => {
	const eds = await ct.send(new CreateEventDataStoreCommand({ Name: 'js-lake', RetentionPeriod: 30, TerminationProtectionEnabled: false }));
	assert.match(eds.EventDataStoreArn, /^arn:aws:cloudtrail:us-east-1:\d{12}:eventdatastore\/[0-9a-f-]{36}$/);
	assert.equal(eds.Status, 'ENABLED');
	const id = eds.EventDataStoreArn.split('/').pop();
	await assert.rejects(ct.send(new CreateEventDataStoreCommand({ Name: 'js-lake' })), ctError('EventDataStoreAlreadyExistsException'));
	const got = await ct.send(new GetEventDataStoreCommand({ EventDataStore: id }));
	assert.equal(got.Name, 'js-lake');
	assert.equal(got.RetentionPeriod, 30);
	assert.equal(got.EventDataStoreArn, eds.EventDataStoreArn);
	const stores = (await ct.send(new ListEventDataStoresCommand({}))).EventDataStores;
	assert.ok(stores.some((s) => s.EventDataStoreArn === eds.EventDataStoreArn));

	const calls = [];
	for (let i = 0; i < 3; i++) calls.push((await kms.send(new GenerateRandomCommand({ NumberOfBytes: 4 }))).$metadata.requestId);
	const sql = `SELECT requestID, eventName FROM ${id} WHERE eventName = 'GenerateRandom' AND eventSource = 'kms.amazonaws.com'`;
	// the event log may lag its calls a moment
	let qid;
	let res;
	const deadline = Date.now() + 10_000;
	for (;;) {
		qid = (await ct.send(new StartQueryCommand({ QueryStatement: sql }))).QueryId;
		res = await ct.send(new GetQueryResultsCommand({ QueryId: qid }));
		assert.equal(res.QueryStatus, 'FINISHED');
		const seen = new Set(res.QueryResultRows.map((row) => Object.assign({}, ...row).requestID));
		if (calls.every((c) => seen.has(c))) break;
		assert.ok(Date.now() < deadline, JSON.stringify(res.QueryResultRows));
		await sleep(200);
	}
	const total = res.QueryStatistics.TotalResultsCount;
	assert.ok(total >= 3);
	const rows = [];
	let pages = 0;
	// this paginator has no page size member: MaxQueryResults is the input's
	for await (const page of paginateGetQueryResults({ client: ct }, { QueryId: qid, MaxQueryResults: 2 })) {
		pages++;
		assert.ok(page.QueryResultRows.length <= 2);
		rows.push(...page.QueryResultRows);
	}
	assert.equal(rows.length, total);
	assert.equal(pages, Math.ceil(total / 2));

	const d = await ct.send(new DescribeQueryCommand({ QueryId: qid }));
	assert.equal(d.QueryStatus, 'FINISHED');
	assert.equal(d.QueryString, sql);
	assert.equal(d.QueryStatistics.EventsMatched, total);
	const queries = (await ct.send(new ListQueriesCommand({ EventDataStore: eds.EventDataStoreArn }))).Queries;
	assert.ok(queries.some((q) => q.QueryId === qid && q.QueryStatus === 'FINISHED'));
	await assert.rejects(ct.send(new CancelQueryCommand({ QueryId: qid, EventDataStore: id })), ctError('InactiveQueryException'));
	await assert.rejects(ct.send(new StartQueryCommand({ QueryStatement: `DELETE FROM ${id}` })), ctError('InvalidQueryStatementException'));
	await assert.rejects(
		ct.send(new GetQueryResultsCommand({ QueryId: '00000000-0000-4000-8000-000000000000' })),
		ctError('QueryIdNotFoundException'),
	);

	await ct.send(new DeleteEventDataStoreCommand({ EventDataStore: eds.EventDataStoreArn }));
	assert.equal((await ct.send(new GetEventDataStoreCommand({ EventDataStore: id }))).Status, 'PENDING_DELETION');
	await assert.rejects(ct.send(new StartQueryCommand({ QueryStatement: sql })), ctError('InactiveEventDataStoreException'));
	await assert.rejects(
		ct.send(new GetEventDataStoreCommand({ EventDataStore: '00000000-0000-4000-8000-000000000000' })),
		ctError('EventDataStoreNotFoundException'),
	);
});

test('LookupEvents: by attribute, in a time window, through the paginator', async () => {
	const key = (await kms.send(new CreateKeyCommand({ Description: 'js-lookup' }))).KeyMetadata;
	const disabled = await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
	const window = { StartTime: new Date(Date.now() - 600_000), EndTime: new Date(Date.now() + 60_000) };
	let ev;
	const deadline = Date.now() + 10_000;
	while (!ev) {
		const out = await ct.send(
			new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: key.Arn }], ...window }),
		);
		ev = out.Events.find((e) => e.EventName === 'DisableKey');
		if (!ev) {
			assert.ok(Date.now() < deadline, JSON.stringify(out.Events));
			await sleep(200);
		}
	}
	assert.equal(ev.EventSource, 'kms.amazonaws.com');
	assert.equal(ev.ReadOnly, 'false');
	assert.deepEqual(ev.Resources, [{ ResourceType: 'AWS::KMS::Key', ResourceName: key.Arn }]);
	assert.equal(ev.Username, 'root');
	const record = JSON.parse(ev.CloudTrailEvent);
	assert.equal(record.requestID, disabled.$metadata.requestId);
	assert.equal(record.requestParameters.keyId, key.KeyId);

	const ids = new Set();
	let pages = 0;
	for await (const page of paginateLookupEvents(
		{ client: ct, pageSize: 2 },
		{ LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'kms.amazonaws.com' }], ...window },
	)) {
		pages++;
		for (const e of page.Events) {
			assert.equal(e.EventSource, 'kms.amazonaws.com');
			ids.add(e.EventId);
		}
	}
	assert.ok(pages >= 2);
	assert.ok(ids.size >= 3);
	await assert.rejects(
		ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'x' }, { AttributeKey: 'Username', AttributeValue: 'y' }] })),
		ctError('InvalidLookupAttributesException'),
	);
	await assert.rejects(
		ct.send(new LookupEventsCommand({ StartTime: new Date(Date.now()), EndTime: new Date(Date.now() - 3_600_000) })),
		ctError('InvalidTimeRangeException'),
	);
});
