// IAM service-linked roles and service-specific credentials through the
// JavaScript SDK v3: every new operation once, with the errors a user meets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
	CreateServiceLinkedRoleCommand,
	CreateServiceSpecificCredentialCommand,
	CreateUserCommand,
	DeleteRoleCommand,
	DeleteServiceLinkedRoleCommand,
	DeleteServiceSpecificCredentialCommand,
	DeleteUserCommand,
	GetRoleCommand,
	GetServiceLinkedRoleDeletionStatusCommand,
	IAMClient,
	ListServiceSpecificCredentialsCommand,
	ResetServiceSpecificCredentialCommand,
	UpdateServiceSpecificCredentialCommand,
} from '@aws-sdk/client-iam';

import { Server } from './bulwark.mjs';

let server;
before(async () => {
	server = await Server.start();
});
after(async () => {
	await server?.stop();
});

async function rejects(promise, name, status) {
	await assert.rejects(promise, (e) => {
		assert.equal(e.name, name, e.message);
		if (status) assert.equal(e.$metadata.httpStatusCode, status);
		return true;
	});
}

test('CreateServiceLinkedRole, DeleteServiceLinkedRole and the deletion status', async () => {
	const iam = new IAMClient(server.config());
	const out = await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'securityhub.amazonaws.com' }));
	assert.equal(out.Role.RoleName, 'AWSServiceRoleForSecurityHub');
	assert.equal(out.Role.Path, '/aws-service-role/securityhub.amazonaws.com/');
	assert.equal(
		out.Role.Arn,
		`arn:aws:iam::${server.accountId}:role/aws-service-role/securityhub.amazonaws.com/AWSServiceRoleForSecurityHub`,
	);
	assert.ok(out.Role.CreateDate instanceof Date);
	const trust = JSON.parse(decodeURIComponent(out.Role.AssumeRolePolicyDocument));
	assert.deepEqual(trust.Statement[0].Principal, { Service: 'securityhub.amazonaws.com' });

	await rejects(iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'securityhub.amazonaws.com' })), 'InvalidInputException', 400);
	await rejects(iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'bogus.amazonaws.com' })), 'InvalidInputException', 400);
	await rejects(iam.send(new DeleteRoleCommand({ RoleName: 'AWSServiceRoleForSecurityHub' })), 'UnmodifiableEntityException', 400);

	const del = await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForSecurityHub' }));
	assert.match(
		del.DeletionTaskId,
		/^task\/aws-service-role\/securityhub\.amazonaws\.com\/AWSServiceRoleForSecurityHub\/[0-9a-f-]{36}$/,
	);
	const st = await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: del.DeletionTaskId }));
	assert.equal(st.Status, 'SUCCEEDED');
	await rejects(iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForSecurityHub' })), 'NoSuchEntityException', 404);
	await rejects(
		iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: del.DeletionTaskId.replace(/.{12}$/, '000000000000') })),
		'NoSuchEntityException',
		404,
	);
});

test('service-specific credentials: create, list, reset, update, delete', async () => {
	const iam = new IAMClient(server.config());
	await iam.send(new CreateUserCommand({ UserName: 'js-git' }));
	const made = await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'js-git', ServiceName: 'codecommit.amazonaws.com' }));
	const cred = made.ServiceSpecificCredential;
	assert.match(cred.ServiceSpecificCredentialId, /^ACCA[A-Z0-9]{17}$/);
	assert.equal(cred.ServiceUserName, `js-git-at-${server.accountId}`);
	assert.equal(cred.Status, 'Active');
	assert.ok(cred.ServicePassword.length >= 40);
	const id = cred.ServiceSpecificCredentialId;

	const listed = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'js-git' }));
	assert.deepEqual(
		listed.ServiceSpecificCredentials.map((c) => [c.ServiceSpecificCredentialId, c.ServicePassword]),
		[[id, undefined]],
	);
	const reset = await iam.send(new ResetServiceSpecificCredentialCommand({ UserName: 'js-git', ServiceSpecificCredentialId: id }));
	assert.notEqual(reset.ServiceSpecificCredential.ServicePassword, cred.ServicePassword);
	await iam.send(new UpdateServiceSpecificCredentialCommand({ UserName: 'js-git', ServiceSpecificCredentialId: id, Status: 'Inactive' }));
	const after = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'js-git', ServiceName: 'codecommit.amazonaws.com' }));
	assert.equal(after.ServiceSpecificCredentials[0].Status, 'Inactive');

	await rejects(iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'js-git', ServiceName: 's3.amazonaws.com' })), 'ServiceNotSupportedException');
	await rejects(iam.send(new DeleteUserCommand({ UserName: 'js-git' })), 'DeleteConflictException', 409);
	await iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: 'js-git', ServiceSpecificCredentialId: id }));
	await rejects(
		iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: 'js-git', ServiceSpecificCredentialId: id })),
		'NoSuchEntityException',
		404,
	);
	await iam.send(new DeleteUserCommand({ UserName: 'js-git' }));
});
