// IAM (awsQuery) identities through the JavaScript SDK v3: users, access
// keys, groups and membership, user tags, the account's alias and summary.
// The permission operations (policies, roles, boundaries, instance profiles)
// are test_iam_policies_all.mjs. Each flow asserts the values round-trip, a
// key works or stops working for real, and errors arrive with the name and
// HTTP status the SDK maps (NoSuchEntityException 404, EntityAlreadyExists
// 409, DeleteConflict 409, LimitExceeded 409, ValidationError 400).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
	AddUserToGroupCommand,
	CreateAccessKeyCommand,
	CreateAccountAliasCommand,
	CreateGroupCommand,
	CreateUserCommand,
	DeleteAccessKeyCommand,
	DeleteAccountAliasCommand,
	DeleteGroupCommand,
	DeleteUserCommand,
	GetAccessKeyLastUsedCommand,
	GetAccountSummaryCommand,
	GetGroupCommand,
	GetUserCommand,
	IAMClient,
	ListAccessKeysCommand,
	ListAccountAliasesCommand,
	ListGroupsCommand,
	ListGroupsForUserCommand,
	ListUserTagsCommand,
	ListUsersCommand,
	PutGroupPolicyCommand,
	RemoveUserFromGroupCommand,
	TagUserCommand,
	UntagUserCommand,
	UpdateAccessKeyCommand,
	UpdateGroupCommand,
	UpdateUserCommand,
	paginateGetGroup,
	paginateListGroups,
	paginateListUserTags,
	paginateListUsers,
	waitUntilUserExists,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

import { Server } from './bulwark.mjs';

let server;
let iam;
before(async () => {
	server = await Server.start();
	iam = new IAMClient(server.config());
});
after(async () => {
	await server?.stop();
});

function iamError(name, status) {
	return (err) => {
		assert.equal(err.name, name, `${err.name}: ${err.message}`);
		assert.equal(err.$fault, 'client');
		assert.equal(err.$metadata.httpStatusCode, status);
		assert.ok(err.$metadata.requestId);
		return true;
	};
}

test('users: create, get, rename and move, list through the paginator, delete', async () => {
	const made = (await iam.send(new CreateUserCommand({ UserName: 'js-u1', Path: '/team/', Tags: [{ Key: 'k', Value: 'v' }] }))).User;
	assert.equal(made.Arn, `arn:aws:iam::${server.accountId}:user/team/js-u1`);
	assert.match(made.UserId, /^AIDA[A-Z0-9]{16,}$/);
	assert.deepEqual(made.Tags, [{ Key: 'k', Value: 'v' }]);
	await assert.rejects(iam.send(new CreateUserCommand({ UserName: 'JS-U1' })), iamError('EntityAlreadyExistsException', 409));
	await assert.rejects(iam.send(new CreateUserCommand({ UserName: 'bad name!' })), iamError('ValidationError', 400));

	await iam.send(new UpdateUserCommand({ UserName: 'js-u1', NewUserName: 'js-u1b', NewPath: '/moved/' }));
	const got = (await iam.send(new GetUserCommand({ UserName: 'js-u1b' }))).User;
	assert.equal(got.UserId, made.UserId, 'a rename keeps the unique id');
	assert.equal(got.Arn, `arn:aws:iam::${server.accountId}:user/moved/js-u1b`);
	assert.ok(got.CreateDate instanceof Date);
	await assert.rejects(iam.send(new GetUserCommand({ UserName: 'js-u1' })), iamError('NoSuchEntityException', 404));

	const names = ['js-u1b'];
	for (let i = 0; i < 4; i++) {
		await iam.send(new CreateUserCommand({ UserName: `js-p${i}`, Path: '/moved/' }));
		names.push(`js-p${i}`);
	}
	const seen = [];
	let pages = 0;
	for await (const page of paginateListUsers({ client: iam, pageSize: 2 }, { PathPrefix: '/moved/' })) {
		pages++;
		seen.push(...page.Users.map((u) => u.UserName));
	}
	assert.equal(pages, 3);
	assert.deepEqual(seen.sort(), names.sort());
	const all = await iam.send(new ListUsersCommand({}));
	assert.equal(all.IsTruncated, false);
	assert.ok(all.Users.length >= 5);

	// the SDK's waiter sees the user at once, and times out on one that is not
	const waited = await waitUntilUserExists({ client: iam, maxWaitTime: 5 }, { UserName: 'js-u1b' });
	assert.equal(waited.state, 'SUCCESS');
	await assert.rejects(waitUntilUserExists({ client: iam, minDelay: 1, maxWaitTime: 2 }, { UserName: 'js-u1' }), (err) => {
		assert.equal(err.name, 'TimeoutError');
		assert.equal(JSON.parse(err.message).state, 'TIMEOUT');
		return true;
	});

	await iam.send(new DeleteUserCommand({ UserName: 'js-u1b' }));
	await assert.rejects(iam.send(new DeleteUserCommand({ UserName: 'js-u1b' })), iamError('NoSuchEntityException', 404));
	// the root's GetUser names the root
	const root = (await iam.send(new GetUserCommand({}))).User;
	assert.equal(root.Arn, `arn:aws:iam::${server.accountId}:root`);
});

