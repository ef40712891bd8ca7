// IAM (awsQuery) permissions through the JavaScript SDK v3: managed policies
// and their versions and tags, inline policies of users, groups and roles,
// attachments, permissions boundaries, roles, instance profiles and
// GetAccountAuthorizationDetails. What a policy says is checked by what its
// holder can then do, through the holder's own access key. IAM returns policy
// documents URL-encoded (RFC 3986) and the SDK hands them over as they came:
// callers decodeURIComponent them, so the tests do too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
	AddRoleToInstanceProfileCommand,
	AddUserToGroupCommand,
	AttachGroupPolicyCommand,
	AttachRolePolicyCommand,
	AttachUserPolicyCommand,
	CreateAccessKeyCommand,
	CreateGroupCommand,
	CreateInstanceProfileCommand,
	CreatePolicyCommand,
	CreatePolicyVersionCommand,
	CreateRoleCommand,
	CreateUserCommand,
	DeleteGroupPolicyCommand,
	DeleteInstanceProfileCommand,
	DeletePolicyCommand,
	DeletePolicyVersionCommand,
	DeleteRoleCommand,
	DeleteRolePermissionsBoundaryCommand,
	DeleteRolePolicyCommand,
	DeleteUserPermissionsBoundaryCommand,
	DeleteUserPolicyCommand,
	DetachGroupPolicyCommand,
	DetachRolePolicyCommand,
	DetachUserPolicyCommand,
	GetAccountAuthorizationDetailsCommand,
	GetGroupPolicyCommand,
	GetInstanceProfileCommand,
	GetPolicyCommand,
	GetPolicyVersionCommand,
	GetRoleCommand,
	GetRolePolicyCommand,
	GetUserCommand,
	GetUserPolicyCommand,
	IAMClient,
	ListAttachedGroupPoliciesCommand,
	ListAttachedRolePoliciesCommand,
	ListAttachedUserPoliciesCommand,
	ListEntitiesForPolicyCommand,
	ListGroupPoliciesCommand,
	ListInstanceProfileTagsCommand,
	ListInstanceProfilesCommand,
	ListInstanceProfilesForRoleCommand,
	ListPoliciesCommand,
	ListPolicyTagsCommand,
	ListPolicyVersionsCommand,
	ListRolePoliciesCommand,
	ListRoleTagsCommand,
	ListRolesCommand,
	ListUserPoliciesCommand,
	ListUsersCommand,
	PutGroupPolicyCommand,
	PutRolePermissionsBoundaryCommand,
	PutRolePolicyCommand,
	PutUserPermissionsBoundaryCommand,
	PutUserPolicyCommand,
	RemoveRoleFromInstanceProfileCommand,
	SetDefaultPolicyVersionCommand,
	TagInstanceProfileCommand,
	TagPolicyCommand,
	TagRoleCommand,
	UntagInstanceProfileCommand,
	UntagPolicyCommand,
	UntagRoleCommand,
	UpdateAssumeRolePolicyCommand,
	UpdateRoleCommand,
	UpdateRoleDescriptionCommand,
	paginateGetAccountAuthorizationDetails,
	paginateListPolicies,
	paginateListRoles,
	waitUntilInstanceProfileExists,
	waitUntilPolicyExists,
	waitUntilRoleExists,
} from '@aws-sdk/client-iam';

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

const doc = (...Statement) => ({ Version: '2012-10-17', Statement });
const allow = (Action, Resource = '*') => ({ Effect: 'Allow', Action, Resource });
const text = (...statements) => JSON.stringify(doc(...statements));
const decoded = (s) => JSON.parse(decodeURIComponent(s));

function iamError(name, status) {
	return (err) => {
		assert.equal(err.name, name, `${err.name}: ${err.message}`);
		assert.equal(err.$fault, 'client');
		assert.equal(err.$metadata.httpStatusCode, status);
		return true;
	};
}
const denied = iamError('AccessDenied', 403);

// A user and an IAM client signing as it.
async function userClient(name) {
	await iam.send(new CreateUserCommand({ UserName: name }));
	const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey;
	return new IAMClient(server.config({ credentials: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey } }));
}

