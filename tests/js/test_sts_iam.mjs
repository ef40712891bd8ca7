// STS and IAM (awsQuery) through the JavaScript SDK v3.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
	CreateUserCommand,
	GetUserCommand,
	IAMClient,
	ListUsersCommand,
	paginateListUsers,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

import { IMF_FIXDATE, Server } from './bulwark.mjs';

let server;
before(async () => {
	server = await Server.start();
});
after(async () => {
	await server?.stop();
});

test('STS GetCallerIdentity names the account root', async () => {
	const sts = new STSClient(server.config());
	const out = await sts.send(new GetCallerIdentityCommand({}));
	assert.equal(out.Account, server.accountId);
	assert.equal(out.Arn, `arn:aws:iam::${server.accountId}:root`);
	assert.equal(out.$metadata.httpStatusCode, 200);
	assert.ok(out.$metadata.requestId, 'the response names its request');
});

test('IAM CreateUser, GetUser and ListUsers through the paginator', async () => {
	const iam = new IAMClient(server.config());
	const names = ['js-alice', 'js-bob', 'js-carol', 'js-dave', 'js-erin'];
	for (const UserName of names) {
		const out = await iam.send(new CreateUserCommand({ UserName, Path: '/js/' }));
		assert.equal(out.User.UserName, UserName);
		assert.equal(out.User.Arn, `arn:aws:iam::${server.accountId}:user/js/${UserName}`);
		assert.ok(out.User.CreateDate instanceof Date);
	}
	const got = await iam.send(new GetUserCommand({ UserName: 'js-carol' }));
	assert.equal(got.User.UserName, 'js-carol');
	assert.equal(got.User.Path, '/js/');
	assert.match(got.User.UserId, /^AIDA[A-Z0-9]{16,}$/);

	const seen = [];
	let pages = 0;
	for await (const page of paginateListUsers({ client: iam, pageSize: 2 }, { PathPrefix: '/js/' })) {
		pages++;
		assert.ok(page.Users.length <= 2, 'MaxItems is honoured');
		seen.push(...page.Users.map((u) => u.UserName));
	}
	assert.equal(pages, 3);
	assert.deepEqual(seen.sort(), names);

	const first = await iam.send(new ListUsersCommand({ PathPrefix: '/js/', MaxItems: 2 }));
	assert.equal(first.IsTruncated, true);
	assert.ok(first.Marker);
});

test('IAM GetUser of no user is NoSuchEntity, 404', async () => {
	const iam = new IAMClient(server.config());
	await assert.rejects(iam.send(new GetUserCommand({ UserName: 'js-nobody' })), (err) => {
		assert.equal(err.name, 'NoSuchEntityException');
		assert.equal(err.$metadata.httpStatusCode, 404);
		assert.equal(err.message, 'The user with name js-nobody cannot be found.');
		assert.match(err.$response.headers.date, IMF_FIXDATE);
		return true;
	});
});
