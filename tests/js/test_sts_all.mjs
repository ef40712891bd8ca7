// STS (awsQuery) through the JavaScript SDK v3: every operation bulwark
// implements. The SDK signs with the temporary credentials each call hands
// out, so each flow checks that the credentials work, who they are
// (GetCallerIdentity) and what they may do, and that refusals arrive with
// the names and statuses the SDK maps (AccessDenied 403, ValidationError 400).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
	CreateAccessKeyCommand,
	CreateRoleCommand,
	CreateUserCommand,
	IAMClient,
	PutRolePolicyCommand,
	PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient, ListAliasesCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import {
	AssumeRoleCommand,
	AssumeRoleWithWebIdentityCommand,
	DecodeAuthorizationMessageCommand,
	GetAccessKeyInfoCommand,
	GetCallerIdentityCommand,
	GetFederationTokenCommand,
	GetSessionTokenCommand,
	STSClient,
} from '@aws-sdk/client-sts';

import { Server } from './bulwark.mjs';

let server;
let iam;
let sts;
before(async () => {
	server = await Server.start();
	iam = new IAMClient(server.config());
	sts = new STSClient(server.config());
});
after(async () => {
	await server?.stop();
});

const doc = (...Statement) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action, Resource = '*') => ({ Effect: 'Allow', Action, Resource });

// A user with an access key and an inline policy of the given statements.
async function userWith(name, ...statements) {
	const user = (await iam.send(new CreateUserCommand({ UserName: name }))).User;
	const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey;
	if (statements.length)
		await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
	return { user, credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey } };
}

const asCreds = (c) => ({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken });

function checkCredentials(c, seconds) {
	assert.match(c.AccessKeyId, /^ASIA[A-Z0-9]{16}$/);
	assert.equal(c.SecretAccessKey.length, 40);
	assert.ok(c.SessionToken.length > 0);
	assert.ok(c.Expiration instanceof Date);
	const left = (c.Expiration.getTime() - Date.now()) / 1000;
	assert.ok(Math.abs(left - seconds) < 60, `expires in ${left}s, not ${seconds}s`);
}

function stsError(name, status) {
	return (err) => {
		assert.equal(err.name, name, `${err.name}: ${err.message}`);
		assert.equal(err.$fault, 'client');
		assert.equal(err.$metadata.httpStatusCode, status);
		assert.ok(err.$metadata.requestId);
		return true;
	};
}