test('user tags: tag, list through the paginator, untag', async () => {
	await iam.send(new CreateUserCommand({ UserName: 'js-tagged' }));
	await iam.send(
		new TagUserCommand({
			UserName: 'js-tagged',
			Tags: [
				{ Key: 'team', Value: 'blue' },
				{ Key: 'env', Value: 'prod' },
				{ Key: 'cost', Value: '42' },
			],
		}),
	);
	const tags = [];
	for await (const page of paginateListUserTags({ client: iam, pageSize: 2 }, { UserName: 'js-tagged' })) tags.push(...page.Tags);
	assert.deepEqual(Object.fromEntries(tags.map((t) => [t.Key, t.Value])), { team: 'blue', env: 'prod', cost: '42' });
	await iam.send(new UntagUserCommand({ UserName: 'js-tagged', TagKeys: ['env', 'cost'] }));
	const left = await iam.send(new ListUserTagsCommand({ UserName: 'js-tagged' }));
	assert.deepEqual(left.Tags, [{ Key: 'team', Value: 'blue' }]);
	assert.equal(left.IsTruncated, false);
	await assert.rejects(
		iam.send(new TagUserCommand({ UserName: 'js-tagged', Tags: [{ Key: 'aws:reserved', Value: 'x' }] })),
		iamError('InvalidInputException', 400),
	);
});

test('access keys: at most two, used, last used, made inactive (refused), deleted', async () => {
	const user = (await iam.send(new CreateUserCommand({ UserName: 'js-keys' }))).User;
	const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'js-keys' }))).AccessKey;
	assert.match(k.AccessKeyId, /^AKIA[A-Z2-7]{16}$/);
	assert.equal(k.SecretAccessKey.length, 40);
	assert.equal(k.Status, 'Active');
	assert.equal(k.UserName, 'js-keys');
	const k2 = (await iam.send(new CreateAccessKeyCommand({ UserName: 'js-keys' }))).AccessKey;
	await assert.rejects(
		iam.send(new CreateAccessKeyCommand({ UserName: 'js-keys' })),
		(err) => iamError('LimitExceededException', 409)(err) && err.message === 'Cannot exceed quota for AccessKeysPerUser: 2',
	);
	const meta = (await iam.send(new ListAccessKeysCommand({ UserName: 'js-keys' }))).AccessKeyMetadata;
	assert.deepEqual(meta.map((m) => m.AccessKeyId).sort(), [k.AccessKeyId, k2.AccessKeyId].sort());
	assert.ok(meta.every((m) => m.SecretAccessKey === undefined && m.Status === 'Active'));

	const sts = new STSClient(server.config({ credentials: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey } }));
	assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, user.Arn);
	// the use is recorded (give a deferred write a moment)
	let last;
	for (let i = 0; i < 20; i++) {
		last = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId }));
		if (last.AccessKeyLastUsed.LastUsedDate) break;
		await new Promise((done) => setTimeout(done, 100));
	}
	assert.equal(last.UserName, 'js-keys');
	assert.ok(last.AccessKeyLastUsed.LastUsedDate instanceof Date, JSON.stringify(last));
	assert.equal(last.AccessKeyLastUsed.ServiceName, 'sts');
	assert.equal(last.AccessKeyLastUsed.Region, 'us-east-1');
	const unused = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k2.AccessKeyId }));
	assert.deepEqual(unused.AccessKeyLastUsed, { ServiceName: 'N/A', Region: 'N/A' });

	await iam.send(new UpdateAccessKeyCommand({ UserName: 'js-keys', AccessKeyId: k.AccessKeyId, Status: 'Inactive' }));
	const statuses = Object.fromEntries(
		(await iam.send(new ListAccessKeysCommand({ UserName: 'js-keys' }))).AccessKeyMetadata.map((m) => [m.AccessKeyId, m.Status]),
	);
	assert.equal(statuses[k.AccessKeyId], 'Inactive');
	await assert.rejects(sts.send(new GetCallerIdentityCommand({})), (err) => err.$metadata.httpStatusCode === 403);

	await iam.send(new DeleteAccessKeyCommand({ UserName: 'js-keys', AccessKeyId: k.AccessKeyId }));
	await assert.rejects(
		iam.send(new DeleteAccessKeyCommand({ UserName: 'js-keys', AccessKeyId: k.AccessKeyId })),
		iamError('NoSuchEntityException', 404),
	);
	// a user with a key cannot be deleted
	await assert.rejects(iam.send(new DeleteUserCommand({ UserName: 'js-keys' })), iamError('DeleteConflictException', 409));
	await iam.send(new DeleteAccessKeyCommand({ UserName: 'js-keys', AccessKeyId: k2.AccessKeyId }));
	await iam.send(new DeleteUserCommand({ UserName: 'js-keys' }));
});