test('managed policies: versions decide what the holder may do; tags; list; delete', async () => {
	const as = await userClient('js-holder');
	const p = (
		await iam.send(
			new CreatePolicyCommand({
				PolicyName: 'js-list-users',
				Path: '/js/',
				Description: 'lists users',
				PolicyDocument: text(allow('iam:ListUsers')),
				Tags: [{ Key: 'a', Value: '1' }],
			}),
		)
	).Policy;
	assert.equal(p.Arn, `arn:aws:iam::${server.accountId}:policy/js/js-list-users`);
	assert.equal(p.DefaultVersionId, 'v1');
	assert.equal((await waitUntilPolicyExists({ client: iam, maxWaitTime: 5 }, { PolicyArn: p.Arn })).state, 'SUCCESS');
	assert.equal(p.AttachmentCount, 0);
	await assert.rejects(
		iam.send(new CreatePolicyCommand({ PolicyName: 'js-list-users', PolicyDocument: text(allow('iam:ListUsers')) })),
		iamError('EntityAlreadyExistsException', 409),
	);
	await assert.rejects(
		iam.send(new CreatePolicyCommand({ PolicyName: 'js-bad', PolicyDocument: '{"Statement": 5}' })),
		iamError('MalformedPolicyDocumentException', 400),
	);

	await assert.rejects(as.send(new ListUsersCommand({})), denied);
	await iam.send(new AttachUserPolicyCommand({ UserName: 'js-holder', PolicyArn: p.Arn }));
	await as.send(new ListUsersCommand({}));
	assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: p.Arn }))).Policy.AttachmentCount, 1);

	// v2 allows GetUser instead; made default, the holder's rights follow
	const v2 = (
		await iam.send(new CreatePolicyVersionCommand({ PolicyArn: p.Arn, PolicyDocument: text(allow('iam:GetUser')), SetAsDefault: true }))
	).PolicyVersion;
	assert.equal(v2.VersionId, 'v2');
	assert.equal(v2.IsDefaultVersion, true);
	await assert.rejects(as.send(new ListUsersCommand({})), denied);
	await as.send(new GetUserCommand({ UserName: 'js-holder' }));
	const got = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: p.Arn, VersionId: 'v2' }))).PolicyVersion;
	assert.deepEqual(decoded(got.Document), doc(allow('iam:GetUser')));
	const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: p.Arn }))).Versions;
	assert.deepEqual(versions.map((v) => [v.VersionId, v.IsDefaultVersion]).sort(), [
		['v1', false],
		['v2', true],
	]);
	await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: p.Arn, VersionId: 'v1' }));
	await as.send(new ListUsersCommand({}));
	await assert.rejects(iam.send(new DeletePolicyVersionCommand({ PolicyArn: p.Arn, VersionId: 'v1' })), iamError('DeleteConflictException', 409));
	await iam.send(new DeletePolicyVersionCommand({ PolicyArn: p.Arn, VersionId: 'v2' }));
	await assert.rejects(iam.send(new GetPolicyVersionCommand({ PolicyArn: p.Arn, VersionId: 'v2' })), iamError('NoSuchEntityException', 404));

	await iam.send(new TagPolicyCommand({ PolicyArn: p.Arn, Tags: [{ Key: 'b', Value: '2' }] }));
	await iam.send(new UntagPolicyCommand({ PolicyArn: p.Arn, TagKeys: ['a'] }));
	assert.deepEqual((await iam.send(new ListPolicyTagsCommand({ PolicyArn: p.Arn }))).Tags, [{ Key: 'b', Value: '2' }]);

	for (let i = 0; i < 3; i++) await iam.send(new CreatePolicyCommand({ PolicyName: `js-more-${i}`, Path: '/js/', PolicyDocument: text(allow('kms:ListKeys')) }));
	const names = [];
	for await (const page of paginateListPolicies({ client: iam, pageSize: 2 }, { Scope: 'Local', PathPrefix: '/js/' }))
		names.push(...page.Policies.map((x) => x.PolicyName));
	assert.deepEqual(names.sort(), ['js-list-users', 'js-more-0', 'js-more-1', 'js-more-2']);
	const attached = await iam.send(new ListPoliciesCommand({ Scope: 'Local', OnlyAttached: true }));
	assert.deepEqual(attached.Policies.map((x) => x.PolicyName), ['js-list-users']);
	const aws = await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
	assert.equal(aws.Policy.PolicyName, 'AdministratorAccess');

	await assert.rejects(iam.send(new DeletePolicyCommand({ PolicyArn: p.Arn })), iamError('DeleteConflictException', 409));
	await iam.send(new DetachUserPolicyCommand({ UserName: 'js-holder', PolicyArn: p.Arn }));
	await assert.rejects(as.send(new ListUsersCommand({})), denied);
	await iam.send(new DeletePolicyCommand({ PolicyArn: p.Arn }));
	await assert.rejects(iam.send(new GetPolicyCommand({ PolicyArn: p.Arn })), iamError('NoSuchEntityException', 404));
});