test('GetCallerIdentity: the root, then a user by its own key', async () => {
	const root = await sts.send(new GetCallerIdentityCommand({}));
	assert.equal(root.Arn, `arn:aws:iam::${server.accountId}:root`);
	assert.equal(root.UserId, server.accountId);
	// no permission is needed to ask who one is
	const { user, credentials } = await userWith('js-who');
	const who = await new STSClient(server.config({ credentials })).send(new GetCallerIdentityCommand({}));
	assert.equal(who.Arn, user.Arn);
	assert.equal(who.UserId, user.UserId);
	assert.equal(who.Account, server.accountId);
	// a key that is no one's
	const stranger = new STSClient(server.config({ credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x'.repeat(40) } }));
	await assert.rejects(stranger.send(new GetCallerIdentityCommand({})), stsError('InvalidClientTokenId', 403));
});

test('AssumeRole: a trusted user gets working role credentials; others are refused', async () => {
	const { user, credentials } = await userWith('js-deployer', allow('sts:AssumeRole'));
	const role = (
		await iam.send(
			new CreateRoleCommand({
				RoleName: 'js-deploy',
				AssumeRolePolicyDocument: doc({
					Effect: 'Allow',
					Principal: { AWS: user.Arn },
					Action: 'sts:AssumeRole',
					Condition: { StringEquals: { 'sts:ExternalId': 'ext-1' } },
				}),
				MaxSessionDuration: 7200,
			}),
		)
	).Role;
	await iam.send(new PutRolePolicyCommand({ RoleName: 'js-deploy', PolicyName: 'p', PolicyDocument: doc(allow('kms:ListKeys')) }));
	const userSts = new STSClient(server.config({ credentials }));
	const out = await userSts.send(
		new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'build-1', DurationSeconds: 7200, ExternalId: 'ext-1' }),
	);
	checkCredentials(out.Credentials, 7200);
	assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${server.accountId}:assumed-role/js-deploy/build-1`);
	assert.equal(out.AssumedRoleUser.AssumedRoleId, `${role.RoleId}:build-1`);

	const session = server.config({ credentials: asCreds(out.Credentials) });
	const who = await new STSClient(session).send(new GetCallerIdentityCommand({}));
	assert.equal(who.Arn, out.AssumedRoleUser.Arn);
	assert.equal(who.UserId, out.AssumedRoleUser.AssumedRoleId);
	const kms = new KMSClient(session);
	await kms.send(new ListKeysCommand({})); // the role's policy allows it
	await assert.rejects(kms.send(new ListAliasesCommand({})), stsError('AccessDeniedException', 400));

	await assert.rejects(
		userSts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'build-2', ExternalId: 'ext-2' })),
		stsError('AccessDenied', 403),
	);
	await assert.rejects(
		userSts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'long', DurationSeconds: 7201, ExternalId: 'ext-1' })),
		stsError('ValidationError', 400),
	);
	await assert.rejects(
		sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'root' })),
		(err) => stsError('AccessDenied', 403)(err) && err.message === 'Roles may not be assumed by root accounts.',
	);
});

test('AssumeRole with session tags and a session policy: tags reach conditions, the policy narrows', async () => {
	const { user, credentials } = await userWith('js-tagger', allow(['sts:AssumeRole', 'sts:TagSession']));
	const role = (
		await iam.send(
			new CreateRoleCommand({
				RoleName: 'js-tagged-role',
				AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: user.Arn }, Action: ['sts:AssumeRole', 'sts:TagSession'] }),
			}),
		)
	).Role;
	await iam.send(
		new PutRolePolicyCommand({
			RoleName: 'js-tagged-role',
			PolicyName: 'p',
			PolicyDocument: doc(allow(['kms:ListKeys', 'kms:CreateKey']), {
				...allow('kms:ListAliases'),
				Condition: { StringEquals: { 'aws:PrincipalTag/team': 'blue' } },
			}),
		}),
	);
	const userSts = new STSClient(server.config({ credentials }));
	const tagged = await userSts.send(
		new AssumeRoleCommand({
			RoleArn: role.Arn,
			RoleSessionName: 'tagged',
			Tags: [{ Key: 'team', Value: 'blue' }],
			TransitiveTagKeys: ['team'],
			Policy: doc(allow('kms:List*')),
		}),
	);
	assert.equal(typeof tagged.PackedPolicySize, 'number');
	const kms = new KMSClient(server.config({ credentials: asCreds(tagged.Credentials) }));
	await kms.send(new ListKeysCommand({}));
	await kms.send(new ListAliasesCommand({})); // the session's tag meets the condition
	// the role allows it, the session policy does not
	await assert.rejects(kms.send(new CreateKeyCommand({})), stsError('AccessDeniedException', 400));

	const plain = await userSts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'plain' }));
	const kms2 = new KMSClient(server.config({ credentials: asCreds(plain.Credentials) }));
	await kms2.send(new CreateKeyCommand({}));
	await assert.rejects(kms2.send(new ListAliasesCommand({})), stsError('AccessDeniedException', 400));
});

test('GetSessionToken: the user again, by temporary credentials that may not ask for more', async () => {
	const { user, credentials } = await userWith('js-session', allow('kms:ListKeys'));
	const out = await new STSClient(server.config({ credentials })).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
	checkCredentials(out.Credentials, 900);
	const session = server.config({ credentials: asCreds(out.Credentials) });
	const who = await new STSClient(session).send(new GetCallerIdentityCommand({}));
	assert.equal(who.Arn, user.Arn);
	await new KMSClient(session).send(new ListKeysCommand({}));
	await assert.rejects(
		new STSClient(session).send(new GetSessionTokenCommand({})),
		stsError('AccessDenied', 403),
	);
	await assert.rejects(
		new STSClient(server.config({ credentials })).send(new GetSessionTokenCommand({ DurationSeconds: 899 })),
		stsError('ValidationError', 400),
	);
});

test('GetFederationToken: a federated user with the intersection of user and session policy', async () => {
	const { credentials } = await userWith('js-fed', allow('sts:GetFederationToken'), allow('kms:ListKeys'), allow('kms:ListAliases'));
	const out = await new STSClient(server.config({ credentials })).send(
		new GetFederationTokenCommand({ Name: 'bob@example', DurationSeconds: 900, Policy: doc(allow('kms:ListKeys')) }),
	);
	checkCredentials(out.Credentials, 900);
	assert.equal(out.FederatedUser.Arn, `arn:aws:sts::${server.accountId}:federated-user/bob@example`);
	assert.equal(out.FederatedUser.FederatedUserId, `${server.accountId}:bob@example`);
	assert.equal(typeof out.PackedPolicySize, 'number');
	const session = server.config({ credentials: asCreds(out.Credentials) });
	const who = await new STSClient(session).send(new GetCallerIdentityCommand({}));
	assert.equal(who.Arn, out.FederatedUser.Arn);
	const kms = new KMSClient(session);
	await kms.send(new ListKeysCommand({}));
	// the user allows it, the session policy does not
	await assert.rejects(kms.send(new ListAliasesCommand({})), stsError('AccessDeniedException', 400));
	await assert.rejects(
		new STSClient(session).send(new GetFederationTokenCommand({ Name: 'again' })),
		stsError('AccessDenied', 403),
	);
	await assert.rejects(
		new STSClient(server.config({ credentials })).send(new GetFederationTokenCommand({ Name: 'x' })),
		stsError('ValidationError', 400),
	);
});

test('GetAccessKeyInfo names the account of a long-term and a temporary key', async () => {
	const root = await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: server.account.AccessKeyId }));
	assert.equal(root.Account, server.accountId);
	const session = await sts.send(new GetSessionTokenCommand({}));
	const temp = await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: session.Credentials.AccessKeyId }));
	assert.equal(temp.Account, server.accountId);
	await assert.rejects(sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: 'short' })), stsError('ValidationError', 400));
});

test('DecodeAuthorizationMessage refuses what it did not seal', async () => {
	for (const msg of ['nope', Buffer.from('x'.repeat(80)).toString('base64')])
		await assert.rejects(
			sts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: msg })),
			(err) =>
				stsError('InvalidAuthorizationMessageException', 400)(err) &&
				err.message === 'The encoded authorization message is invalid.',
		);
	// it needs its permission
	const { credentials } = await userWith('js-decoder');
	await assert.rejects(
		new STSClient(server.config({ credentials })).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: 'nope' })),
		stsError('AccessDenied', 403),
	);
});

test('AssumeRoleWithWebIdentity, which the SDK sends unsigned and bulwark lacks, answers NotImplemented', async () => {
	await assert.rejects(
		sts.send(
			new AssumeRoleWithWebIdentityCommand({
				RoleArn: `arn:aws:iam::${server.accountId}:role/js-web`,
				RoleSessionName: 'web',
				WebIdentityToken: 'eyJhbGciOiJub25lIn0.e30.',
			}),
		),
		(err) => {
			assert.equal(err.name, 'NotImplemented', `${err.name}: ${err.message}`);
			assert.equal(err.$fault, 'server');
			assert.equal(err.$metadata.httpStatusCode, 501);
			assert.equal(err.$metadata.attempts, 1, 'not retried');
			assert.ok(err.message.includes('AssumeRoleWithWebIdentity'), err.message);
			return true;
		},
	);
});