test('groups: members get the group policy; rename, list, remove, delete', async () => {
	await iam.send(new CreateUserCommand({ UserName: 'js-member' }));
	const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'js-member' }))).AccessKey;
	const member = new IAMClient(server.config({ credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey } }));
	const g = (await iam.send(new CreateGroupCommand({ GroupName: 'js-readers', Path: '/js/' }))).Group;
	assert.equal(g.Arn, `arn:aws:iam::${server.accountId}:group/js/js-readers`);
	assert.match(g.GroupId, /^AGPA/);
	await assert.rejects(iam.send(new CreateGroupCommand({ GroupName: 'js-readers' })), iamError('EntityAlreadyExistsException', 409));
	await iam.send(
		new PutGroupPolicyCommand({
			GroupName: 'js-readers',
			PolicyName: 'list',
			PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:ListGroups', Resource: '*' }] }),
		}),
	);
	await assert.rejects(member.send(new ListGroupsCommand({})), iamError('AccessDenied', 403));
	await iam.send(new AddUserToGroupCommand({ GroupName: 'js-readers', UserName: 'js-member' }));
	const listed = await member.send(new ListGroupsCommand({ PathPrefix: '/js/' }));
	assert.deepEqual(listed.Groups.map((x) => x.GroupName), ['js-readers']);

	const got = await iam.send(new GetGroupCommand({ GroupName: 'js-readers' }));
	assert.equal(got.Group.GroupId, g.GroupId);
	assert.deepEqual(got.Users.map((u) => u.UserName), ['js-member']);
	const forUser = await iam.send(new ListGroupsForUserCommand({ UserName: 'js-member' }));
	assert.deepEqual(forUser.Groups.map((x) => x.GroupName), ['js-readers']);

	for (const n of ['js-m1', 'js-m2']) {
		await iam.send(new CreateUserCommand({ UserName: n }));
		await iam.send(new AddUserToGroupCommand({ GroupName: 'js-readers', UserName: n }));
	}
	const members = [];
	for await (const page of paginateGetGroup({ client: iam, pageSize: 1 }, { GroupName: 'js-readers' }))
		members.push(...page.Users.map((u) => u.UserName));
	assert.deepEqual(members.sort(), ['js-m1', 'js-m2', 'js-member']);
	for (let i = 0; i < 3; i++) await iam.send(new CreateGroupCommand({ GroupName: `js-g${i}`, Path: '/js/' }));
	const groups = [];
	for await (const page of paginateListGroups({ client: iam, pageSize: 2 }, { PathPrefix: '/js/' })) groups.push(...page.Groups.map((x) => x.GroupName));
	assert.deepEqual(groups.sort(), ['js-g0', 'js-g1', 'js-g2', 'js-readers']);

	await iam.send(new UpdateGroupCommand({ GroupName: 'js-readers', NewGroupName: 'js-viewers' }));
	const renamed = await iam.send(new GetGroupCommand({ GroupName: 'js-viewers' }));
	assert.equal(renamed.Group.GroupId, g.GroupId);
	assert.equal(renamed.Users.length, 3);

	await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'js-viewers', UserName: 'js-member' }));
	await assert.rejects(member.send(new ListGroupsCommand({})), iamError('AccessDenied', 403));
	await assert.rejects(
		iam.send(new RemoveUserFromGroupCommand({ GroupName: 'js-viewers', UserName: 'js-member' })),
		iamError('NoSuchEntityException', 404),
	);
	// members and an inline policy keep it
	await assert.rejects(iam.send(new DeleteGroupCommand({ GroupName: 'js-viewers' })), iamError('DeleteConflictException', 409));
	await iam.send(new DeleteGroupCommand({ GroupName: 'js-g0' }));
	await assert.rejects(iam.send(new GetGroupCommand({ GroupName: 'js-g0' })), iamError('NoSuchEntityException', 404));
});

test('account: alias and summary', async () => {
	const before = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap;
	await iam.send(new CreateUserCommand({ UserName: 'js-counted' }));
	await iam.send(new CreateGroupCommand({ GroupName: 'js-counted' }));
	const now = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap;
	assert.equal(now.Users, before.Users + 1);
	assert.equal(now.Groups, before.Groups + 1);
	assert.equal(now.AccessKeysPerUserQuota, 2);
	assert.equal(typeof now.Roles, 'number');

	assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, []);
	await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'js-bulwark' }));
	assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, ['js-bulwark']);
	await assert.rejects(iam.send(new CreateAccountAliasCommand({ AccountAlias: 'js-other' })), iamError('EntityAlreadyExistsException', 409));
	await iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'js-bulwark' }));
	assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, []);
	await assert.rejects(iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'js-bulwark' })), iamError('NoSuchEntityException', 404));
	await assert.rejects(iam.send(new CreateAccountAliasCommand({ AccountAlias: 'Bad_Alias' })), iamError('ValidationError', 400));
});