test('attachments: to a user, a group and a role; listed per entity and per policy', async () => {
	const p = (await iam.send(new CreatePolicyCommand({ PolicyName: 'js-attach', PolicyDocument: text(allow('iam:ListRoles')) }))).Policy;
	const as = await userClient('js-att-user');
	await iam.send(new CreateGroupCommand({ GroupName: 'js-att-group' }));
	await iam.send(new AddUserToGroupCommand({ GroupName: 'js-att-group', UserName: 'js-att-user' }));
	await iam.send(new CreateRoleCommand({ RoleName: 'js-att-role', AssumeRolePolicyDocument: text({ Effect: 'Allow', Principal: { AWS: server.accountId }, Action: 'sts:AssumeRole' }) }));

	await iam.send(new AttachGroupPolicyCommand({ GroupName: 'js-att-group', PolicyArn: p.Arn }));
	await as.send(new ListRolesCommand({})); // through the group
	await iam.send(new AttachUserPolicyCommand({ UserName: 'js-att-user', PolicyArn: p.Arn }));
	await iam.send(new AttachRolePolicyCommand({ RoleName: 'js-att-role', PolicyArn: p.Arn }));
	const entry = { PolicyName: 'js-attach', PolicyArn: p.Arn };
	assert.deepEqual((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'js-att-user' }))).AttachedPolicies, [entry]);
	assert.deepEqual((await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'js-att-group' }))).AttachedPolicies, [entry]);
	assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'js-att-role' }))).AttachedPolicies, [entry]);
	const ents = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn }));
	assert.deepEqual(ents.PolicyUsers.map((x) => x.UserName), ['js-att-user']);
	assert.deepEqual(ents.PolicyGroups.map((x) => x.GroupName), ['js-att-group']);
	assert.deepEqual(ents.PolicyRoles.map((x) => x.RoleName), ['js-att-role']);
	const onlyRoles = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: p.Arn, EntityFilter: 'Role' }));
	assert.deepEqual(onlyRoles.PolicyUsers ?? [], []);
	assert.equal(onlyRoles.PolicyRoles.length, 1);

	await iam.send(new DetachUserPolicyCommand({ UserName: 'js-att-user', PolicyArn: p.Arn }));
	await as.send(new ListRolesCommand({})); // still through the group
	await iam.send(new DetachGroupPolicyCommand({ GroupName: 'js-att-group', PolicyArn: p.Arn }));
	await assert.rejects(as.send(new ListRolesCommand({})), denied);
	await iam.send(new DetachRolePolicyCommand({ RoleName: 'js-att-role', PolicyArn: p.Arn }));
	assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'js-att-role' }))).AttachedPolicies, []);
	await assert.rejects(
		iam.send(new DetachRolePolicyCommand({ RoleName: 'js-att-role', PolicyArn: p.Arn })),
		iamError('NoSuchEntityException', 404),
	);
	await assert.rejects(
		iam.send(new AttachUserPolicyCommand({ UserName: 'js-att-user', PolicyArn: `arn:aws:iam::${server.accountId}:policy/js-none` })),
		iamError('NoSuchEntityException', 404),
	);
});

