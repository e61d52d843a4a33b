// The Files API through the official client: v1beta (Google serves files only there), and v1 gets Google's JSON 404.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiError, assertSameShape, betaClient, client, fixture, plain } from './support.mjs';

const recorded = fixture('files-get_200_active-registered-image.response.json');
// The recording is a registered (Cloud Storage) file; an uploaded one also has these.
const uploadedExtras = ['displayName', 'sha256Hash'];

test('files.upload/get/list/delete (v1beta): the recorded File shape', async () => {
  const ai = betaClient();
  const uploaded = await ai.files.upload({ file: new Blob(['Invoice 42, total 12.50 EUR'], { type: 'text/plain' }), config: { mimeType: 'text/plain', displayName: 'note' } });
  assertSameShape(recorded, plain(uploaded), { extraOk: uploadedExtras });
  assert.equal(uploaded.source, 'UPLOADED');
  assert.match(uploaded.createTime, /\.\d{3}(\d{3}){0,2}Z$|:\d\dZ$/, 'protobuf timestamps: 3, 6 or 9 fractional digits');

  const got = await ai.files.get({ name: uploaded.name });
  assertSameShape(recorded, plain(got), { extraOk: uploadedExtras });

  await ai.files.upload({ file: new Blob(['second'], { type: 'text/plain' }), config: { mimeType: 'text/plain' } });
  const names = [];
  for await (const file of await ai.files.list({ config: { pageSize: 1 } })) {
    names.push(file.name);
  }
  assert.ok(names.includes(uploaded.name));

  await ai.files.delete({ name: uploaded.name });
  const { status, body } = await apiError(() => ai.files.get({ name: uploaded.name }));
  assert.equal(status, 403);
  assert.equal(body.error.status, 'PERMISSION_DENIED');
});

test('files under v1 (the client default): Google\'s JSON 404, parsed by the client', async () => {
  const { status, body } = await apiError(() => client().files.list());
  assert.equal(status, 404);
  assertSameShape(fixture('err-403_PERMISSION_DENIED_unregistered-callers-no-key.json'), body);
  assert.equal(body.error.status, 'NOT_FOUND');
});
