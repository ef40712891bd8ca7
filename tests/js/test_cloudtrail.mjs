// CloudTrail (awsJson 1.1, target "CloudTrail_20131101.<op>" from this SDK)
// through the JavaScript SDK v3.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { CloudTrailClient, LookupEventsCommand, paginateLookupEvents } from '@aws-sdk/client-cloudtrail';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';

import { Server } from './bulwark.mjs';

let server;
before(async () => {
	server = await Server.start();
});
after(async () => {
	await server?.stop();
});

test('CloudTrail LookupEvents finds the call just made', async () => {
	const iam = new IAMClient(server.config());
	const created = await iam.send(new CreateUserCommand({ UserName: 'js-traced' }));
	const ct = new CloudTrailClient(server.config());
	const out = await ct.send(
		new LookupEventsCommand({
			LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateUser' }],
			StartTime: new Date(Date.now() - 10 * 60 * 1000),
			EndTime: new Date(Date.now() + 60 * 1000),
		}),
	);
	assert.equal(out.$metadata.httpStatusCode, 200);
	const ev = out.Events.find((e) => JSON.parse(e.CloudTrailEvent).requestParameters?.userName === 'js-traced');
	assert.ok(ev, JSON.stringify(out.Events));
	assert.equal(ev.EventName, 'CreateUser');
	assert.equal(ev.EventSource, 'iam.amazonaws.com');
	assert.ok(ev.EventTime instanceof Date);
	const record = JSON.parse(ev.CloudTrailEvent);
	assert.equal(record.requestID, created.$metadata.requestId);
	assert.equal(record.recipientAccountId, server.accountId);
});

test('CloudTrail LookupEvents through the paginator', async () => {
	const iam = new IAMClient(server.config());
	for (const UserName of ['js-page-1', 'js-page-2', 'js-page-3'])
		await iam.send(new CreateUserCommand({ UserName }));
	const ct = new CloudTrailClient(server.config());
	const ids = new Set();
	let events = 0;
	let pages = 0;
	for await (const page of paginateLookupEvents({ client: ct, pageSize: 1 }, {})) {
		pages++;
		events += page.Events.length;
		for (const e of page.Events) ids.add(e.EventId);
		if (pages === 3) break;
	}
	assert.equal(pages, 3);
	assert.equal(events, 3);
	assert.equal(ids.size, 3, 'no event twice across pages');
});