test('inline policies: put, get (URL-encoded), list, delete for a user, a group and a role', async () => {
	const as = await userClient('js-inline');
	await iam.send(new CreateGroupCommand({ GroupName: 'js-inline-g' }));
	await iam.send(new AddUserToGroupCommand({ GroupName: 'js-inline-g', UserName: 'js-inline' }));
	await iam.send(new CreateRoleCommand({ RoleName: 'js-inline-r', AssumeRolePolicyDocument: text({ Effect: 'Allow', Principal: { AWS: server.accountId }, Action: 'sts:AssumeRole' }) }));
	// a document with characters URL encoding changes
	const udoc = doc({ Sid: 'Users1', ...allow('iam:ListUsers') }, { Effect: 'Deny', Action: 'iam:GetUser', Resource: 'arn:aws:iam::*:user/a b+c' });
	await iam.send(new PutUserPolicyCommand({ UserName: 'js-inline', PolicyName: 'users', PolicyDocument: JSON.stringify(udoc) }));
	await iam.send(new PutGroupPolicyCommand({ GroupName: 'js-inline-g', PolicyName: 'roles', PolicyDocument: text(allow('iam:ListRoles')) }));
	await iam.send(new PutRolePolicyCommand({ RoleName: 'js-inline-r', PolicyName: 'keys', PolicyDocument: text(allow('kms:ListKeys')) }));

	const u = await iam.send(new GetUserPolicyCommand({ UserName: 'js-inline', PolicyName: 'users' }));
	assert.equal(u.UserName, 'js-inline');
	assert.deepEqual(decoded(u.PolicyDocument), udoc);
	const g = await iam.send(new GetGroupPolicyCommand({ GroupName: 'js-inline-g', PolicyName: 'roles' }));
	assert.deepEqual(decoded(g.PolicyDocument), doc(allow('iam:ListRoles')));
	const r = await iam.send(new GetRolePolicyCommand({ RoleName: 'js-inline-r', PolicyName: 'keys' }));
	assert.deepEqual(decoded(r.PolicyDocument), doc(allow('kms:ListKeys')));
	assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'js-inline' }))).PolicyNames, ['users']);
	assert.deepEqual((await iam.send(new ListGroupPoliciesCommand({ GroupName: 'js-inline-g' }))).PolicyNames, ['roles']);
	assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'js-inline-r' }))).PolicyNames, ['keys']);

	await as.send(new ListUsersCommand({}));
	await as.send(new ListRolesCommand({}));
	await iam.send(new DeleteUserPolicyCommand({ UserName: 'js-inline', PolicyName: 'users' }));
	await assert.rejects(as.send(new ListUsersCommand({})), denied);
	await iam.send(new DeleteGroupPolicyCommand({ GroupName: 'js-inline-g', PolicyName: 'roles' }));
	await assert.rejects(as.send(new ListRolesCommand({})), denied);
	await iam.send(new DeleteRolePolicyCommand({ RoleName: 'js-inline-r', PolicyName: 'keys' }));
	assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'js-inline-r' }))).PolicyNames, []);
	await assert.rejects(
		iam.send(new GetUserPolicyCommand({ UserName: 'js-inline', PolicyName: 'users' })),
		iamError('NoSuchEntityException', 404),
	);
	await assert.rejects(
		iam.send(new PutUserPolicyCommand({ UserName: 'js-inline', PolicyName: 'bad', PolicyDocument: 'not json' })),
		iamError('MalformedPolicyDocumentException', 400),
	);
});

test('permissions boundaries: a user and a role can do only what the boundary also allows', async () => {
	const boundary = (await iam.send(new CreatePolicyCommand({ PolicyName: 'js-boundary', PolicyDocument: text(allow('iam:ListUsers')) }))).Policy;
	const as = await userClient('js-bounded');
	await iam.send(new PutUserPolicyCommand({ UserName: 'js-bounded', PolicyName: 'iam', PolicyDocument: text(allow('iam:List*')) }));
	await as.send(new ListRolesCommand({}));
	await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'js-bounded', PermissionsBoundary: boundary.Arn }));
	const u = (await iam.send(new GetUserCommand({ UserName: 'js-bounded' }))).User;
	assert.deepEqual(u.PermissionsBoundary, { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: boundary.Arn });
	await as.send(new ListUsersCommand({}));
	await assert.rejects(as.send(new ListRolesCommand({})), denied);
	await iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'js-bounded' }));
	await as.send(new ListRolesCommand({}));
	assert.equal((await iam.send(new GetUserCommand({ UserName: 'js-bounded' }))).User.PermissionsBoundary, undefined);

	await iam.send(new CreateRoleCommand({ RoleName: 'js-bounded-role', AssumeRolePolicyDocument: text({ Effect: 'Allow', Principal: { AWS: server.accountId }, Action: 'sts:AssumeRole' }) }));
	await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'js-bounded-role', PermissionsBoundary: boundary.Arn }));
	const role = (await iam.send(new GetRoleCommand({ RoleName: 'js-bounded-role' }))).Role;
	assert.equal(role.PermissionsBoundary.PermissionsBoundaryArn, boundary.Arn);
	await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'js-bounded-role' }));
	assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'js-bounded-role' }))).Role.PermissionsBoundary, undefined);
	await assert.rejects(
		iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'js-bounded', PermissionsBoundary: `arn:aws:iam::${server.accountId}:policy/js-none` })),
		iamError('NoSuchEntityException', 404),
	);
});

test('roles: create, get, update, trust policy, tags, list through the paginator, delete', async () => {
	const trust = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${server.accountId}:root` }, Action: 'sts:AssumeRole' });
	const made = (
		await iam.send(
			new CreateRoleCommand({
				RoleName: 'js-role',
				Path: '/svc/',
				AssumeRolePolicyDocument: JSON.stringify(trust),
				Description: 'first',
				MaxSessionDuration: 3600,
				Tags: [{ Key: 'a', Value: '1' }],
			}),
		)
	).Role;
	assert.equal(made.Arn, `arn:aws:iam::${server.accountId}:role/svc/js-role`);
	assert.match(made.RoleId, /^AROA/);
	await assert.rejects(
		iam.send(new CreateRoleCommand({ RoleName: 'JS-ROLE', AssumeRolePolicyDocument: JSON.stringify(trust) })),
		iamError('EntityAlreadyExistsException', 409),
	);
	assert.equal((await waitUntilRoleExists({ client: iam, maxWaitTime: 5 }, { RoleName: 'js-role' })).state, 'SUCCESS');
	const got = (await iam.send(new GetRoleCommand({ RoleName: 'js-role' }))).Role;
	assert.deepEqual(decoded(got.AssumeRolePolicyDocument), trust);
	assert.equal(got.Description, 'first');
	assert.equal(got.MaxSessionDuration, 3600);

	await iam.send(new UpdateRoleCommand({ RoleName: 'js-role', Description: 'second', MaxSessionDuration: 7200 }));
	let now = (await iam.send(new GetRoleCommand({ RoleName: 'js-role' }))).Role;
	assert.equal(now.Description, 'second');
	assert.equal(now.MaxSessionDuration, 7200);
	const upd = await iam.send(new UpdateRoleDescriptionCommand({ RoleName: 'js-role', Description: 'third' }));
	assert.equal(upd.Role.Description, 'third');
	assert.equal(upd.Role.RoleId, made.RoleId);
	await assert.rejects(iam.send(new UpdateRoleCommand({ RoleName: 'js-role', MaxSessionDuration: 60 })), iamError('ValidationError', 400));

	const trust2 = doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });
	await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'js-role', PolicyDocument: JSON.stringify(trust2) }));
	now = (await iam.send(new GetRoleCommand({ RoleName: 'js-role' }))).Role;
	assert.deepEqual(decoded(now.AssumeRolePolicyDocument), trust2);
	await assert.rejects(
		iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'js-role', PolicyDocument: '[]' })),
		iamError('MalformedPolicyDocumentException', 400),
	);

	await iam.send(new TagRoleCommand({ RoleName: 'js-role', Tags: [{ Key: 'b', Value: '2' }] }));
	await iam.send(new UntagRoleCommand({ RoleName: 'js-role', TagKeys: ['a'] }));
	assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: 'js-role' }))).Tags, [{ Key: 'b', Value: '2' }]);

	for (let i = 0; i < 3; i++) await iam.send(new CreateRoleCommand({ RoleName: `js-r${i}`, Path: '/svc/', AssumeRolePolicyDocument: JSON.stringify(trust) }));
	const names = [];
	for await (const page of paginateListRoles({ client: iam, pageSize: 2 }, { PathPrefix: '/svc/' })) names.push(...page.Roles.map((x) => x.RoleName));
	assert.deepEqual(names.sort(), ['js-r0', 'js-r1', 'js-r2', 'js-role']);

	await iam.send(new PutRolePolicyCommand({ RoleName: 'js-r0', PolicyName: 'p', PolicyDocument: text(allow('kms:ListKeys')) }));
	await assert.rejects(iam.send(new DeleteRoleCommand({ RoleName: 'js-r0' })), iamError('DeleteConflictException', 409));
	await iam.send(new DeleteRoleCommand({ RoleName: 'js-role' }));
	await assert.rejects(iam.send(new GetRoleCommand({ RoleName: 'js-role' })), iamError('NoSuchEntityException', 404));
});

test('instance profiles: a role in a profile, tags, lists, removal, deletion', async () => {
	const trust = text({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });
	const role = (await iam.send(new CreateRoleCommand({ RoleName: 'js-ec2', AssumeRolePolicyDocument: trust }))).Role;
	const ip = (await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'js-web', Path: '/ip/', Tags: [{ Key: 'a', Value: '1' }] })))
		.InstanceProfile;
	assert.equal(ip.Arn, `arn:aws:iam::${server.accountId}:instance-profile/ip/js-web`);
	assert.match(ip.InstanceProfileId, /^AIPA/);
	assert.deepEqual(ip.Roles, []);
	assert.equal((await waitUntilInstanceProfileExists({ client: iam, maxWaitTime: 5 }, { InstanceProfileName: 'js-web' })).state, 'SUCCESS');
	await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'js-web', RoleName: 'js-ec2' }));
	const got = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'js-web' }))).InstanceProfile;
	assert.deepEqual(got.Roles.map((r) => r.Arn), [role.Arn]);
	await iam.send(new CreateRoleCommand({ RoleName: 'js-ec2b', AssumeRolePolicyDocument: trust }));
	await assert.rejects(
		iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'js-web', RoleName: 'js-ec2b' })),
		iamError('LimitExceededException', 409),
	);
	const forRole = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'js-ec2' }));
	assert.deepEqual(forRole.InstanceProfiles.map((x) => x.InstanceProfileName), ['js-web']);
	const listed = await iam.send(new ListInstanceProfilesCommand({ PathPrefix: '/ip/' }));
	assert.deepEqual(listed.InstanceProfiles.map((x) => x.InstanceProfileName), ['js-web']);

	await iam.send(new TagInstanceProfileCommand({ InstanceProfileName: 'js-web', Tags: [{ Key: 'b', Value: '2' }] }));
	await iam.send(new UntagInstanceProfileCommand({ InstanceProfileName: 'js-web', TagKeys: ['a'] }));
	assert.deepEqual((await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'js-web' }))).Tags, [{ Key: 'b', Value: '2' }]);

	await assert.rejects(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'js-web' })), iamError('DeleteConflictException', 409));
	await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'js-web', RoleName: 'js-ec2' }));
	await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'js-web' }));
	await assert.rejects(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'js-web' })), iamError('NoSuchEntityException', 404));
});

test('GetAccountAuthorizationDetails: every kind, filtered, through the paginator', async () => {
	await iam.send(new CreateUserCommand({ UserName: 'js-detail' }));
	await iam.send(new PutUserPolicyCommand({ UserName: 'js-detail', PolicyName: 'inline', PolicyDocument: text(allow('kms:ListKeys')) }));
	const p = (await iam.send(new CreatePolicyCommand({ PolicyName: 'js-detail-p', PolicyDocument: text(allow('kms:ListAliases')) }))).Policy;
	await iam.send(new AttachUserPolicyCommand({ UserName: 'js-detail', PolicyArn: p.Arn }));

	const users = [];
	const policies = [];
	let pages = 0;
	for await (const page of paginateGetAccountAuthorizationDetails({ client: iam, pageSize: 1 }, { Filter: ['User', 'LocalManagedPolicy'] })) {
		pages++;
		users.push(...(page.UserDetailList ?? []));
		policies.push(...(page.Policies ?? []));
		assert.deepEqual(page.RoleDetailList ?? [], []);
	}
	assert.ok(pages >= 2, `pages ${pages}`);
	const u = users.find((x) => x.UserName === 'js-detail');
	assert.ok(u, JSON.stringify(users));
	assert.deepEqual(u.UserPolicyList.map((x) => [x.PolicyName, decoded(x.PolicyDocument)]), [['inline', doc(allow('kms:ListKeys'))]]);
	assert.deepEqual(u.AttachedManagedPolicies, [{ PolicyName: 'js-detail-p', PolicyArn: p.Arn }]);
	const pol = policies.find((x) => x.Arn === p.Arn);
	assert.ok(pol);
	assert.deepEqual(decoded(pol.PolicyVersionList[0].Document), doc(allow('kms:ListAliases')));
	const one = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }));
	assert.deepEqual(one.UserDetailList ?? [], []);
	assert.equal(one.IsTruncated, false);
});
